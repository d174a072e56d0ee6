// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.config.MainConfig;
import org.secumail.table.DomainMatchList;
import org.secumail.table.LookupException;

/**
 * Resolves an envelope address to its delivery address and address class, as Postfix's
 * trivial-rewrite(8) does for smtpd: drops an RFC 5321 source route ("@a,@b:user@dom", section
 * 4.1.2 says to accept and ignore it), treats an address without a domain as local (and
 * qualifies it with $myorigin), removes quotes from the local part
 * (resolve_dequoted_address), and, only while the domain is one of ours, rewrites
 * "user@remote@ours", "remote!user@ours" (swap_bangpath) and "user%remote@ours"
 * (allow_percent_hack) and resolves again.
 *
 * <p>Parameters: mydestination, virtual_alias_domains, virtual_mailbox_domains, relay_domains,
 * myorigin, allow_percent_hack (yes), swap_bangpath (yes), resolve_dequoted_address (yes).
 */
public final class AddressResolver {
    private static final int MAX_REWRITES = 10;

    private final DomainMatchList mydestination;
    private final DomainMatchList virtualAlias;
    private final DomainMatchList virtualMailbox;
    private final DomainMatchList relay;
    private final String myorigin;
    private final boolean percentHack;
    private final boolean swapBangpath;
    private final boolean dequote;
    private final Set<String> ownAddresses;

    public AddressResolver(MainConfig cfg) {
        var dir = cfg.configDir();
        this.mydestination = DomainMatchList.of(cfg.list("mydestination"), false, dir);
        this.virtualAlias = DomainMatchList.of(cfg.list("virtual_alias_domains"), false, dir);
        this.virtualMailbox = DomainMatchList.of(cfg.list("virtual_mailbox_domains"), false, dir);
        this.relay = DomainMatchList.of(cfg.list("relay_domains"), true, dir);
        this.myorigin = myorigin(cfg);
        this.percentHack = cfg.bool("allow_percent_hack");
        this.swapBangpath = cfg.bool("swap_bangpath");
        this.dequote = cfg.bool("resolve_dequoted_address");
        this.ownAddresses = ownAddresses(cfg);
    }

    /**
     * myorigin, where a value starting with '/' names a file whose first line is the domain
     * (Debian's "myorigin = /etc/mailname").
     */
    static String myorigin(MainConfig cfg) {
        String v = cfg.get("myorigin").strip();
        if (v.startsWith("/")) {
            try {
                v = java.nio.file.Files.readAllLines(java.nio.file.Path.of(v)).stream().map(String::strip)
                        .filter(l -> !l.isEmpty()).findFirst().orElse(cfg.get("myhostname"));
            } catch (java.io.IOException e) {
                throw new org.secumail.config.ConfigException("myorigin = " + v + ": cannot read the file: " + e.getMessage());
            }
        }
        return v.toLowerCase(Locale.ROOT);
    }

    public ResolvedAddress resolve(String address) throws LookupException {
        String a = stripSourceRoute(address.strip());
        for (int i = 0; ; i++) {
            int at = lastAtOutsideQuotes(a);
            String local = at < 0 ? a : a.substring(0, at);
            String domain = at < 0 ? myorigin : a.substring(at + 1);
            domain = normalizeDomain(domain);
            if (dequote) local = unquote(local);
            // trivial-rewrite: an address without a domain is a local one (postmaster, root ...)
            AddressClass cls = at < 0 ? AddressClass.LOCAL : classify(domain);
            if (cls == AddressClass.LOCAL && i < MAX_REWRITES) {
                String rewritten = rewriteLocalRoute(local);
                if (rewritten != null) {
                    a = rewritten;
                    continue;
                }
            }
            boolean routed = local.indexOf('@') >= 0 || local.indexOf('!') >= 0 || local.indexOf('%') >= 0;
            return new ResolvedAddress(local + "@" + domain, local, domain, cls, routed);
        }
    }

    /** The class of a domain (lower case, no trailing dot), or of an address literal "[1.2.3.4]". */
    public AddressClass classify(String domain) throws LookupException {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            return isOwnAddress(domain.substring(1, domain.length() - 1)) ? AddressClass.LOCAL : AddressClass.DEFAULT;
        }
        if (mydestination.matches(domain)) return AddressClass.LOCAL;
        if (virtualAlias.matches(domain)) return AddressClass.VIRTUAL_ALIAS;
        if (virtualMailbox.matches(domain)) return AddressClass.VIRTUAL_MAILBOX;
        if (relay.matches(domain)) return AddressClass.RELAY;
        return AddressClass.DEFAULT;
    }

    private String rewriteLocalRoute(String local) {
        int at = local.lastIndexOf('@');
        if (at >= 0) return local;                                   // user@remote@ours
        int bang = local.indexOf('!');
        if (swapBangpath && bang > 0) {                              // remote!user@ours
            return local.substring(bang + 1) + "@" + local.substring(0, bang);
        }
        int pct = local.lastIndexOf('%');
        if (percentHack && pct > 0) {                                // user%remote@ours
            return local.substring(0, pct) + "@" + local.substring(pct + 1);
        }
        return null;
    }

    static String stripSourceRoute(String a) {
        if (!a.startsWith("@")) return a;
        int colon = a.indexOf(':');
        return colon > 0 ? a.substring(colon + 1) : a;
    }

    /** The index of the last '@' outside a quoted local part, or -1. */
    public static int lastAtOutsideQuotes(String a) {
        boolean quoted = false;
        int last = -1;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == '\\' && quoted) i++;
            else if (c == '"') quoted = !quoted;
            else if (c == '@' && !quoted) last = i;
        }
        return last;
    }

    /** Removes RFC 5321 quoting from a local part: "a b"@x -> a b. */
    public static String unquote(String local) {
        if (local.indexOf('"') < 0) return local;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"') continue;
            if (c == '\\' && i + 1 < local.length()) c = local.charAt(++i);
            sb.append(c);
        }
        return sb.toString();
    }

    /** Lower case, and one trailing dot dropped ("example.test." is "example.test"). */
    public static String normalizeDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") && !d.endsWith("..") ? d.substring(0, d.length() - 1) : d;
    }

    private boolean isOwnAddress(String literal) {
        String lit = literal.regionMatches(true, 0, "IPv6:", 0, 5) ? literal.substring(5) : literal;
        if (!lit.matches("[0-9a-fA-F:.]+")) return false;
        try {
            InetAddress a = InetAddress.getByName(lit);
            return ownAddresses.contains(a.getHostAddress());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The addresses an address literal may name to be ours, as Postfix's resolve_local(): those
     * of inet_interfaces ("all": every interface's; "loopback-only": 127.0.0.1 and ::1; else the
     * listed addresses or names) and proxy_interfaces, for the protocols of inet_protocols.
     * Another loopback address (127.0.0.2) is not ours: Postfix relays to it.
     */
    public static Set<String> ownAddresses(MainConfig cfg) {
        Set<String> out = new HashSet<>();
        List<String> interfaces = new java.util.ArrayList<>(cfg.list("inet_interfaces"));
        interfaces.addAll(cfg.list("proxy_interfaces"));
        for (String i : interfaces) {
            String v = i.toLowerCase(Locale.ROOT);
            if (v.equals("all")) {
                out.addAll(interfaceAddresses());
            } else if (v.equals("loopback-only")) {
                out.add("127.0.0.1");
                out.add("0:0:0:0:0:0:0:1");
            } else {
                String h = v.startsWith("[") && v.endsWith("]") ? v.substring(1, v.length() - 1) : v;
                try {
                    for (InetAddress a : InetAddress.getAllByName(h)) out.add(a.getHostAddress());
                } catch (java.io.IOException e) {
                    // a name that does not resolve names no address of ours
                }
            }
        }
        List<String> protocols = cfg.list("inet_protocols").stream().map(x -> x.toLowerCase(Locale.ROOT)).toList();
        boolean all = protocols.isEmpty() || protocols.contains("all");
        boolean v4 = all || protocols.contains("ipv4");
        boolean v6 = all || protocols.contains("ipv6");
        out.removeIf(a -> a.contains(":") ? !v6 : !v4);
        return Set.copyOf(out);
    }

    private static Set<String> interfaceAddresses() {
        Set<String> out = new HashSet<>();
        try {
            for (NetworkInterface ni : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) out.add(a.getHostAddress());
            }
        } catch (java.io.IOException e) {
            // loopback is recognised without the interface list
        }
        return out;
    }
}
