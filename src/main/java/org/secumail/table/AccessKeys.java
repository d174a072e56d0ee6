// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The lookup keys that Postfix tries, in order, for access(5)-style tables (smtpd_check.c
 * check_mail_access, check_domain_access, check_addr_access). Keys are lower case. Only the
 * first key is the "full" input; the others are partial keys, which Postfix does not look up
 * in tables that match the whole input (cidr, regexp, pcre): {@link #find} follows that rule.
 */
public final class AccessKeys {
    private AccessKeys() { }

    /** Postfix's smtpd_null_access_lookup_key default: the key for the null sender. */
    public static final String NULL_SENDER_KEY = "<>";

    /**
     * Keys for an email address: user+ext@domain, user@domain, domain and its parents,
     * user+ext@, user@ (access(5) "EMAIL ADDRESS PATTERNS" and "ADDRESS EXTENSION").
     *
     * @param recipientDelimiter the value of recipient_delimiter; each of its characters is a
     *        delimiter (Postfix 2.11+). Empty: no extension handling.
     * @param parentMatchesSubdomains "smtpd_access_maps" is in parent_domain_matches_subdomains
     *        (the default): "example.com" matches its subdomains; otherwise ".example.com" does
     */
    public static List<String> forEmail(String address, String recipientDelimiter, boolean parentMatchesSubdomains) {
        if (address.isEmpty()) return List.of(NULL_SENDER_KEY);
        String addr = address.toLowerCase(Locale.ROOT);
        int at = addr.lastIndexOf('@');
        String local = at < 0 ? addr : addr.substring(0, at);
        String domain = at < 0 ? "" : addr.substring(at + 1);
        String base = stripExtension(local, recipientDelimiter == null ? "" : recipientDelimiter);
        Set<String> keys = new LinkedHashSet<>();
        keys.add(addr);
        if (base != null && at >= 0) keys.add(base + "@" + domain);
        if (!domain.isEmpty()) {
            if (domain.startsWith("[")) keys.add(domain);      // an address literal has no parent domains
            else keys.addAll(forHostname(domain, parentMatchesSubdomains));
        }
        keys.add(local + "@");
        if (base != null) keys.add(base + "@");
        return List.copyOf(keys);
    }

    /**
     * The local part without its address extension, or null when it has none. Like Postfix's
     * split_addr(): postmaster, mailer-daemon and double-bounce are never split, and with '-'
     * among the delimiters neither are owner-foo and foo-request (mailing list conventions).
     * A local part that starts with a delimiter is not split either (there is no user part).
     */
    public static String stripExtension(String local, String delimiters) {
        if (delimiters.isEmpty()) return null;
        String l = local.toLowerCase(Locale.ROOT);
        if (l.equals("postmaster") || l.equals("mailer-daemon") || l.equals("double-bounce")) return null;
        if (delimiters.indexOf('-') >= 0 && (l.startsWith("owner-") || (l.length() > 8 && l.endsWith("-request")))) return null;
        for (int i = 0; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) return i == 0 ? null : local.substring(0, i);
        }
        return null;
    }

    /**
     * Keys for a host or domain name: the name, then its parent domains ("example.com", "com")
     * or, when parent domains do not match subdomains, ".example.com", ".com". One trailing dot
     * is ignored. A numeric address gets no parent keys (Postfix applies no subdomain magic).
     */
    public static List<String> forHostname(String name, boolean parentMatchesSubdomains) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (n.isEmpty()) return List.of();
        List<String> keys = new ArrayList<>();
        keys.add(n);
        if (IpAddresses.parse(n).isPresent()) return keys;
        String entry = n;
        while (true) {
            int next = entry.indexOf('.', 1);
            if (next < 0) break;
            entry = parentMatchesSubdomains ? entry.substring(next + 1) : entry.substring(next);
            if (entry.isEmpty() || entry.equals(".")) break;
            keys.add(entry);
        }
        return keys;
    }

    /**
     * Keys for a client address: IPv4 "1.2.3.4", "1.2.3", "1.2", "1"; IPv6 in the compressed
     * form Postfix logs, then shorter by one ':'-separated field at a time, exactly as Postfix
     * cuts the string ("2001:db8::1", "2001:db8:", "2001:db8", "2001"). Empty keys are skipped.
     */
    public static List<String> forClientAddress(String ip) {
        String a = ip.strip();
        if (a.startsWith("[") && a.endsWith("]")) a = a.substring(1, a.length() - 1);
        Optional<InetAddress> parsed = IpAddresses.parse(a);
        a = parsed.map(IpAddresses::format).orElse(a.toLowerCase(Locale.ROOT));
        char delim = a.indexOf(':') >= 0 ? ':' : '.';
        List<String> keys = new ArrayList<>();
        while (!a.isEmpty()) {
            keys.add(a);
            int cut = a.lastIndexOf(delim);
            if (cut < 0) break;
            a = a.substring(0, cut);
        }
        return keys;
    }

    /**
     * The first value found for the keys, in order, with one lookup per key; a table that
     * matches the whole input is asked only for the first (full) key.
     */
    public static Optional<String> find(LookupTable table, List<String> keys) throws LookupException {
        if (keys.isEmpty()) return Optional.empty();
        if (table.matchesWholeInput()) return table.lookup(keys.get(0));
        for (String k : keys) {
            Optional<String> v = table.lookup(k);
            if (v.isPresent()) return v;
        }
        return Optional.empty();
    }
}
