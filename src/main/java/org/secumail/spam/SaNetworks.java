// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A SpamAssassin network list (trusted_networks, internal_networks): "1.2.3.4",
 * "1.2.3.0/24", "1.2.3." and "1.2.3.*" (a partial address is its network), "[::1]/128",
 * "!net" to exclude; the first entry that matches decides, as in SpamAssassin's NetSet.
 */
final class SaNetworks {
    private record Net(boolean negate, byte[] base, int bits) { }

    private final List<Net> nets = new ArrayList<>();

    static SaNetworks of(List<String> entries) {
        SaNetworks s = new SaNetworks();
        for (String e : entries) {
            Net n = parse(e.strip());
            if (n != null) s.nets.add(n);
        }
        return s;
    }

    private static Net parse(String e) {
        boolean neg = e.startsWith("!");
        if (neg) e = e.substring(1);
        e = e.replace("[", "").replace("]", "");
        int bits = -1;
        int slash = e.indexOf('/');
        if (slash >= 0) {
            bits = Integer.parseInt(e.substring(slash + 1));
            e = e.substring(0, slash);
        }
        if (!e.contains(":")) {
            e = e.replace("*", "");
            String[] parts = e.split("\\.");
            int given = 0;
            StringBuilder full = new StringBuilder();
            for (String p : parts) {
                if (p.isEmpty()) continue;
                if (given > 0) full.append('.');
                full.append(p);
                given++;
            }
            for (int i = given; i < 4; i++) full.append(i == 0 ? "0" : ".0");
            if (bits < 0) bits = given * 8;
            e = full.toString();
        }
        InetAddress a = Relays.address(e);
        if (a == null) return null;
        if (bits < 0) bits = a.getAddress().length * 8;
        return new Net(neg, a.getAddress(), bits);
    }

    boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        for (Net n : nets) {
            if (n.base().length != b.length) continue;
            int shift = b.length * 8 - n.bits();
            BigInteger x = new BigInteger(1, b).shiftRight(shift);
            BigInteger y = new BigInteger(1, n.base()).shiftRight(shift);
            if (x.equals(y)) return !n.negate();
        }
        return false;
    }
}
