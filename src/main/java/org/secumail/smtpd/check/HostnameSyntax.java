// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.net.InetAddress;

/** Postfix's valid_hostname() and valid_hostaddr() checks (util/valid_hostname.c). */
final class HostnameSyntax {
    private HostnameSyntax() { }

    /** Drops one trailing dot ("foo.bar." is "foo.bar"), as Postfix does before checking. */
    static String trimDot(String name) {
        return name.endsWith(".") && !name.endsWith("..") ? name.substring(0, name.length() - 1) : name;
    }

    static boolean isAddressLiteral(String name) { return name.startsWith("[") && name.endsWith("]"); }

    /** Letters, digits, '-' and '_'; labels of 1..63, no leading or trailing '-'; at most 255; not all numeric. */
    static boolean validHostname(String name) {
        if (name.isEmpty() || name.length() > 255) return false;
        boolean allNumeric = true;
        int label = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0 || name.charAt(i - 1) == '-') return false;
                label = 0;
                continue;
            }
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c > 127;
            if (!ok) return false;
            if (c == '-' && label == 0) return false;
            if (!(c >= '0' && c <= '9')) allNumeric = false;
            if (++label > 63) return false;
        }
        if (label == 0 || name.charAt(name.length() - 1) == '-') return false;
        return !allNumeric;
    }

    /** "[1.2.3.4]" or "[IPv6:...]" holding a valid address. */
    static boolean validAddressLiteral(String literal) {
        String inner = literal.substring(1, literal.length() - 1);
        boolean v6 = inner.regionMatches(true, 0, "IPv6:", 0, 5);
        String a = v6 ? inner.substring(5) : inner;
        if (v6 ? !a.matches("[0-9A-Fa-f:.]+") || !a.contains(":") : !a.matches("\\d{1,3}(\\.\\d{1,3}){3}")) return false;
        if (!v6) {
            String[] p = a.split("\\.");
            if (Integer.parseInt(p[0]) == 0) return false;
            for (String x : p) if (Integer.parseInt(x) > 255) return false;
        }
        try {
            InetAddress.getByName(a);
            return true;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
