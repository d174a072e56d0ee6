// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.secumail.queue.QueueStore;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.RestrictionList;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;

/**
 * MAIL, RCPT and DATA of one session (RFC 5321 sections 3.3 and 4.1.1.2-4.1.1.4), with the
 * restriction lists evaluated as Postfix does: with smtpd_delay_reject = yes the client, HELO
 * and sender lists run at RCPT time, then smtpd_relay_restrictions, then
 * smtpd_recipient_restrictions, then the implicit reject_unlisted_recipient
 * (smtpd_reject_unlisted_recipient). The queue file is created at the first accepted RCPT, so
 * rejections before that are logged as NOQUEUE, as Postfix logs them.
 */
final class MailTransaction {
    private final SmtpSession s;
    final List<String> recipients = new ArrayList<>();
    /** RCPT commands accepted, duplicates included: smtpd_recipient_limit counts them, as Postfix's rcpt_count. */
    private int acceptedRcpts;
    String sender;
    QueueStore.Writer writer;
    Map<String, String> mailParams = Map.of();
    /** RFC 3461 RET, ENVID, NOTIFY, ORCPT of this transaction (DsnParameters). */
    final DsnParameters dsn = new DsnParameters();
    private int instances;
    /** For the {rcpt_mailer} macro: the recipient being reported was refused by smtpd. */
    boolean rcptRejected;
    /** The decision trace of this transaction (secumail_trace_enable), or null. */
    org.secumail.trace.TransactionTrace trace;
    /** A trace whose transaction ended at the end of data; finished with the reply that follows. */
    private org.secumail.trace.TransactionTrace closing;
    private String closingQueueId;
    private static final java.util.Set<String> TRACED = java.util.Set.of("MAIL", "RCPT", "DATA", "END-OF-MESSAGE");

    MailTransaction(SmtpSession s) { this.s = s; }

    boolean inTransaction() { return sender != null; }

    String queueId() { return writer == null ? "NOQUEUE" : writer.id().toString(); }

    /**
     * A command of the transaction arrives (SmtpSession; DataReceiver for END-OF-MESSAGE). MAIL
     * outside a transaction starts a trace; the restriction lists write into it through
     * CheckContext.trace.
     */
    void traceCommand(String verb, String line) {
        if (s.svc.traces == null) return;
        if (verb.equals("MAIL") && sender == null) {
            finishTrace();   // a MAIL that failed before
            var ctx = s.ctx;
            trace = new org.secumail.trace.TransactionTrace(s.svc.name, ctx.clientName, ctx.clientAddr, ctx.helo, ctx.saslUser);
            ctx.trace = trace.lines;
        }
        if (trace != null) trace.command(verb, line);
    }

    /** Every reply of the session (SmtpSession.reply): kept when it answers a transaction's command. */
    void traceReply(Reply r) {
        if (closing != null) {
            closing.reply(r.code(), r.line());
            record(closing, closingQueueId);
            closing = null;
            return;
        }
        if (trace != null && TRACED.contains(s.ctx.command)) trace.reply(r.code(), r.line());
    }

    /** The transaction ended (abort): its trace goes to the store, after the end-of-data reply if that is still to come. */
    private void finishTrace() {
        if (trace == null) return;
        if (trace.awaitingEnd()) {
            if (closing != null) record(closing, closingQueueId);
            closing = trace;
            closingQueueId = s.ctx.queueId;
        } else {
            record(trace, s.ctx.queueId);
        }
        trace = null;
        s.ctx.trace = null;
    }

    /** The session ends: a trace still waiting for its reply is kept as it is. */
    void endOfSession() {
        finishTrace();
        if (closing != null) record(closing, closingQueueId);
        closing = null;
    }

    private void record(org.secumail.trace.TransactionTrace t, String queueId) {
        var store = s.svc.traces;
        if (store != null) store.record(t.finish(queueId));
    }

    void mail(String arg) throws IOException {
        var svc = s.svc;
        if (svc.heloRequired && !s.heloSeen) {
            s.error(Reply.of(503, "5.5.1", "Error: send HELO/EHLO first"));
            return;
        }
        if (sender != null) {
            s.error(Reply.of(503, "5.5.1", "Error: nested MAIL command"));
            return;
        }
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            s.error(Reply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>"));
            return;
        }
        PathParser.Parsed p;
        try {
            p = PathParser.parse(arg.substring(5), svc.strictEnvelopes);
        } catch (PathParser.SyntaxException e) {
            s.error(Reply.of(501, "5.1.7", "Bad sender address syntax"));
            return;
        }
        if (AddressSyntax.refused(p.address(), svc.smtputf8 && p.parameters().containsKey("SMTPUTF8"), svc.allowMinUser)) {
            s.error(Reply.of(501, "5.1.7", "Bad sender address syntax"));   // trivial-rewrite's RESOLVE_FLAG_ERROR
            return;
        }
        int rate = AnvilRates.count(svc, s.ctx, AnvilRates.Kind.MESSAGE);
        if (rate > 0) {
            SmtpSession.LOG.warn("warning: Message delivery request rate limit exceeded: {} from {} for service {}", rate,
                    s.ctx.clientLabel(), svc.name);
            s.error(Reply.of(450, "4.7.1", "Error: too much mail from " + s.ctx.clientAddr));
            return;
        }
        for (var e : p.parameters().entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "SIZE" -> {
                    if (v == null || !v.matches("\\d{1,18}")) {
                        s.error(Reply.of(501, "5.5.4", "Bad message size syntax"));
                        return;
                    }
                    if (svc.messageSizeLimit > 0 && Long.parseLong(v) > svc.messageSizeLimit) {
                        s.error(Reply.of(552, "5.3.4", "Message size exceeds fixed limit"));
                        return;
                    }
                }
                case "BODY" -> {
                    if (v == null || !(v.equalsIgnoreCase("7BIT") || v.equalsIgnoreCase("8BITMIME"))) {
                        s.error(Reply.of(501, "5.5.4", "Unsupported BODY parameter value"));
                        return;
                    }
                }
                case "AUTH" -> {
                    if (!SmtpAuth.checkMailParam(s, v)) return;
                }
                case "SMTPUTF8" -> {
                    if (!svc.smtputf8) {
                        s.error(Reply.of(555, "5.5.4", "Unsupported option: SMTPUTF8"));
                        return;
                    }
                }
                default -> {
                    if (DsnParameters.isMailParameter(e.getKey()) && v != null) continue;   // "RET" without "=": unsupported, as Postfix
                    s.error(Reply.of(555, "5.5.4", "Unsupported option: " + p.token(e.getKey())));
                    return;
                }
            }
        }
        Reply dsnError = dsn.mail(p.parameters(), svc.dsn);
        if (dsnError != null) {
            s.error(dsnError);
            return;
        }
        s.ctx.sender = p.address();
        if (trace != null) trace.sender(p.address());
        String size = p.parameters().get("SIZE");
        s.ctx.size = size == null ? 0 : Long.parseLong(size);
        s.ctx.instance = Long.toHexString(System.nanoTime()) + "." + Integer.toHexString(System.identityHashCode(this)) + "." + (++instances);
        if (!svc.delayReject) {
            Reply r = checkStage(Stage.SENDER);
            if (r != null) {
                logReject("MAIL", r, null);
                s.ctx.sender = null;
                s.error(r);
                return;
            }
        }
        s.ctx.saslSender = SmtpAuth.mailAuthSender(s, p.parameters().get("AUTH"));
        if (s.milters != null) {
            Reply m = s.milters.mail(p.address(), p.parameters());
            if (m != null) {
                abort();
                s.error(m);
                if (m.code() == 421) s.quit = true;
                return;
            }
        }
        sender = p.address();
        mailParams = p.parameters();
        s.reply(Reply.of(250, "2.1.0", "Ok"));
    }

    void rcpt(String arg) throws IOException {
        var svc = s.svc;
        if (sender == null) {
            s.error(Reply.of(503, "5.5.1", "Error: need MAIL command"));
            return;
        }
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            s.error(Reply.of(501, "5.5.4", "Syntax: RCPT TO:<address>"));
            return;
        }
        if (acceptedRcpts < svc.recipientLimit) {
            int rate = AnvilRates.count(svc, s.ctx, AnvilRates.Kind.RECIPIENT);
            if (rate > 0) {
                SmtpSession.LOG.warn("warning: Recipient address rate limit exceeded: {} from {} for service {}", rate,
                        s.ctx.clientLabel(), svc.name);
                s.error(Reply.of(450, "4.7.1", "Error: too many recipients from " + s.ctx.clientAddr));
                return;
            }
        }
        PathParser.Parsed p;
        try {
            p = PathParser.parse(arg.substring(3), svc.strictEnvelopes);
        } catch (PathParser.SyntaxException e) {
            s.error(Reply.of(501, "5.1.3", "Bad recipient address syntax"));
            return;
        }
        if (p.address().isEmpty() || AddressSyntax.refused(p.address(), svc.smtputf8 && mailParams.containsKey("SMTPUTF8"), svc.allowMinUser)) {
            s.error(Reply.of(501, "5.1.3", "Bad recipient address syntax"));
            return;
        }
        for (var e : p.parameters().entrySet()) {
            if (DsnParameters.isRcptParameter(e.getKey()) && e.getValue() != null) continue;
            s.error(Reply.of(555, "5.5.4", "Unsupported option: " + p.token(e.getKey())));
            return;
        }
        DsnParameters.Rcpt rcptDsn = DsnParameters.rcpt(p.parameters(), svc.dsn);
        if (rcptDsn.error() != null) {
            s.error(rcptDsn.error());
            return;
        }
        if (acceptedRcpts >= svc.recipientLimit) {
            s.error(Reply.of(452, "4.5.3", "Error: too many recipients"));
            return;
        }
        CheckContext ctx = s.ctx;
        ctx.recipient = p.address();
        ctx.acceptedSoFar = acceptedRcpts;
        ctx.clearModifiers();
        if (trace != null) trace.recipient(p.address());
        Reply r = rcptChecks();
        if (r != null) {
            logReject("RCPT", r, p.address());
            if (s.milters != null) {   // to milters that asked for refused recipients (SMFIP_RCPT_REJ)
                rcptRejected = true;
                s.milters.rcpt(p.address(), p.parameters(), true);
                rcptRejected = false;
            }
            s.error(r);
            ctx.recipient = null;
            return;
        }
        if (s.milters != null) {
            Reply m = s.milters.rcpt(p.address(), p.parameters(), false);
            if (m != null) {
                s.error(m);
                ctx.recipient = null;
                if (m.code() == 421) s.quit = true;
                return;
            }
        }
        if (writer == null) {
            writer = svc.queue.create();
            ctx.queueId = writer.id().toString();
            if (s.milters != null) s.milters.queueId(ctx.queueId);
            SmtpSession.LOG.info("{}: client={}{}{}", writer.id(), ctx.clientLabel(), SmtpAuth.logFields(ctx),
                    XforwardCommand.logFields(s.xforward));
        }
        // cleanup(8)'s duplicate filter: the same address with the same DSN parameters is
        // accepted again but kept once, so it is delivered once
        acceptedRcpts++;
        if (!duplicate(p.address(), rcptDsn)) {
            recipients.add(p.address());
            dsn.accepted(rcptDsn);
        }
        flushWarnings("RCPT", p.address());
        s.reply(Reply.of(250, "2.1.5", "Ok"));
    }

    /** The first recipient accepted in this transaction, or null. */
    String firstRecipient() { return recipients.isEmpty() ? null : recipients.get(0); }

    private boolean duplicate(String address, DsnParameters.Rcpt r) {
        for (int i = 0; i < recipients.size(); i++) {
            if (recipients.get(i).equals(address) && dsn.sameAs(i, r)) return true;
        }
        return false;
    }

    /** The RCPT-time checks; null when the recipient is accepted. */
    private Reply rcptChecks() {
        if (s.svc.delayReject) {
            for (Stage st : new Stage[] {Stage.CLIENT, Stage.HELO, Stage.SENDER}) {
                Reply r = checkStage(st);
                if (r != null) return r;
            }
        }
        Reply r = checkStage(Stage.RELAY);
        if (r == null) r = checkStage(Stage.RECIPIENT);
        CheckContext ctx = s.ctx;
        if (r == null && s.svc.rejectUnlistedRecipient) {
            ctx.replyName = ctx.recipient;
            ctx.replyClass = CheckContext.RECIPIENT;
            Verdict v = org.secumail.smtpd.check.AddressRestrictions.unlisted(ctx, false);
            if (v instanceof Verdict.Reject rej) {
                r = rej.reply();
                ctx.decidedBy = "smtpd_reject_unlisted_recipient";
            }
        }
        if (r == null && ctx.deferIfPermit != null) {
            r = ctx.deferIfPermit;
            ctx.decidedBy = "defer_if_permit";
        }
        return r;
    }

    /** Evaluates one stage's list; returns the reject/defer reply, or null. */
    Reply checkStage(Stage stage) {
        CheckContext ctx = s.ctx;
        RestrictionList list = s.svc.checks.list(stage);
        if (list.isEmpty()) return null;
        ctx.enter(stage);
        // HELO and sender lists are skipped until there is something to check (smtpd_check.c).
        if (stage == Stage.HELO && ctx.helo == null && s.svc.delayReject) return null;
        Verdict v = list.evaluate(ctx);
        return v instanceof Verdict.Reject r ? r.reply() : null;
    }

    void data(String arg) throws IOException {
        if (!arg.isEmpty()) {
            s.error(Reply.of(501, "5.5.4", "Syntax: DATA"));
            return;
        }
        if (recipients.isEmpty()) {
            if (sender == null) s.error(Reply.of(503, "5.5.1", "Error: need RCPT command"));
            else s.error(Reply.of(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        s.ctx.recipient = recipients.size() == 1 ? recipients.get(0) : null;
        s.ctx.recipientCount = recipients.size();
        s.ctx.clearModifiers();
        Reply r = checkStage(Stage.DATA);
        if (r == null && s.ctx.deferIfPermit != null) r = s.ctx.deferIfPermit;
        flushWarnings("DATA", null);
        if (r != null) {
            logReject("DATA", r, null);
            s.error(r);
            return;
        }
        if (s.milters != null) {
            Reply m = s.milters.data();
            if (m != null) {
                s.error(m);
                if (m.code() == 421) s.quit = true;
                return;
            }
        }
        new DataReceiver(s, this).receive();
    }

    void logReject(String stage, Reply r, String rcpt) {
        CheckContext ctx = s.ctx;
        // by the command and by what decided: a restriction, or at the end of data a content check or milter
        String by = ctx.decidedBy != null ? ctx.decidedBy : stage.equals("END-OF-MESSAGE") ? "content" : "other";
        ctx.decidedBy = null;
        org.secumail.metrics.Metrics.count("secumail.smtpd.rejects", "stage", stage, "restriction", by);
        SmtpSession.LOG.info("{}: reject: {} from {}: {}; from=<{}>{} proto={} helo=<{}>", queueId(), stage, ctx.clientLabel(),
                r.line(), ctx.sender == null ? "" : ctx.sender, rcpt == null ? "" : " to=<" + rcpt + ">",
                ctx.protocol, ctx.helo == null ? "" : ctx.helo);
    }

    void flushWarnings(String stage, String rcpt) {
        CheckContext ctx = s.ctx;
        for (String w : ctx.warnings) {
            // warn_if_reject and shadow mode log as Postfix's smtpd: "QID: reject_warning: RCPT from ..."
            int colon = w.indexOf(": ");
            boolean tagged = w.startsWith("reject_warning: ") || w.startsWith("discard_warning: ");
            SmtpSession.LOG.info("{}: {}: {} from {}: {}; from=<{}>{} proto={} helo=<{}>", queueId(), tagged ? w.substring(0, colon) : "warn",
                    stage, ctx.clientLabel(), tagged ? w.substring(colon + 2) : w, sender == null ? "" : sender,
                    rcpt == null ? "" : " to=<" + rcpt + ">", ctx.protocol, ctx.helo == null ? "" : ctx.helo);
        }
        ctx.warnings.clear();
    }

    /** Ends the transaction (RSET, HELO, end of DATA, disconnect); an uncommitted queue file is removed. */
    void abort() {
        finishTrace();
        if (s.milters != null) s.milters.abort();
        if (writer != null) {
            writer.abort();
            writer = null;
        }
        sender = null;
        recipients.clear();
        acceptedRcpts = 0;
        mailParams = Map.of();
        dsn.clear();
        s.ctx.sender = null;
        s.ctx.saslSender = null;
        s.ctx.recipient = null;
        s.ctx.prepends.clear();
        s.ctx.hold = null;
        s.ctx.discard = null;
        s.ctx.redirect = null;
        s.ctx.filter = null;
        s.xforward.clear();   // XFORWARD holds for one transaction (Postfix's smtpd_xforward_reset)
        s.ctx.queueId = "";
        s.ctx.recipientCount = 0;
        s.ctx.acceptedSoFar = 0;
        s.ctx.size = 0;
        s.ctx.instance = "";
        s.ctx.transactionData.clear();
        s.ctx.clearModifiers();
    }

    /** After a successful commit: forget the transaction without removing the queued files. */
    void committed() {
        writer = null;
        abort();
    }
}
