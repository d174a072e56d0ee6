// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;
import java.util.Locale;

/**
 * The one Authentication-Results header SecuMail adds (RFC 8601), and the recognition of
 * such headers that claim our authserv-id but arrived from outside.
 */
public final class AuthenticationResults {
    private AuthenticationResults() { }

    /**
     * "Authentication-Results: ID;\r\n\tresinfo;\r\n\tresinfo" (RFC 8601 section 2.2), or
     * "ID; none" when there is nothing to report (section 2.2: "none" means no method ran).
     */
    public static HeaderField header(String authservId, List<AuthResult> results) {
        StringBuilder sb = new StringBuilder(authservId).append(';');
        if (results.isEmpty()) {
            sb.append(" none");
        } else {
            for (int i = 0; i < results.size(); i++) {
                sb.append("\r\n\t").append(results.get(i).format());
                if (i < results.size() - 1) sb.append(';');
            }
        }
        return HeaderField.of("Authentication-Results", sb.toString());
    }

    /**
     * True when the field is an Authentication-Results (or its ARC twin is not: only this
     * name) whose authserv-id is ours. RFC 8601 section 5: a border MTA removes such fields
     * arriving from outside, or downstream filters would trust a forgery. The authserv-id is
     * the first token of the value, compared case-insensitively; comments (RFC 5322 CFWS) and
     * a version number after it are skipped.
     */
    public static boolean claimsOurId(HeaderField h, String authservId) {
        if (!h.is("Authentication-Results")) return false;
        String v = stripComments(h.value()).strip();
        int end = 0;
        while (end < v.length() && v.charAt(end) != ';' && !Character.isWhitespace(v.charAt(end))) end++;
        String id = v.substring(0, end);
        if (id.startsWith("\"") && id.endsWith("\"") && id.length() >= 2) id = id.substring(1, id.length() - 1);
        return id.toLowerCase(Locale.ROOT).equals(authservId.toLowerCase(Locale.ROOT));
    }

    /** Removes RFC 5322 comments (nested parentheses, backslash escapes). */
    static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                if (depth == 0) out.append(c).append(s.charAt(i + 1));
                i++;
            } else if (depth == 0 && c == '"') {
                quoted = !quoted;
                out.append(c);
            } else if (!quoted && c == '(') {
                depth++;
                if (depth == 1) out.append(' ');
            } else if (!quoted && c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
