// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * The RFC5322.From domains of a message (RFC 7489 section 6.6.1). The From: fields are read
 * with the RFC 5322 section 3.4 grammar, leniently: display names (quoted or not), comments,
 * angle addresses with an obsolete route, groups, empty list elements. Each address's domain is
 * taken after its last "@", in lower case without a trailing dot. Domain literals
 * ("[192.0.2.1]") and names that are not dot-atoms give no domain.
 *
 * @param domains the distinct domains, in order of appearance
 * @param fields  how many From: fields the message has
 * @param error   why no domain could be used (no From:, no address, a bad domain), or null
 */
public record FromDomains(List<String> domains, int fields, String error) {
    public FromDomains {
        domains = List.copyOf(domains);
    }

    /** The From: domains of this message. */
    public static FromDomains of(RawMessage message) {
        List<HeaderField> from = message.all("From");
        if (from.isEmpty()) return new FromDomains(List.of(), 0, "no From field");
        Set<String> out = new LinkedHashSet<>();
        for (HeaderField f : from) {
            List<String> addrs = addresses(f.value());
            if (addrs.isEmpty()) return new FromDomains(List.of(), from.size(), "no address in From field");
            for (String a : addrs) {
                String d = domainOf(a);
                if (d == null) return new FromDomains(List.of(), from.size(), "no usable domain in From address " + printable(a));
                out.add(d);
            }
        }
        return new FromDomains(new ArrayList<>(out), from.size(), null);
    }

    /** The single domain when there is exactly one, else null. */
    public String single() { return domains.size() == 1 ? domains.get(0) : null; }

    /** The addr-specs of a From: value: the text in angle brackets, or the bare mailbox. */
    static List<String> addresses(String value) {
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

    /** The domain of an addr-spec, lower case, or null when it has none or it is not a domain name. */
    static String domainOf(String addr) {
        int at = addr.lastIndexOf('@');
        if (at <= 0 || at == addr.length() - 1) return null;
        String d = addr.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        if (d.isEmpty() || d.length() > 253 || d.startsWith(".") || d.contains("..")) return null;
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c > 127;
            if (!ok) return null;
        }
        return d;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c >= 32 && c < 127 ? c : '?');
        }
        return b.toString();
    }
}
