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
 * the list's domain) or default_rbl_reply, with $rbl_code (maps_rbl_reject_code), $rbl_class,
 * $rbl_what (the address, name or whole sender/recipient address looked up), $rbl_domain,
 * $rbl_reason (the TXT record) and the session variables of postconf(5) (client, sender,
 * recipient ..., never other main.cf parameters), as smtpd_check.c's rbl_reject_reply() builds it.
 */
public final class DnsblRestrictions {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dnsbl");

    private DnsblRestrictions() { }

    private enum Target {
        // Postfix's SMTPD_NAME_REV_CLIENT for the unverified PTR name
        CLIENT_ADDRESS(CheckContext.CLIENT), CLIENT_NAME(CheckContext.CLIENT), REVERSE_NAME("Unverified Client host"),
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

    /** $rbl_what: what smtpd_check.c passes to reject_rbl_domain, the whole address for sender and recipient. */
    private static String what(CheckContext c, Target t) {
        return switch (t) {
            case CLIENT_ADDRESS -> c.clientAddr;
            case CLIENT_NAME -> c.clientName;
            case REVERSE_NAME -> c.reverseName;
            case HELO -> c.helo;
            case SENDER -> c.sender;
            case RECIPIENT -> c.recipient;
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
            c.traceDetail(describe(name, res));
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
            c.traceDetail(describe(name, res));
            if (res.tempfail()) {
                return new Verdict.DeferIfReject(Reply.of(450, "4.7.1", "<" + what(c, t) + ">: " + t.rblClass
                        + " rejected: Service unavailable; allowlist " + q.zone() + " lookup failed"));
            }
            return res.listed() ? new Verdict.Permit(q.zone()) : Verdict.DUNNO;
        };
        return t == Target.CLIENT_ADDRESS ? new Prefetching(check, q, t) : check;
    }

    /** The query and its answer, for the decision trace. */
    private static String describe(String name, DnsblQuery.Result res) {
        return "DNS " + name + " A: " + (res.tempfail() ? "lookup failed" : res.listed() ? "listed " + res.addresses()
                : res.addresses().isEmpty() ? "not listed" : "answer " + res.addresses() + " does not match the filter");
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
        // $rbl_code is maps_rbl_reject_code (Postfix's var_maps_rbl_code); rbl_code is only the macro
        vars.put("rbl_code", s.config().get("maps_rbl_reject_code").strip());
        vars.put("rbl_class", t.rblClass);
        vars.put("rbl_what", what(c, t));
        vars.put("rbl_domain", q.zone());
        vars.put("rbl_reason", res.reason());
        vars.put("rbl_txt", res.reason());
        vars.put("server_name", s.config().get("myhostname"));
        vars.put("client", c.clientLabel());
        vars.put("client_address", c.clientAddr);
        vars.put("client_name", c.clientName);
        vars.put("reverse_client_name", c.reverseName);
        vars.put("helo_name", c.helo == null ? "" : c.helo);
        put(vars, "sender", c.sender);
        put(vars, "recipient", c.recipient);
        // smtpd_expand_lookup(): session attributes only, never main.cf parameters (they could
        // reveal internals in a reply); an unknown name makes the template bad
        boolean[] unknown = {false};
        Function<String, String> lookup = n -> {
            String v = vars.get(n);
            if (v == null) {
                LOG.warn("warning: unknown macro name \"{}\" in expansion request", n);
                unknown[0] = true;
                return "";
            }
            return filter(v);
        };
        String text = Macros.expand(template, lookup).strip();
        if (unknown[0] && !template.equals(s.config().raw("default_rbl_reply"))) {
            LOG.warn("warning: rbl_reject_reply: bad rbl reply template for domain {}: {}", q.zone(), template);
            unknown[0] = false;
            text = Macros.expand(s.config().raw("default_rbl_reply"), lookup).strip();
        }
        // rbl_reject_reply(): "ddd text" with 4 or 5 first, else a warning and a generic 450
        if (!text.matches("[45]\\d\\d .*")) {
            LOG.warn("warning: rbl response code configuration error: {}", text);
            return Reply.of(450, "4.7.1", "Service unavailable");
        }
        int code = Integer.parseInt(text.substring(0, 3));
        String rest = text.substring(4);
        String dsn = "4.7.1";   // dsn_split()'s default; the class follows the code
        if (rest.matches("\\d\\.\\d{1,3}\\.\\d{1,3} .*") || rest.matches("\\d\\.\\d{1,3}\\.\\d{1,3}")) {
            int sp = rest.indexOf(' ');
            dsn = sp < 0 ? rest : rest.substring(0, sp);
            rest = sp < 0 ? "" : rest.substring(sp + 1);
        }
        return Reply.of(code, dsn, rest.isEmpty() ? "Service unavailable" : rest);
    }

    /** smtpd_expansion_filter's default: printable ASCII and tab; anything else becomes '_'. */
    private static String filter(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            b.append(ch == '\t' || (ch >= 32 && ch < 127) ? ch : '_');
        }
        return b.toString();
    }

    /** $sender, $sender_name, $sender_domain as smtpd_expand_addr(): the null address is "<>". */
    private static void put(Map<String, String> vars, String name, String addr) {
        String a = addr == null ? "" : addr;
        int at = a.lastIndexOf('@');
        vars.put(name, addr == null ? "" : a.isEmpty() ? "<>" : a);
        vars.put(name + "_domain", at < 0 ? "" : a.substring(at + 1));
        vars.put(name + "_name", addr == null ? "" : a.isEmpty() ? "<>" : at < 0 ? a : a.substring(0, at));
    }
}
