// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Macro expansion of RFC 7208 section 7: "%{" letter [digits] ["r"] *delimiter "}", "%%",
 * "%_", "%-". Upper-case letters are URL-escaped (section 7.3); c, r and t are only allowed in
 * explanation text (section 7.2); any other "%" is a syntax error (section 7.1).
 */
final class MacroExpander {

    /** What the macros expand to; {@code validatedName} may query DNS (the "p" macro). */
    interface Values {
        String sender();

        String localPart();

        String senderDomain();

        String domain();

        InetAddress ip();

        String helo();

        String receiver();

        long timestamp();

        String validatedName() throws SpfException;
    }

    private static final String DELIMITERS = ".-+,/_=";
    private static final String HEX = "0123456789ABCDEF";

    private MacroExpander() { }

    /** Checks the syntax only (section 4.6: the whole record is checked before evaluation). */
    static void validate(String s, boolean explanation) throws SpfException {
        expand(s, null, explanation);
    }

    /** True when the string's last element is a macro-expand (a valid domain-end, section 7.1). */
    static boolean endsWithMacro(String s) {
        boolean lastWasMacro = false;
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) != '%') {
                lastWasMacro = false;
                i++;
            } else if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
                int end = s.indexOf('}', i);
                i = end < 0 ? s.length() : end + 1;
                lastWasMacro = true;
            } else {
                i += 2; // "%%", "%_", "%-": macro-expand as well
                lastWasMacro = true;
            }
        }
        return lastWasMacro;
    }

    /**
     * Expands {@code s}; with {@code values == null} only checks the syntax. In explanation
     * text spaces are literal and c, r, t are allowed (section 6.2, 7.2).
     */
    static String expand(String s, Values values, boolean explanation) throws SpfException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '%') {
                // macro-literal = %x21-24 / %x26-7E; explain-string adds SP.
                if ((c < 0x21 || c > 0x7e) && !(explanation && c == ' ')) {
                    throw SpfException.perm("invalid character in macro-string");
                }
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= s.length()) throw SpfException.perm("'%' at end of macro-string");
            char next = s.charAt(i + 1);
            switch (next) {
                case '%' -> { out.append('%'); i += 2; }
                case '_' -> { out.append(' '); i += 2; }
                case '-' -> { out.append("%20"); i += 2; }
                case '{' -> {
                    int end = s.indexOf('}', i + 2);
                    if (end < 0) throw SpfException.perm("unterminated macro");
                    out.append(expandOne(s.substring(i + 2, end), values, explanation));
                    i = end + 1;
                }
                default -> throw SpfException.perm("invalid macro '%" + next + "'");
            }
        }
        return out.toString();
    }

    /** One "%{...}" body: letter, optional digits, optional "r", delimiters. */
    private static String expandOne(String body, Values values, boolean explanation) throws SpfException {
        if (body.isEmpty()) throw SpfException.perm("empty macro");
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        boolean known = "slodiphv".indexOf(lower) >= 0 || (explanation && "crt".indexOf(lower) >= 0);
        if (!known || letter > 0x7f) throw SpfException.perm("invalid macro letter '" + letter + "'");
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && Character.isDigit(body.charAt(i)) && body.charAt(i) < 0x80) i++;
        int keep = Integer.MAX_VALUE;
        if (i > digitsStart) {
            String digits = body.substring(digitsStart, i);
            // Section 7.3: the DIGIT transformer must be nonzero; huge values mean "all parts".
            keep = digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(digits);
            if (keep == 0) throw SpfException.perm("zero macro transformer");
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (char d : delimiters.toCharArray()) {
            if (DELIMITERS.indexOf(d) < 0) throw SpfException.perm("invalid macro delimiter '" + d + "'");
        }
        if (values == null) return "";
        String value = value(lower, values);
        List<String> parts = split(value, delimiters.isEmpty() ? "." : delimiters);
        if (reverse) Collections.reverse(parts);
        if (keep < parts.size()) parts = parts.subList(parts.size() - keep, parts.size());
        String result = String.join(".", parts);
        return Character.isUpperCase(letter) ? urlEscape(result) : result;
    }

    private static String value(char letter, Values v) throws SpfException {
        return switch (letter) {
            case 's' -> v.sender();
            case 'l' -> v.localPart();
            case 'o' -> v.senderDomain();
            case 'd' -> v.domain();
            case 'i' -> dottedIp(v.ip());
            case 'p' -> v.validatedName();
            case 'v' -> v.ip() instanceof Inet6Address ? "ip6" : "in-addr";
            case 'h' -> v.helo();
            case 'c' -> readableIp(v.ip());
            case 'r' -> v.receiver();
            case 't' -> Long.toString(v.timestamp());
            default -> throw new IllegalStateException("letter checked above: " + letter);
        };
    }

    private static List<String> split(String value, String delimiters) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        return parts;
    }

    /** "i" macro: dotted quad for IPv4, 32 dot-separated nibbles for IPv6 (section 7.3). */
    static String dottedIp(InetAddress ip) {
        byte[] b = ip.getAddress();
        StringBuilder sb = new StringBuilder();
        if (b.length == 4) return ip.getHostAddress();
        for (byte x : b) {
            if (!sb.isEmpty()) sb.append('.');
            // Upper-case nibbles as in the section 7.4 example; DNS ignores the case anyway.
            sb.append(HEX.charAt((x >> 4) & 0xf)).append('.').append(HEX.charAt(x & 0xf));
        }
        return sb.toString();
    }

    /** "c" macro: dotted quad, or IPv6 in RFC 5952 compressed form ("cafe:babe::1"). */
    static String readableIp(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 4) return ip.getHostAddress();
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) groups[g] = ((b[2 * g] & 0xff) << 8) | (b[2 * g + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 1; // RFC 5952 4.2.2: a single zero group is not compressed
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) { g++; continue; }
            int start = g;
            while (g < 8 && groups[g] == 0) g++;
            if (g - start > bestLen) { bestStart = start; bestLen = g - start; }
        }
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /** Section 7.3: upper-case macros are URL-escaped like RFC 3986 (unreserved kept). */
    private static String urlEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }
}
