// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.config.ConfigException;

/**
 * A Postfix client list (mynetworks, smtpd_authorized_xclient_hosts,
 * smtpd_forbid_bare_newline_exclusions, ...): patterns tried in order, the first match decides,
 * "!pattern" matching means "no", no match means "no". Patterns:
 * <ul>
 * <li>"a.b.c.d", "a.b.c.d/n", "[ipv6]", "[ipv6]/n", "[ipv6/n]" and bare "ipv6/n": an address or
 * network (host bits must be zero, as Postfix insists);</li>
 * <li>"type:table": the client address, in the form Postfix logs it, is looked up; cidr tables
 * do the network matching themselves;</li>
 * <li>"/file/name": the patterns in the file;</li>
 * <li>a host name: the client's verified host name ("host.example.com" also matches
 * subdomains when parentMatchesSubdomains, otherwise ".example.com" does).</li>
 * </ul>
 * Numeric patterns are parsed without DNS; host names are never resolved.
 */
public final class NetworkMatchList {
    private sealed interface Entry permits Net, Host, Table { }

    private record Net(CidrNetwork net, boolean negated) implements Entry { }

    private record Host(String name, boolean negated) implements Entry { }

    private record Table(LookupTable table, boolean negated) implements Entry { }

    private final List<Entry> entries;
    private final boolean parentMatchesSubdomains;

    private NetworkMatchList(List<Entry> entries, boolean parentMatchesSubdomains) {
        this.entries = List.copyOf(entries);
        this.parentMatchesSubdomains = parentMatchesSubdomains;
    }

    /**
     * A list whose host-name patterns match subdomains (mynetworks is in Postfix's default
     * parent_domain_matches_subdomains).
     */
    public static NetworkMatchList of(List<String> tokens, Path configDir) {
        return of(tokens, true, configDir);
    }

    /** @throws ConfigException naming the token when a pattern is malformed */
    public static NetworkMatchList of(List<String> tokens, boolean parentMatchesSubdomains, Path configDir) {
        List<Entry> entries = new ArrayList<>();
        for (MatchListTokens.Token t : MatchListTokens.expand(tokens)) {
            String p = t.pattern();
            if (Tables.looksLikeTable(p)) {
                entries.add(new Table(Tables.open(p, configDir), t.negated()));
            } else if (p.startsWith("[") || IpAddresses.looksNumeric(p.split("/", 2)[0])) {
                try {
                    entries.add(new Net(CidrNetwork.parse(p), t.negated()));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("bad network pattern \"" + p + "\": " + e.getMessage());
                }
            } else if (p.matches("\\.?[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?")) {
                String h = p.toLowerCase(Locale.ROOT);
                entries.add(new Host(h.endsWith(".") ? h.substring(0, h.length() - 1) : h, t.negated()));
            } else {
                throw new ConfigException("bad network or host name pattern: \"" + p + "\"");
            }
        }
        return new NetworkMatchList(entries, parentMatchesSubdomains);
    }

    public boolean isEmpty() { return entries.isEmpty(); }

    /**
     * @param hostname the client's verified name; null or "unknown" when it has none
     * @throws LookupException when a table lookup fails temporarily
     */
    public boolean matches(InetAddress addr, String hostname) throws LookupException {
        String text = IpAddresses.format(addr);
        String name = hostname == null || hostname.equalsIgnoreCase("unknown") ? null : normalize(hostname);
        for (Entry e : entries) {
            boolean hit;
            boolean negated;
            if (e instanceof Net n) {
                hit = n.net().contains(addr);
                negated = n.negated();
            } else if (e instanceof Table t) {
                hit = t.table().lookup(text).isPresent();
                negated = t.negated();
            } else {
                Host h = (Host) e;
                hit = name != null && DomainMatchList.hostMatches(name, h.name(), parentMatchesSubdomains);
                negated = h.negated();
            }
            if (hit) return !negated;
        }
        return false;
    }

    private static String normalize(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
