// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numeric IP addresses in text, without ever touching the DNS. {@link InetAddress#getByName}
 * resolves anything that is not a valid literal (for example "1.2.3.300"), so IPv4 text is
 * parsed here, and only strings made of hexadecimal digits, '.' and ':' with at least one ':'
 * are handed to the JDK (which rejects a bad IPv6 literal without a lookup).
 */
public final class IpAddresses {
    private IpAddresses() { }

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /** True when {@code s} is made only of characters that can appear in a numeric address. */
    public static boolean looksNumeric(String s) {
        if (s.isEmpty()) return false;
        if (s.indexOf(':') >= 0) return IPV6_CHARS.matcher(s).matches();
        return s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /**
     * Parses a numeric IPv4 (dotted quad, no leading zeros, as inet_pton(3) wants it) or IPv6
     * address. IPv4-mapped IPv6 addresses come back as IPv4, as Postfix converts them.
     */
    public static Optional<InetAddress> parse(String s) {
        if (s == null || !looksNumeric(s)) return Optional.empty();
        if (s.indexOf(':') < 0) return parseV4(s);
        if (s.startsWith(":") && !s.startsWith("::")) return Optional.empty();
        try {
            InetAddress a = InetAddress.getByName(s);
            return Optional.of(a);
        } catch (UnknownHostException | RuntimeException e) {
            // The JDK signals some malformed literals with IllegalArgumentException.
            return Optional.empty();
        }
    }

    private static Optional<InetAddress> parseV4(String s) {
        Matcher m = IPV4.matcher(s);
        if (!m.matches()) return Optional.empty();
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String g = m.group(i + 1);
            if (g.length() > 1 && g.charAt(0) == '0') return Optional.empty();
            int v = Integer.parseInt(g);
            if (v > 255) return Optional.empty();
            b[i] = (byte) v;
        }
        return Optional.of(byAddress(b));
    }

    static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + b.length, e);
        }
    }

    /**
     * The address as Postfix prints it (inet_ntop(3)): dotted quad for IPv4; for IPv6 lower-case
     * hexadecimal groups without leading zeros, the longest run of two or more zero groups
     * written as "::" (the first one on a tie), and the IPv4-compatible form ::a.b.c.d.
     */
    public static String format(InetAddress a) {
        if (!(a instanceof Inet6Address)) return a.getHostAddress();
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestBase = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) { bestBase = i; bestLen = j - i; }
            i = j;
        }
        if (bestLen < 2) bestBase = -1;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) sb.append(':');
                continue;
            }
            if (i != 0) sb.append(':');
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff))) {
                sb.append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.')
                        .append(b[14] & 0xff).append('.').append(b[15] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) sb.append(':');
        return sb.toString();
    }
}
