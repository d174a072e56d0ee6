// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.smtpd.Reply;
import org.secumail.table.AccessKeys;
import org.secumail.table.IpAddresses;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * check_{client,reverse_client,helo,sender,recipient}_{mx,ns,a}_access, as Postfix's
 * check_server_access(): the MX hosts, the DNS servers (NS) or the addresses (A/AAAA) of a
 * domain are looked up in an access(5) table, each host name first (with the parent-domain
 * keys of check_helo_access; not for _a_), then each of its addresses (with the client-address
 * keys). The first entry found decides. Typical use: {@code check_sender_mx_access
 * cidr:/etc/postfix/bogus_mx} refusing senders whose MX points into 127.0.0.0/8 or RFC 1918.
 *
 * <p>As in Postfix: a domain without MX records is its own MX host; a domain without NS
 * records asks its parent domains; an address literal is its own MX and A host; a null MX
 * (RFC 7505), a name that does not exist or a lookup that fails applies no restriction (the
 * failure is logged); at most dns_rr_list_limit addresses are checked. An OK result is
 * refused with "451 4.3.5 Server configuration error": these tables may refuse, never
 * permit (use DUNNO for an exception).
 */
final class ServerAccessRestrictions {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");

    private ServerAccessRestrictions() { }

    private enum Kind { MX, NS, A }

    private enum Subject { CLIENT, REVERSE_CLIENT, HELO, SENDER, RECIPIENT }

    static void register(RestrictionRegistry r) {
        for (Subject subject : Subject.values()) {
            for (Kind kind : Kind.values()) {
                String name = "check_" + subject.name().toLowerCase(Locale.ROOT) + "_" + kind.name().toLowerCase(Locale.ROOT) + "_access";
                r.register(name, true, "access(5) table keyed by the " + kind + " hosts of the " + describe(subject)
                        + " and their addresses (may refuse, never permit)", (s, spec) -> {
                    LookupTable t = Tables.open(spec, s.config().configDir());
                    int limit = Math.max(1, s.config().integer("dns_rr_list_limit"));
                    return c -> check(c, name, t, subject, kind, limit);
                });
            }
        }
    }

    private static String describe(Subject s) {
        return switch (s) {
            case CLIENT -> "client hostname";
            case REVERSE_CLIENT -> "client's PTR name";
            case HELO -> "HELO name";
            case SENDER -> "sender domain";
            case RECIPIENT -> "recipient domain";
        };
    }

    private static Verdict check(CheckContext c, String restriction, LookupTable t, Subject subject, Kind kind, int limit) {
        String name;
        String replyName;
        String replyClass;
        switch (subject) {
            case CLIENT -> { name = c.clientName; replyName = c.clientLabel(); replyClass = CheckContext.CLIENT; }
            case REVERSE_CLIENT -> { name = c.reverseName; replyName = c.reverseName; replyClass = CheckContext.CLIENT; }
            case HELO -> { name = c.helo; replyName = c.helo; replyClass = CheckContext.HELO; }
            case SENDER -> { name = c.sender; replyName = c.sender; replyClass = CheckContext.SENDER; }
            default -> { name = c.recipient; replyName = c.recipient; replyClass = CheckContext.RECIPIENT; }
        }
        if (name == null || name.isEmpty()) return Verdict.DUNNO;
        if ((subject == Subject.CLIENT || subject == Subject.REVERSE_CLIENT) && name.equalsIgnoreCase("unknown")) return Verdict.DUNNO;
        Verdict v = serverAccess(c, t, name, kind, replyName, replyClass, limit);
        if (v instanceof Verdict.Permit && c.discard == null) {
            LOG.warn("warning: restriction {} returns OK for {}", restriction, name);
            LOG.warn("warning: this is not allowed for security reasons");
            LOG.warn("warning: use DUNNO instead of OK if you want to make an exception");
            return new Verdict.Reject(Reply.of(451, "4.3.5", "Server configuration error"), restriction + " returned OK");
        }
        return v;
    }

    private static Verdict serverAccess(CheckContext c, LookupTable t, String name, Kind kind, String replyName, String replyClass, int limit) {
        int at = name.lastIndexOf('@');
        String domain = at >= 0 ? name.substring(at + 1) : name;
        if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
        if (domain.startsWith("[")) {
            // an address literal is its own MX and A host; it has no NS
            if (kind == Kind.NS || !domain.endsWith("]")) return Verdict.DUNNO;
            String bare = domain.substring(1, domain.length() - 1);
            if (bare.regionMatches(true, 0, "IPv6:", 0, 5)) bare = bare.substring(5);
            if (IpAddresses.parse(bare).isEmpty()) return Verdict.DUNNO;
            return lookup(c, t, AccessKeys.forClientAddress(bare), replyName, replyClass).orElse(Verdict.DUNNO);
        }
        if (domain.isEmpty()) return Verdict.DUNNO;
        List<String> servers = servers(c, domain, kind);
        int addresses = 0;
        for (String server : servers) {
            if (IpAddresses.parse(server).isPresent()) {
                Optional<Verdict> v = lookup(c, t, AccessKeys.forClientAddress(server), replyName, replyClass);
                if (v.isPresent()) return v.get();
                continue;
            }
            if (kind != Kind.A) {
                Optional<Verdict> v = lookup(c, t, AccessKeys.forHostname(server, c.settings.parentMatchesAccess()), replyName, replyClass);
                if (v.isPresent()) return v.get();
            }
            DnsAnswer<InetAddress> addrs = c.settings.dns().addresses(server);
            if (!addrs.ok()) {
                if (kind != Kind.A) LOG.warn("warning: Unable to look up {} host {} for {} {}: {}", kind, server, replyClass, replyName, addrs.status());
                continue;
            }
            for (InetAddress a : addrs.records()) {
                if (++addresses > limit) {
                    LOG.warn("warning: check_server_access: {} server address count limit ({}) exceeded for {} {} -- ignoring the remainder",
                            kind, limit, replyClass, replyName);
                    return Verdict.DUNNO;
                }
                Optional<Verdict> v = lookup(c, t, AccessKeys.forClientAddress(IpAddresses.format(a)), replyName, replyClass);
                if (v.isPresent()) return v.get();
            }
        }
        return Verdict.DUNNO;
    }

    /** The host names to check: the domain itself (A), its MX hosts, or its (or a parent's) NS hosts. */
    private static List<String> servers(CheckContext c, String domain, Kind kind) {
        if (kind == Kind.A) return List.of(domain);
        if (kind == Kind.MX) {
            DnsAnswer<MxRecord> mx = c.settings.dns().mx(domain);
            if (mx.ok()) {
                if (mx.records().size() == 1 && mx.records().get(0).exchange().isEmpty()) return List.of();   // null MX
                List<String> out = new ArrayList<>();
                for (MxRecord r : mx.records()) if (!r.exchange().isEmpty()) out.add(r.exchange());
                return out;
            }
            if (mx.status().notFound()) return List.of(domain);   // no MX: the domain is its own MX host
            LOG.warn("warning: Unable to look up MX host for {}: {}", domain, mx.status());
            return List.of();
        }
        String d = domain;
        while (true) {
            DnsAnswer<String> ns = c.settings.dns().ns(d);
            if (ns.ok()) return ns.records();
            if (!ns.status().notFound()) {
                LOG.warn("warning: Unable to look up NS host for {}: {}", d, ns.status());
                return List.of();
            }
            int dot = d.indexOf('.');
            if (dot < 0 || dot == d.length() - 1) return List.of();
            d = d.substring(dot + 1);
        }
    }

    /** The table's verdict for the first key found, or empty when no key is in the table. */
    private static Optional<Verdict> lookup(CheckContext c, LookupTable t, List<String> keys, String replyName, String replyClass) {
        return AccessRestrictions.applyFound(c, t, keys, replyName, replyClass);
    }
}
