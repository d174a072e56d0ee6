// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.Optional;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.rewrite.ResolvedAddress;
import org.secumail.smtpd.Reply;
import org.secumail.table.LookupException;

/**
 * Sender and recipient address restrictions: reject_non_fqdn_sender/recipient,
 * reject_unknown_sender_domain/recipient_domain (no MX and no A/AAAA; RFC 7505 null MX),
 * reject_unlisted_sender/recipient (the recipient tables of ADDRESS_CLASS_README). A DNS or
 * table lookup that fails temporarily gives a 4xx reply, never a 5xx.
 */
public final class AddressRestrictions {
    private AddressRestrictions() { }

    static void register(RestrictionRegistry r) {
        r.register("reject_non_fqdn_sender", false, "sender domain is not fully qualified: non_fqdn_reject_code (504)", (s, a) -> c -> nonFqdn(c, true));
        r.register("reject_non_fqdn_recipient", false, "recipient domain is not fully qualified: non_fqdn_reject_code (504)", (s, a) -> c -> nonFqdn(c, false));
        r.register("reject_unknown_sender_domain", false, "sender domain has no MX, A or AAAA record: unknown_address_reject_code (450)", (s, a) -> c -> unknownDomain(c, true));
        r.register("reject_unknown_recipient_domain", false, "recipient domain has no MX, A or AAAA record: unknown_address_reject_code (450)", (s, a) -> c -> unknownDomain(c, false));
        r.register("reject_unlisted_sender", false, "sender in our domains but not a known user", (s, a) -> c -> unlisted(c, true));
        r.register("reject_unlisted_recipient", false, "recipient in our domains but not a known user (also implied by smtpd_reject_unlisted_recipient)", (s, a) -> c -> unlisted(c, false));
        r.register("check_recipient_maps", false, "old name of reject_unlisted_recipient", (s, a) -> c -> unlisted(c, false));
    }

    static Verdict as(CheckContext ctx, boolean sender, java.util.function.Function<String, Verdict> check) {
        String addr = sender ? ctx.sender : ctx.recipient;
        if (addr == null || addr.isEmpty()) return Verdict.DUNNO;
        String savedName = ctx.replyName;
        String savedClass = ctx.replyClass;
        ctx.replyName = addr;
        ctx.replyClass = sender ? CheckContext.SENDER : CheckContext.RECIPIENT;
        try {
            return check.apply(addr);
        } finally {
            ctx.replyName = savedName;
            ctx.replyClass = savedClass;
        }
    }

    static Verdict nonFqdn(CheckContext ctx, boolean sender) {
        return as(ctx, sender, addr -> {
            int at = addr.lastIndexOf('@');
            String domain = at < 0 ? "" : addr.substring(at + 1);
            if (HostnameSyntax.isAddressLiteral(domain)) return Verdict.DUNNO;
            String d = HostnameSyntax.trimDot(domain);
            if (!d.isEmpty() && HostnameSyntax.validHostname(d) && d.indexOf('.') > 0) return Verdict.DUNNO;
            return ctx.reject(ctx.settings.code("non_fqdn_reject_code"), "4.5.2", "need fully-qualified address");
        });
    }

    static Verdict unknownDomain(CheckContext ctx, boolean sender) {
        return as(ctx, sender, addr -> {
            ResolvedAddress r;
            try {
                r = ctx.settings.addressResolver().resolve(addr);
            } catch (LookupException e) {
                return dictRetry(ctx, addr);
            }
            if (r.cls().isFinal() || HostnameSyntax.isAddressLiteral(r.domain())) return Verdict.DUNNO;
            String dsn = sender ? "4.1.8" : "4.1.2";
            DnsAnswer<MxRecord> mx = ctx.settings.dns().mx(r.domain());
            DnsStatus status = mx.status();
            if (mx.ok()) {
                if (mx.records().size() == 1 && mx.records().get(0).exchange().isEmpty()) {
                    // RFC 7505 section 4.2: a null MX domain does not accept mail, so it is no valid sender or recipient.
                    return sender
                            ? ctx.reject(550, "5.7.27", "Domain " + r.domain() + " does not accept mail (nullMX)")
                            : ctx.reject(556, "5.1.10", "Domain " + r.domain() + " does not accept mail (nullMX)");
                }
                return Verdict.DUNNO;
            }
            if (!status.temporary()) {
                DnsAnswer<?> a = ctx.settings.dns().addresses(r.domain());
                if (a.ok()) return Verdict.DUNNO;
                status = a.status();
            }
            if (status.temporary()) {
                return ctx.tempfail(ctx.settings.tempfailAction("unknown_address_tempfail_action"), 450, dsn, "Domain not found");
            }
            return ctx.reject(ctx.settings.code("unknown_address_reject_code"), dsn, "Domain not found");
        });
    }

    public static Verdict unlisted(CheckContext ctx, boolean sender) {
        return as(ctx, sender, addr -> {
            try {
                ResolvedAddress r = ctx.settings.addressResolver().resolve(addr);
                Optional<String> why = ctx.settings.recipientMaps().unknownReason(r);
                if (why.isEmpty()) return Verdict.DUNNO;
                String codeParam = switch (r.cls()) {
                    case LOCAL -> "unknown_local_recipient_reject_code";
                    case VIRTUAL_ALIAS -> "unknown_virtual_alias_reject_code";
                    case VIRTUAL_MAILBOX -> "unknown_virtual_mailbox_reject_code";
                    default -> "unknown_relay_recipient_reject_code";
                };
                return ctx.reject(ctx.settings.code(codeParam), sender ? "5.1.0" : "5.1.1", why.get());
            } catch (LookupException e) {
                return dictRetry(ctx, addr);
            }
        });
    }

    /** Postfix's reject_dict_retry(): a table could not be read now. */
    static Verdict dictRetry(CheckContext ctx, String addr) {
        return new Verdict.Reject(Reply.of(451, "4.3.0", "<" + addr + ">: Temporary lookup failure"), "table lookup failed");
    }
}
