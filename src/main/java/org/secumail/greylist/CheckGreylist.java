// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.Restriction;
import org.secumail.smtpd.check.Verdict;
import org.secumail.table.LookupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylisting restriction for smtpd_recipient_restrictions (like Postfix's
 * "check_policy_service inet:127.0.0.1:10023" with postgrey). It does nothing for clients in
 * mynetworks, for SMTP AUTH clients, and outside the RCPT stage (no recipient). A deferral is
 * the reply Postfix gives for postgrey's answer: "450 4.2.0 &lt;rcpt&gt;: Recipient address
 * rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html". The first
 * delivery that passes after a delay gets postgrey's X-Greylist header, once per message.
 */
public final class CheckGreylist {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.greylist");

    private CheckGreylist() { }

    public static Restriction greylistRestriction(Greylister g) {
        return ctx -> check(g, ctx);
    }

    static Verdict check(Greylister g, CheckContext ctx) {
        if (ctx.recipient == null || ctx.clientAddress == null || ctx.saslUser != null) return Verdict.DUNNO;
        try {
            if (ctx.settings.mynetworks().matches(ctx.clientAddress, ctx.clientName)) return Verdict.DUNNO;
        } catch (LookupException e) {
            return new Verdict.Reject(Reply.of(451, "4.3.0", "<" + ctx.clientLabel() + ">: Temporary lookup failure"));
        }
        Greylister.Decision d;
        try {
            String sender = ctx.sender == null ? "" : ctx.sender;
            // secumail explain: what greylisting would answer, with nothing recorded
            d = ctx.dryRun ? g.peek(ctx.clientAddress, ctx.clientName, sender, ctx.recipient)
                    : g.check(ctx.clientAddress, ctx.clientName, sender, ctx.recipient);
        } catch (GreylistStoreException e) {
            // A broken database must not turn into lost mail or an open door: defer, as Postfix
            // does when a policy server cannot be reached ("451 4.3.5 Server configuration problem").
            LOG.warn("greylist: {}", e.getMessage());
            return new Verdict.Reject(Reply.of(451, "4.3.5", "Server configuration problem"), e.getMessage());
        }
        return switch (d) {
            case Greylister.Decision.Defer def -> new Verdict.Reject(
                    Reply.of(450, "4.2.0", "<" + ctx.replyName + ">: " + ctx.replyClass + " rejected: " + def.text()),
                    "greylisted, retry after " + def.retryAfter() + "s");
            case Greylister.Decision.Pass p when p.header() != null
                    && ctx.prepends.stream().noneMatch(h -> h.regionMatches(true, 0, "X-Greylist:", 0, 11)) ->
                    new Verdict.Prepend(p.header());
            case Greylister.Decision.Pass p -> Verdict.DUNNO;
        };
    }
}
