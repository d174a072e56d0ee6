// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;

/**
 * reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname and reject_unknown_helo_hostname
 * (with their pre-2.3 names reject_invalid_hostname, reject_non_fqdn_hostname,
 * reject_unknown_hostname). All are skipped when no HELO/EHLO was given.
 */
final class HeloRestrictions {
    private HeloRestrictions() { }

    static void register(RestrictionRegistry r) {
        Restriction invalid = HeloRestrictions::invalid;
        Restriction nonFqdn = HeloRestrictions::nonFqdn;
        Restriction unknown = HeloRestrictions::unknown;
        r.register("reject_invalid_helo_hostname", false, "HELO name has bad syntax: invalid_hostname_reject_code (501)", (s, a) -> invalid);
        r.register("reject_invalid_hostname", false, "old name of reject_invalid_helo_hostname", (s, a) -> invalid);
        r.register("reject_non_fqdn_helo_hostname", false, "HELO name is not fully qualified: non_fqdn_reject_code (504)", (s, a) -> nonFqdn);
        r.register("reject_non_fqdn_hostname", false, "old name of reject_non_fqdn_helo_hostname", (s, a) -> nonFqdn);
        r.register("reject_unknown_helo_hostname", false, "HELO name has no A, AAAA or MX record: unknown_hostname_reject_code (450)", (s, a) -> unknown);
        r.register("reject_unknown_hostname", false, "old name of reject_unknown_helo_hostname", (s, a) -> unknown);
    }

    private static Verdict withHelo(CheckContext ctx, java.util.function.Supplier<Verdict> check) {
        if (ctx.helo == null) return Verdict.DUNNO;
        String savedName = ctx.replyName;
        String savedClass = ctx.replyClass;
        ctx.replyName = ctx.helo;
        ctx.replyClass = CheckContext.HELO;
        try {
            return check.get();
        } finally {
            ctx.replyName = savedName;
            ctx.replyClass = savedClass;
        }
    }

    static Verdict invalid(CheckContext ctx) {
        return withHelo(ctx, () -> {
            String h = ctx.helo;
            int code = ctx.settings.code("invalid_hostname_reject_code");
            if (HostnameSyntax.isAddressLiteral(h)) {
                return HostnameSyntax.validAddressLiteral(h) ? Verdict.DUNNO : ctx.reject(code, "5.5.2", "invalid ip address");
            }
            return HostnameSyntax.validHostname(HostnameSyntax.trimDot(h)) ? Verdict.DUNNO : ctx.reject(code, "5.5.2", "Invalid name");
        });
    }

    static Verdict nonFqdn(CheckContext ctx) {
        return withHelo(ctx, () -> {
            String h = ctx.helo;
            if (HostnameSyntax.isAddressLiteral(h)) return Verdict.DUNNO;
            String t = HostnameSyntax.trimDot(h);
            if (HostnameSyntax.validHostname(t) && t.indexOf('.') > 0) return Verdict.DUNNO;
            return ctx.reject(ctx.settings.code("non_fqdn_reject_code"), "5.5.2", "need fully-qualified hostname");
        });
    }

    static Verdict unknown(CheckContext ctx) {
        return withHelo(ctx, () -> {
            String h = ctx.helo;
            if (HostnameSyntax.isAddressLiteral(h)) return Verdict.DUNNO;
            String t = HostnameSyntax.trimDot(h);
            DnsAnswer<?> addr = ctx.settings.dns().addresses(t);
            if (addr.ok()) return Verdict.DUNNO;
            DnsStatus st = addr.status();
            if (!st.temporary()) {
                DnsAnswer<?> mx = ctx.settings.dns().mx(t);
                if (mx.ok()) return Verdict.DUNNO;
                st = mx.status().temporary() ? mx.status() : st;
            }
            int code = ctx.settings.code("unknown_hostname_reject_code");
            if (st.temporary()) {
                return ctx.tempfail(ctx.settings.tempfailAction("unknown_helo_hostname_tempfail_action"), 450, "4.7.1", "Host not found");
            }
            return ctx.reject(code, "4.7.1", "Host not found");
        });
    }
}
