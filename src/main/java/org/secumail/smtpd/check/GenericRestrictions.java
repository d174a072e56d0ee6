// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import org.secumail.rewrite.ResolvedAddress;
import org.secumail.smtpd.Reply;
import org.secumail.table.LookupException;

/**
 * The restrictions that need no lookup table: permit, reject, defer, dunno, defer_if_permit,
 * defer_if_reject, permit_mynetworks, permit_sasl_authenticated, reject_unauth_pipelining,
 * the relay controls (reject_unauth_destination, defer_unauth_destination,
 * permit_auth_destination) and the client name checks (reject_unknown_client_hostname,
 * reject_unknown_reverse_client_hostname).
 */
final class GenericRestrictions {
    private GenericRestrictions() { }

    static void register(RestrictionRegistry r) {
        r.register("permit", false, "accept: end this list", (s, a) -> c -> Verdict.PERMIT);
        r.register("dunno", false, "no decision: go on", (s, a) -> c -> Verdict.DUNNO);
        r.register("reject", false, "reject with reject_code (554)", (s, a) -> c -> c.reject(s.code("reject_code"), "5.7.1", "Access denied"));
        r.register("defer", false, "defer with defer_code (450)", (s, a) -> c -> c.reject(s.code("defer_code"), "4.3.2", "Try again later"));
        r.register("defer_if_permit", false, "defer if the lists end up permitting", (s, a) -> c ->
                new Verdict.DeferIfPermit(Reply.of(s.code("defer_code"), "4.7.1", "<" + c.replyName + ">: " + c.replyClass + " rejected: defer_if_permit requested")));
        r.register("defer_if_reject", false, "turn a later reject into a defer", (s, a) -> c ->
                new Verdict.DeferIfReject(Reply.of(s.code("defer_code"), "4.7.1", "<" + c.replyName + ">: " + c.replyClass + " rejected: defer_if_reject requested")));
        r.register("permit_mynetworks", false, "permit clients in mynetworks", (s, a) -> GenericRestrictions::permitMynetworks);
        r.register("permit_sasl_authenticated", false, "permit clients that authenticated with SMTP AUTH (only with smtpd_sasl_auth_enable = yes, as in Postfix)", (s, a) -> {
            // Postfix ignores a SASL login (also one set by XCLIENT LOGIN) when AUTH is off for the service.
            boolean enabled = s.config().bool("smtpd_sasl_auth_enable");
            return c -> enabled && c.saslUser != null ? new Verdict.Permit("permit_sasl_authenticated") : Verdict.DUNNO;
        });
        r.register("reject_unauth_pipelining", false, "reject clients that pipeline without PIPELINING (503)", (s, a) -> c ->
                c.illegalPipelining ? c.reject(503, "5.5.0", "Improper use of SMTP command pipelining") : Verdict.DUNNO);
        r.register("reject_unauth_destination", false, "reject mail to domains we neither host nor relay for: relay_domains_reject_code (554)", (s, a) -> c -> unauthDestination(c, false));
        r.register("defer_unauth_destination", false, "like reject_unauth_destination, with a 4xx reply", (s, a) -> c -> unauthDestination(c, true));
        r.register("permit_auth_destination", false, "permit mail to domains we host or relay for", (s, a) -> c -> {
            Boolean ok = authorizedDestination(c);
            return ok == null ? AddressRestrictions.dictRetry(c, c.recipient) : ok ? new Verdict.Permit("permit_auth_destination") : Verdict.DUNNO;
        });
        Restriction unknownClient = c -> unknownClient(c, c.clientNameStatus, "4.7.25", "cannot find your hostname");
        r.register("reject_unknown_client_hostname", false, "client IP has no forward-confirmed name: unknown_client_reject_code (450)", (s, a) -> unknownClient);
        r.register("reject_unknown_client", false, "old name of reject_unknown_client_hostname", (s, a) -> unknownClient);
        r.register("reject_unknown_reverse_client_hostname", false, "client IP has no PTR name: unknown_client_reject_code (450)", (s, a) ->
                c -> unknownClient(c, c.reverseNameStatus, "4.7.1", "cannot find your reverse hostname"));   // Postfix 3.7: 4.7.1 here, 4.7.25 above
    }

    static Verdict permitMynetworks(CheckContext ctx) {
        try {
            return ctx.clientAddress != null && ctx.settings.mynetworks().matches(ctx.clientAddress, ctx.clientName)
                    ? new Verdict.Permit("permit_mynetworks") : Verdict.DUNNO;
        } catch (LookupException e) {
            return new Verdict.Reject(Reply.of(451, "4.3.0", "<" + ctx.clientLabel() + ">: Temporary lookup failure"));
        }
    }

    /** True if the recipient is a destination we host or relay for; null on a table failure. */
    static Boolean authorizedDestination(CheckContext ctx) {
        if (ctx.recipient == null) return true;
        try {
            ResolvedAddress r = ctx.settings.addressResolver().resolve(ctx.recipient);
            // A local part that still routes elsewhere ("user%remote@relay.domain") is never
            // authorized: this is Postfix's defence against relay through source routing.
            if (r.routed()) return false;
            return r.cls() != org.secumail.rewrite.AddressClass.DEFAULT;
        } catch (LookupException e) {
            return null;
        }
    }

    static Verdict unauthDestination(CheckContext ctx, boolean defer) {
        if (ctx.recipient == null) return Verdict.DUNNO;
        Boolean ok = authorizedDestination(ctx);
        if (ok == null) return AddressRestrictions.dictRetry(ctx, ctx.recipient);
        if (ok) return Verdict.DUNNO;
        int code = defer ? 454 : ctx.settings.code("relay_domains_reject_code");
        return new Verdict.Reject(Reply.of(code, "5.7.1", "<" + ctx.recipient + ">: Relay access denied"));
    }

    static Verdict unknownClient(CheckContext ctx, int status, String dsn, String text) {
        if (status == 2) return Verdict.DUNNO;
        int code = status == 4 ? 450 : ctx.settings.code("unknown_client_reject_code");
        Reply reply = Reply.of(code, dsn, "Client host rejected: " + text + ", [" + ctx.clientAddr + "]");
        if (status == 4 && !"defer".equals(ctx.settings.tempfailAction("unknown_client_tempfail_action"))) {
            return new Verdict.DeferIfPermit(reply);
        }
        return new Verdict.Reject(reply);
    }
}
