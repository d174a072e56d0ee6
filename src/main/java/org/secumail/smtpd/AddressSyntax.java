// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.net.IDN;

/**
 * The address forms Postfix refuses at MAIL FROM and RCPT TO ("501 5.1.7 Bad sender address
 * syntax", "501 5.1.3 Bad recipient address syntax") because trivial-rewrite's resolver flags
 * them as errors (resolve.c, through smtpd_check_addr): a domain that is neither a valid host
 * name (valid_hostname(): letters, digits, '-' and '_' in labels of at most 63 octets, no label
 * starting or ending with '-', not all-numeric, at most 255 octets) nor a valid address literal
 * ("[192.0.2.1]", "[IPv6:2001:db8::1]"); a non-ASCII domain without SMTPUTF8; a local part that
 * starts with '-' (allow_min_user = no).
 */
final class AddressSyntax {
    private AddressSyntax() { }

    /**
     * @param smtputf8 smtputf8_enable and the client asked for SMTPUTF8 on this MAIL FROM
     * @return true when Postfix would answer 501 for this address
     */
    static boolean refused(String address, boolean smtputf8, boolean allowMinUser) {
        if (address.isEmpty()) return false;
        if (!allowMinUser && address.startsWith("-")) return true;
        int at = org.secumail.rewrite.AddressResolver.lastAtOutsideQuotes(address);
        if (at < 0) return false;   // a bare local part: myorigin is appended
        String domain = address.substring(at + 1);
        // resolve.c strips one trailing dot first ("example.test." is example.test), not ".." 
        if (domain.endsWith(".") && !domain.endsWith("..") && domain.length() > 1) domain = domain.substring(0, domain.length() - 1);
        if (domain.startsWith("[")) return !validLiteral(domain);
        if (!allAscii(domain)) {
            if (!smtputf8) return true;
            try {
                domain = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                return true;
            }
        }
        return !validHostname(domain);
    }

    static boolean validHostname(String name) {
        if (name.isEmpty() || name.length() > 255) return false;
        int label = 0;
        boolean nonNumeric = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean last = i + 1 == name.length();
            if (Character.isLetterOrDigit(c) && c < 128 || c == '_') {
                if (++label > 63) return false;
                if (!Character.isDigit(c)) nonNumeric = true;
            } else if (c == '.') {
                if (label == 0 || last) return false;
                label = 0;
            } else if (c == '-') {
                nonNumeric = true;
                if (++label == 1 || last || name.charAt(i + 1) == '.') return false;
            } else {
                return false;
            }
        }
        return nonNumeric;
    }

    /** valid_mailhost_literal(): "[" dotted-quad "]" or "[IPv6:" address "]". */
    static boolean validLiteral(String lit) {
        if (!lit.startsWith("[") || !lit.endsWith("]") || lit.indexOf(']') != lit.length() - 1) return false;
        String a = lit.substring(1, lit.length() - 1);
        if (a.regionMatches(true, 0, "IPv6:", 0, 5)) return validIpv6(a.substring(5));
        return validIpv4(a);
    }

    static boolean validIpv4(String a) {
        String[] parts = a.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) return false;
        }
        return true;
    }

    static boolean validIpv6(String a) {
        if (!a.contains(":") || !a.matches("[0-9A-Fa-f:.]+") || a.contains(":::")) return false;
        try {
            return java.net.InetAddress.getByName(a) instanceof java.net.Inet6Address
                    || a.contains(".") && a.lastIndexOf(':') > 0;   // ::ffff:192.0.2.1 form
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean allAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 127) return false;
        return true;
    }
}
