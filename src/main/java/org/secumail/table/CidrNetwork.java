// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * One network pattern as cidr_table(5) and the mynetworks syntax write it: "address/prefix" or a
 * bare address (a host: all bits significant). IPv6 may be enclosed in [] as "[addr]/len" or
 * "[addr/len]"; match lists need the brackets, cidr tables accept them. Host bits below the
 * prefix must be zero, as Postfix insists ("non-null host address bits").
 */
public record CidrNetwork(byte[] network, int prefix) {

    public CidrNetwork {
        network = network.clone();
    }

    @Override
    public byte[] network() { return network.clone(); }

    /** @throws IllegalArgumentException with Postfix's wording when the pattern is malformed */
    public static CidrNetwork parse(String pattern) {
        String p = pattern;
        String search;
        if (p.startsWith("[")) {
            int close = p.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("missing ']' character after \"" + p + "\"");
            String inner = p.substring(1, close);
            String rest = p.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith("/")) {
                throw new IllegalArgumentException("garbage after \"" + p.substring(0, close + 1) + "\"");
            }
            p = inner + rest;
            search = p;
        } else {
            search = p;
        }
        int slash = search.indexOf('/');
        if (slash < 0) {
            InetAddress a = IpAddresses.parse(p)
                    .orElseThrow(() -> new IllegalArgumentException("bad address pattern: \"" + pattern + "\""));
            byte[] bytes = a.getAddress();
            return new CidrNetwork(bytes, bytes.length * 8);
        }
        String addr = search.substring(0, slash);
        String mask = search.substring(slash + 1);
        InetAddress a = IpAddresses.parse(addr).orElse(null);
        int bits = mask.matches("\\d{1,3}") ? Integer.parseInt(mask) : -1;
        if (a != null && a.getAddress().length == 4 && addr.contains(":") && bits >= 96) {
            // An IPv4-mapped IPv6 network ([::ffff:127.0.0.0]/104, in Debian's default mynetworks):
            // clients with such addresses are seen as IPv4, so match them as the IPv4 network.
            bits -= 96;
        }
        if (a == null || bits < 0 || bits > a.getAddress().length * 8) {
            throw new IllegalArgumentException("bad net/mask pattern: \"" + addr + "/" + mask + "\"");
        }
        byte[] bytes = a.getAddress();
        byte[] masked = mask(bytes, bits);
        if (!Arrays.equals(bytes, masked)) {
            throw new IllegalArgumentException("non-null host address bits in \"" + addr + "/" + mask
                    + "\", perhaps you should use \"" + IpAddresses.format(IpAddresses.byAddress(masked))
                    + "/" + bits + "\" instead");
        }
        return new CidrNetwork(bytes, bits);
    }

    /** True when {@code a} is of the same family and inside this network. */
    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == network.length && Arrays.equals(mask(b, prefix), network);
    }

    private static byte[] mask(byte[] in, int bits) {
        byte[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrNetwork c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(network) + prefix; }

    @Override
    public String toString() { return IpAddresses.format(IpAddresses.byAddress(network)) + "/" + prefix; }
}
