// SPDX-License-Identifier: Apache-2.0
package org.secumail.dnsbl;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.secumail.config.Macros;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.ClientPrefetch;
import org.secumail.smtpd.check.Restriction;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.secumail.smtpd.check.Verdict;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's DNS list restrictions: reject_rbl_client, reject_rhsbl_client,
 * reject_rhsbl_reverse_client, reject_rhsbl_helo, reject_rhsbl_sender, reject_rhsbl_recipient,
 * permit_dnswl_client and permit_rhswl_client. The reply comes from rbl_reply_maps (keyed by
 * the list's domain) or default_rbl_reply, with $rbl_code, $rbl_class, $rbl_what, $rbl_domain,
 * $rbl_reason (the TXT record) and the client/sender/recipient variables of postconf(5).
 */
public final class DnsblRestrictions {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dnsbl");

    private DnsblRestrictions() { }

    private enum Target {
        CLIENT_ADDRESS(CheckContext.CLIENT), CLIENT_NAME(CheckContext.CLIENT), REVERSE_NAME(CheckContext.CLIENT),
        HELO(CheckContext.HELO), SENDER(CheckContext.SENDER), RECIPIENT(CheckContext.RECIPIENT);

        final String rblClass;

        Target(String rblClass) { this.rblClass = rblClass; }
    }

    public static void register(RestrictionRegistry r) {
        r.register("reject_rbl_client", true, "client IP address listed in a DNS blocklist: rbl_reply_maps / default_rbl_reply (554)",
                (s, arg) -> reject(s, new DnsblQuery(arg), Target.CLIENT_ADDRESS));
        r.register("reject_rhsbl_client", true, "client hostname listed in a domain blocklist", (s, arg) -> reject(s, new DnsblQuery(arg), Target.CLIENT_NAME));
        r.register("reject_rhsbl_reverse_client", true, "unverified client PTR name listed in a domain blocklist",
                (s, arg) -> reject(s, new DnsblQuery(arg), Target.REVERSE_NAME));
        r.register("reject_rhsbl_helo", true, "HELO name listed in a domain blocklist", (s, arg) -> reject(s, new DnsblQuery(arg), Target.HELO));
        r.register("reject_rhsbl_sender", true, "sender domain listed in a domain blocklist", (s, arg) -> reject(s, new DnsblQuery(arg), Target.SENDER));
        r.register("reject_rhsbl_recipient", true, "recipient domain listed in a domain blocklist", (s, arg) -> reject(s, new DnsblQuery(arg), Target.RECIPIENT));
        r.register("permit_dnswl_client", true, "permit a client IP listed in a DNS allowlist (never past reject_unauth_destination)",
                (s, arg) -> permit(new DnsblQuery(arg), Target.CLIENT_ADDRESS));
        r.register("permit_rhswl_client", true, "permit a client hostname listed in a domain allowlist (never past reject_unauth_destination)",
                (s, arg) -> permit(new DnsblQuery(arg), Target.CLIENT_NAME));
    }

    /** The name to look up, or null when there is nothing to check (no HELO yet, unknown client name, null sender). */
    private static String queryName(CheckContext c, DnsblQuery q, Target t) {
        return switch (t) {
            case CLIENT_ADDRESS -> c.clientAddress == null ? null : q.nameFor(c.clientAddress);
            case CLIENT_NAME -> c.clientNameStatus == 2 ? q.nameFor(c.clientName) : null;
            case REVERSE_NAME -> c.reverseNameStatus == 2 ? q.nameFor(c.reverseName) : null;
            case HELO -> c.helo == null || c.helo.startsWith("[") ? null : q.nameFor(c.helo);
            case SENDER -> domainOf(c.sender) == null ? null : q.nameFor(domainOf(c.sender));
            case RECIPIENT -> domainOf(c.recipient) == null ? null : q.nameFor(domainOf(c.recipient));
        };
    }

    private static String what(CheckContext c, Target t) {
        return switch (t) {
            case CLIENT_ADDRESS -> c.clientAddr;
            case CLIENT_NAME -> c.clientName;
            case REVERSE_NAME -> c.reverseName;
            case HELO -> c.helo;
            case SENDER -> domainOf(c.sender);
            case RECIPIENT -> domainOf(c.recipient);
        };
    }

    private static String domainOf(String addr) {
        if (addr == null) return null;
        int at = addr.lastIndexOf('@');
        String d = at < 0 ? "" : addr.substring(at + 1);
        return d.isEmpty() || d.startsWith("[") ? null : d;
    }

    private static Restriction reject(CheckSettings s, DnsblQuery q, Target t) {
        LookupTable replies = s.config().list("rbl_reply_maps").isEmpty() ? null
                : Tables.open(s.config().get("rbl_reply_maps").strip(), s.config().configDir());
        Restriction check = c -> {
            String name = queryName(c, q, t);
            if (name == null) return Verdict.DUNNO;
            DnsblQuery.Result res = q.lookup(s.dns(), name);
            if (!res.warning().isEmpty()) LOG.warn("warning: {}", res.warning());
            if (!res.listed()) return Verdict.DUNNO;
            return new Verdict.Reject(reply(c, s, replies, q, t, res), "listed in " + q.zone() + " as " + res.addresses());
        };
        return t == Target.CLIENT_ADDRESS ? new Prefetching(check, q, t) : check;
    }

    /** A client-address list lookup that can start at connect time. */
    private record Prefetching(Restriction check, DnsblQuery q, Target t) implements Restriction, ClientPrefetch {
        @Override
        public Verdict check(CheckContext c) { return check.check(c); }

        @Override
        public void prefetch(CheckContext c) {
            String name = queryName(c, q, t);
            if (name != null) Thread.ofVirtual().name("dnsbl-prefetch").start(() -> q.lookup(c.settings.dns(), name));
        }
    }

    private static Restriction permit(DnsblQuery q, Target t) {
        Restriction check = c -> {
            String name = queryName(c, q, t);
            if (name == null) return Verdict.DUNNO;
            // Postfix: an allowlist never overrides reject_unauth_destination
            if (c.recipient != null && c.stage != null && c.stage.hasRecipient() && !authorized(c)) return Verdict.DUNNO;
            DnsblQuery.Result res = q.lookup(c.settings.dns(), name);
            if (res.tempfail()) {
                return new Verdict.DeferIfReject(Reply.of(450, "4.7.1", "<" + what(c, t) + ">: " + t.rblClass
                        + " rejected: Service unavailable; allowlist " + q.zone() + " lookup failed"));
            }
            return res.listed() ? new Verdict.Permit(q.zone()) : Verdict.DUNNO;
        };
        return t == Target.CLIENT_ADDRESS ? new Prefetching(check, q, t) : check;
    }

    private static boolean authorized(CheckContext c) {
        try {
            var r = c.settings.addressResolver().resolve(c.recipient);
            return !r.routed() && r.cls() != org.secumail.rewrite.AddressClass.DEFAULT;
        } catch (LookupException e) {
            return false;
        }
    }

    private static Reply reply(CheckContext c, CheckSettings s, LookupTable replies, DnsblQuery q, Target t, DnsblQuery.Result res) {
        // raw: $rbl_* are expanded here, at reply time, not as main.cf parameters
        String template = s.config().raw("default_rbl_reply");
        if (replies != null) {
            try {
                Optional<String> v = replies.lookup(q.zone());
                if (v.isPresent()) template = v.get();
            } catch (LookupException e) {
                LOG.warn("warning: {} lookup of {} failed: {}", s.config().get("rbl_reply_maps"), q.zone(), e.getMessage());
            }
        }
        Map<String, String> vars = new HashMap<>();
        vars.put("rbl_code", s.config().get("rbl_code").strip());
        vars.put("rbl_class", t.rblClass);
        vars.put("rbl_what", what(c, t));
        vars.put("rbl_domain", q.zone());
        vars.put("rbl_reason", res.reason());
        vars.put("rbl_txt", res.reason());
        vars.put("client", c.clientLabel());
        vars.put("client_address", c.clientAddr);
        vars.put("client_name", c.clientName);
        vars.put("reverse_client_name", c.reverseName);
        vars.put("helo_name", c.helo == null ? "" : c.helo);
        put(vars, "sender", c.sender);
        put(vars, "recipient", c.recipient);
        Function<String, String> lookup = n -> vars.containsKey(n) ? vars.get(n) : s.config().get(n);
        String text = Macros.expand(template, lookup).strip();
        // "554 Service unavailable; ..." or "554 5.7.1 Service ...": code, optional enhanced code, text
        String[] parts = text.split(" ", 3);
        int code = parts[0].matches("[45]\\d\\d") ? Integer.parseInt(parts[0]) : 554;
        String rest = parts[0].matches("[45]\\d\\d") ? text.substring(parts[0].length()).strip() : text;
        String dsn = "5.7.1";
        if (rest.matches("\\d\\.\\d{1,3}\\.\\d{1,3} .*")) {
            dsn = rest.substring(0, rest.indexOf(' '));
            rest = rest.substring(dsn.length() + 1);
        }
        return Reply.of(code, dsn, rest);
    }

    private static void put(Map<String, String> vars, String name, String addr) {
        String a = addr == null ? "" : addr;
        int at = a.lastIndexOf('@');
        vars.put(name, a);
        vars.put(name + "_domain", at < 0 ? "" : a.substring(at + 1));
        vars.put(name + "_name", at < 0 ? a : a.substring(0, at));
    }
}
