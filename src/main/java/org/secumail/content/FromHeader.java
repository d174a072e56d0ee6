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

    /** Parses a mailbox-list (or address-list: groups are flattened). */
    public static List<String> parse(String value) {
        String v = AuthenticationResults.stripComments(value);
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        int angle = -1;
        String inAngle = null;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                cur.append(c).append(v.charAt(++i));
                continue;
            }
            if (c == '"') quoted = !quoted;
            if (!quoted) {
                if (c == '<') {
                    angle = cur.length();
                } else if (c == '>' && angle >= 0) {
                    inAngle = cur.substring(angle + 1);
                    angle = -1;
                } else if (c == ':' && angle < 0) {
                    cur.setLength(0);   // "group-name:" starts a group
                    continue;
                } else if ((c == ',' || c == ';') && angle < 0) {
                    add(out, inAngle != null ? inAngle : cur.toString());
                    cur.setLength(0);
                    inAngle = null;
                    continue;
                }
            }
            cur.append(c);
        }
        add(out, inAngle != null ? inAngle : cur.toString());
        return out;
    }

    private static void add(List<String> out, String candidate) {
        String a = candidate.strip();
        if (a.startsWith("<")) a = a.substring(1);
        if (a.endsWith(">")) a = a.substring(0, a.length() - 1);
        a = a.replaceAll("\\s*@\\s*", "@").strip();
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) return;
        // a source route (obs-route "@a,@b:") was cut at its colon; what is left is the address
        if (a.indexOf(' ') >= 0 && !a.startsWith("\"")) {
            String last = a.substring(a.lastIndexOf(' ') + 1);
            if (last.indexOf('@') > 0) a = last;
            else return;
        }
        out.add(a);
    }
}
