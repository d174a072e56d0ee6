// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.config.ConfigException;

/**
 * OpenDKIM's InternalHosts, in its PeerList form (opendkim.conf(5)): host names, domains
 * (".example.com" or "*.example.com"), IPv4/IPv6 addresses (optionally in brackets) and CIDR
 * blocks, each optionally negated with "!". The most precise matching entry decides, so
 * "192.168.1.1" wins over "!192.168.1.0/24"; host names are checked before addresses. Mail
 * from an internal host is signed; OpenDKIM's default is 127.0.0.1 alone.
 */
public final class InternalHosts {
    private record Net(byte[] addr, int bits, boolean negated) { }

    private record Name(String name, boolean domain, boolean negated) { }

    private final List<Net> nets = new ArrayList<>();
    private final List<Name> names = new ArrayList<>();

    public InternalHosts(OpenDkimDataset data) {
        for (OpenDkimDataset.Entry e : data.entries()) add(e.key(), data.spec());
    }

    private void add(String raw, String spec) {
        boolean neg = raw.startsWith("!");
        String s = neg ? raw.substring(1) : raw;
        String ip = s.replace("[", "").replace("]", "");
        int slash = ip.indexOf('/');
        String host = slash < 0 ? ip : ip.substring(0, slash);
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                byte[] a = InetAddress.getByName(host).getAddress();
                int bits = slash < 0 ? a.length * 8 : Integer.parseInt(ip.substring(slash + 1));
                if (bits < 0 || bits > a.length * 8) throw new NumberFormatException();
                nets.add(new Net(a, bits, neg));
                return;
            } catch (UnknownHostException | NumberFormatException e) {
                throw new ConfigException("InternalHosts " + spec + ": bad address \"" + raw + "\"");
            }
        }
        String n = s.toLowerCase(Locale.ROOT);
        if (n.startsWith("*.")) n = n.substring(1);
        names.add(new Name(n.startsWith(".") ? n : n, n.startsWith("."), neg));
    }

    /** True when the client (its verified name, or "unknown", and address) is internal. */
    public boolean contains(InetAddress client, String clientName) {
        if (clientName != null && !clientName.isEmpty() && !clientName.equals("unknown")) {
            String c = clientName.toLowerCase(Locale.ROOT);
            Name best = null;
            for (Name n : names) {
                boolean hit = n.domain() ? c.endsWith(n.name()) : c.equals(n.name());
                if (hit && (best == null || n.name().length() > best.name().length() || (!n.domain() && best.domain()))) best = n;
            }
            if (best != null) return !best.negated();
        }
        if (client == null) return false;
        byte[] a = client.getAddress();
        Net best = null;
        for (Net n : nets) {
            if (n.addr().length != a.length || !prefixMatch(n.addr(), a, n.bits())) continue;
            if (best == null || n.bits() > best.bits()) best = n;
        }
        return best != null && !best.negated();
    }

    private static boolean prefixMatch(byte[] net, byte[] a, int bits) {
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((net[i / 8] & mask) != (a[i / 8] & mask)) return false;
        }
        return true;
    }
}
