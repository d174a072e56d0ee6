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
                // a piece without "@" is a display-name fragment of a broken field
                // ("From: Doe, John <j@example.com>"), not an address
                if (a.indexOf('@') < 0) continue;
                String d = domainOf(a);
                if (d == null) return new FromDomains(List.of(), from.size(), "no usable domain in From address " + printable(a));
                out.add(d);
            }
        }
        if (out.isEmpty()) return new FromDomains(List.of(), from.size(), "no address with a domain in From field");
        return new FromDomains(new ArrayList<>(out), from.size(), null);
    }

    /** The single domain when there is exactly one, else null. */
    public String single() { return domains.size() == 1 ? domains.get(0) : null; }

    /** The mailbox candidates of a From: value (see {@link org.secumail.content.FromHeader#candidates}). */
    static List<String> addresses(String value) {
        return org.secumail.content.FromHeader.candidates(value);
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
