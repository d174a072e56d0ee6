// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.ArrayList;
import java.util.List;

/**
 * The addresses of a From: field (RFC 5322 section 3.6.2, a mailbox-list), as DKIM signing
 * and DMARC need them: display names, comments and quoted local parts are understood, groups
 * are flattened, and an address without a domain is left out. Obsolete forms (RFC 5322
 * section 4.4) that real senders still use are accepted: a bare address without angle
 * brackets, and a trailing dot or whitespace around the "@".
 */
public final class FromHeader {
    private FromHeader() { }

    /** The addr-specs of every From: field of the message, in order (usually one). */
    public static List<String> addresses(RawMessage msg) {
        List<String> out = new ArrayList<>();
        for (HeaderField f : msg.all("From")) out.addAll(parse(f.value()));
        return out;
    }

    /** The single From: address, or null when there are none, several, or several From: fields. */
    public static String single(RawMessage msg) {
        if (msg.all("From").size() != 1) return null;
        List<String> a = addresses(msg);
        return a.size() == 1 ? a.get(0) : null;
    }

    /** The domain of an addr-spec, lower case, without a trailing dot; "" when none. */
    public static String domain(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0) return "";
        String d = address.substring(at + 1).strip().toLowerCase(java.util.Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        return d;
    }

    /** The addr-specs (candidates with a local part and a domain) of a mailbox-list. */
    public static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        for (String c : candidates(value)) {
            int at = c.lastIndexOf('@');
            if (at > 0 && at < c.length() - 1) out.add(c);
        }
        return out;
    }

    /**
     * The mailbox candidates of a From: value, leniently (RFC 5322 section 3.4 with the
     * obsolete forms): the text in angle brackets, else the bare mailbox; comments dropped,
     * quoted strings kept, groups flattened, an obs-route cut. A candidate without "@" is a
     * display-name fragment of a broken field ("From: Doe, John &lt;j@example.com&gt;").
     */
    public static List<String> candidates(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        String angle = null;
        int i = 0, n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == '"') {                       // quoted-string: kept (a quoted local part is valid)
                int j = i + 1;
                while (j < n && value.charAt(j) != '"') j += value.charAt(j) == '\\' ? 2 : 1;
                chunk.append(value, i, Math.min(j + 1, n));
                i = j + 1;
            } else if (c == '(') {                // comment, possibly nested: dropped
                int depth = 0, j = i;
                do {
                    char d = value.charAt(j);
                    if (d == '\\') j++;
                    else if (d == '(') depth++;
                    else if (d == ')') depth--;
                    j++;
                } while (j < n && depth > 0);
                chunk.append(' ');
                i = j;
            } else if (c == '<') {                // angle-addr: the address proper
                int j = value.indexOf('>', i);
                if (j < 0) j = n;
                angle = value.substring(i + 1, j);
                i = j + 1;
            } else if (c == ',' || c == ';') {    // the end of a mailbox (or of a group)
                add(out, chunk, angle);
                chunk.setLength(0);
                angle = null;
                i++;
            } else if (c == ':' && angle == null) { // "group-name:" starts a group: the name is no address
                chunk.setLength(0);
                i++;
            } else {
                chunk.append(c);
                i++;
            }
        }
        add(out, chunk, angle);
        return out;
    }

    private static void add(List<String> out, StringBuilder chunk, String angle) {
        String a = angle != null ? angle : chunk.toString();
        a = a.strip();
        int colon = a.lastIndexOf(':');      // obs-route "@a,@b:user@c" (angle only)
        if (angle != null && colon >= 0 && a.startsWith("@")) a = a.substring(colon + 1).strip();
        if (!a.isEmpty()) out.add(a);
    }

}
