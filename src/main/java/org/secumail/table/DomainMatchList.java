// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.config.ConfigException;

/**
 * A Postfix domain list (mydestination, relay_domains, virtual_alias_domains, ...): patterns
 * are tried in order and the first one that matches decides; "!pattern" matching means "no".
 * No match means "no".
 *
 * <ul>
 * <li>"example.com" matches that domain, and with parentMatchesSubdomains also its
 * subdomains;</li>
 * <li>".example.com" matches subdomains, but only when parentMatchesSubdomains is off
 * (Postfix's match_hostname() compares it with the parent domain without its leading dot);</li>
 * <li>"type:table" looks up the domain, then (not for cidr/regexp/pcre tables) its parent
 * domains "example.com", "com" or, without parentMatchesSubdomains, ".example.com", ".com";
 * any value is a match;</li>
 * <li>"/file/name" stands for the patterns in the file.</li>
 * </ul>
 * Domains are compared without case and without a trailing dot.
 * parentMatchesSubdomains reflects parent_domain_matches_subdomains: Postfix lists relay_domains
 * there by default, but not mydestination.
 */
public final class DomainMatchList {
    private sealed interface Entry permits Name, Table { }

    private record Name(String name, boolean negated) implements Entry { }

    private record Table(LookupTable table, boolean negated) implements Entry { }

    private final List<Entry> entries;
    private final boolean parentMatchesSubdomains;

    private DomainMatchList(List<Entry> entries, boolean parentMatchesSubdomains) {
        this.entries = List.copyOf(entries);
        this.parentMatchesSubdomains = parentMatchesSubdomains;
    }

    /** @throws ConfigException for an unreadable file or a table that cannot be opened */
    public static DomainMatchList of(List<String> tokens, boolean parentMatchesSubdomains, Path configDir) {
        List<Entry> entries = new ArrayList<>();
        for (MatchListTokens.Token t : MatchListTokens.expand(tokens)) {
            if (Tables.looksLikeTable(t.pattern())) {
                entries.add(new Table(Tables.open(t.pattern(), configDir), t.negated()));
            } else {
                entries.add(new Name(normalize(t.pattern()), t.negated()));
            }
        }
        return new DomainMatchList(entries, parentMatchesSubdomains);
    }

    private static String normalize(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** True when the list has no patterns (a match is then impossible). */
    public boolean isEmpty() { return entries.isEmpty(); }

    /**
     * @throws LookupException when a table lookup fails temporarily (callers defer the mail,
     *         as Postfix does when a match list reports an error)
     */
    public boolean matches(String domain) throws LookupException {
        String d = normalize(domain);
        if (d.isEmpty()) return false;
        for (Entry e : entries) {
            if (e instanceof Name n) {
                if (hostMatches(d, n.name(), parentMatchesSubdomains)) return !n.negated();
            } else if (e instanceof Table t) {
                if (tableMatches(d, t.table())) return !t.negated();
            }
        }
        return false;
    }

    /**
     * Postfix's match_hostname() for a literal pattern (both arguments lower case, without a
     * trailing dot): equality, or with parent matching a parent domain, or else a ".domain"
     * pattern that ends the name.
     */
    static boolean hostMatches(String name, String pattern, boolean parentMatchesSubdomains) {
        if (name.equals(pattern)) return true;
        if (parentMatchesSubdomains) {
            return name.length() > pattern.length() + 1 && name.endsWith(pattern)
                    && name.charAt(name.length() - pattern.length() - 1) == '.';
        }
        return pattern.startsWith(".") && name.length() > pattern.length() && name.endsWith(pattern);
    }

    private boolean tableMatches(String d, LookupTable table) throws LookupException {
        if (table.matchesWholeInput()) return table.lookup(d).isPresent();
        return AccessKeys.find(table, AccessKeys.forHostname(d, parentMatchesSubdomains)).isPresent();
    }
}
