// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.AddressRestrictions;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;

/**
 * One envelope through main.cf's restriction lists, dry (nothing queued; check_greylist reads
 * its database without recording, check_policy_service is not asked since the policy server
 * may record the request), in the order smtpd evaluates them: with smtpd_delay_reject = yes the
 * client, HELO and sender lists at each RCPT, then the relay and recipient lists and the
 * unknown-recipient check; then the DATA and end-of-data lists. DNS lists and tables are real
 * (they are read-only). Message content checks are not run. Used by {@code secumail explain}
 * and {@code secumail replay}.
 */
public final class DryRun {
    private DryRun() { }

    /** What a client sent: enough to evaluate the restriction lists again. */
    public record Envelope(String clientAddr, String clientName, String helo, String sender, String sasl, List<String> recipients) {
        /** The envelope of a stored trace: the recipients that reached the restriction lists. */
        public static Envelope of(Trace t) {
            List<String> rcpts = new ArrayList<>();
            for (Trace.Recipient r : t.recipients()) rcpts.add(r.address());
            return new Envelope(t.clientAddr(), t.clientName() == null ? "unknown" : t.clientName(), t.helo(), t.sender(), t.sasl(), rcpts);
        }
    }

    /**
     * @param lines      the trace, as explain prints it
     * @param recipients each recipient with the reply it would get
     * @param decision   "accepted" (for at least one recipient, DATA and end of data pass) or "refused"
     * @param reply      the deciding refusal, or "" when accepted
     */
    public record Result(List<String> lines, List<Trace.Recipient> recipients, String decision, String reply) {
        /** The recipients that would get a 2xx reply (none when DATA or the end of data refuses). */
        public List<String> accepted() {
            if (!decision.equals("accepted")) return List.of();
            List<String> out = new ArrayList<>();
            for (Trace.Recipient r : recipients) if (r.reply().startsWith("2")) out.add(r.address());
            return out;
        }
    }

    public static Result run(MainConfig cfg, CheckSettings settings, Envelope env) {
        CheckContext ctx = new CheckContext(settings);
        if (!org.secumail.table.IpAddresses.looksNumeric(env.clientAddr())) throw new ConfigException("not an IP address: " + env.clientAddr());
        try {
            InetAddress addr = InetAddress.getByName(env.clientAddr());
            ctx.clientAddress = addr;
            ctx.clientAddr = addr.getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new ConfigException("not an IP address: " + env.clientAddr());
        }
        ctx.clientName = env.clientName();
        ctx.clientNameStatus = env.clientName().equals("unknown") ? 5 : 2;
        ctx.reverseName = env.clientName();
        ctx.reverseNameStatus = ctx.clientNameStatus;
        ctx.helo = env.helo() == null || env.helo().isEmpty() ? null : env.helo();
        ctx.sender = env.sender();
        ctx.saslUser = env.sasl();
        ctx.protocol = "ESMTP";
        ctx.dryRun = true;
        List<String> lines = new ArrayList<>();
        ctx.trace = new ArrayList<>();
        boolean delayReject = cfg.bool("smtpd_delay_reject");
        boolean unlisted = cfg.bool("smtpd_reject_unlisted_recipient");
        lines.add(String.format("client %s[%s], helo=<%s>, from=<%s>%s", env.clientName(), ctx.clientAddr,
                env.helo() == null ? "" : env.helo(), env.sender(), env.sasl() == null ? "" : ", sasl_username=" + env.sasl()));
        List<Trace.Recipient> replies = new ArrayList<>();
        int accepted = 0;
        Reply firstRefusal = null;
        if (!delayReject) {
            // smtpd_delay_reject = no: the client, HELO and sender lists decide at MAIL FROM
            for (Stage st : List.of(Stage.CLIENT, Stage.HELO, Stage.SENDER)) {
                Reply r = stage(ctx, st, true);   // true: no HELO list without a HELO
                if (r != null) {
                    lines.add("MAIL FROM:<" + env.sender() + ">");
                    flush(ctx, lines);
                    lines.add("  reply: " + r.line());
                    lines.add("decision: refused: " + r.line());
                    return new Result(lines, replies, "refused", r.line());
                }
            }
            flush(ctx, lines);
        }
        for (String rcpt : env.recipients()) {
            ctx.recipient = rcpt;
            ctx.clearModifiers();
            lines.add("RCPT TO:<" + rcpt + ">");
            Reply r = null;
            List<Stage> stages = new ArrayList<>();
            if (delayReject) stages.addAll(List.of(Stage.CLIENT, Stage.HELO, Stage.SENDER));
            stages.addAll(List.of(Stage.RELAY, Stage.RECIPIENT));
            for (Stage st : stages) {
                r = stage(ctx, st, delayReject);
                if (r != null) break;
            }
            if (r == null && unlisted) {
                ctx.replyName = rcpt;
                ctx.replyClass = CheckContext.RECIPIENT;
                Verdict v = AddressRestrictions.unlisted(ctx, false);
                ctx.trace.add("smtpd_reject_unlisted_recipient: -> " + (v instanceof Verdict.Reject rej ? "REJECT " + rej.reply().line() : "DUNNO"));
                if (v instanceof Verdict.Reject rej) r = rej.reply();
            }
            if (r == null && ctx.deferIfPermit != null) r = ctx.deferIfPermit;
            flush(ctx, lines);
            String reply = r == null ? "250 2.1.5 Ok" : r.line();
            replies.add(new Trace.Recipient(rcpt, reply));
            lines.add("  reply: " + reply);
            if (r == null) accepted++;
            else if (firstRefusal == null) firstRefusal = r;
        }
        if (accepted > 0) {
            ctx.recipient = env.recipients().size() == 1 ? env.recipients().get(0) : null;
            ctx.recipientCount = accepted;
            for (Stage st : List.of(Stage.DATA, Stage.END_OF_DATA)) {
                ctx.clearModifiers();
                Reply r = stage(ctx, st, true);
                if (r == null && ctx.deferIfPermit != null) r = ctx.deferIfPermit;
                lines.add(st == Stage.DATA ? "DATA" : "END-OF-MESSAGE (message content checks not run)");
                flush(ctx, lines);
                lines.add("  reply: " + (r == null ? (st == Stage.DATA ? "354 End data with <CR><LF>.<CR><LF>" : "250 2.0.0 Ok: queued") : r.line()));
                if (r != null) {
                    lines.add("decision: refused at " + (st == Stage.DATA ? "DATA" : "end of data") + ": " + r.line());
                    return new Result(lines, replies, "refused", r.line());
                }
            }
            lines.add("decision: accepted for " + accepted + " of " + env.recipients().size() + " recipient(s)");
            return new Result(lines, replies, "accepted", "");
        }
        String why = firstRefusal == null ? "no recipient" : firstRefusal.line();
        lines.add("decision: refused: " + why);
        return new Result(lines, replies, "refused", why);
    }

    private static Reply stage(CheckContext ctx, Stage st, boolean delayReject) {
        var list = ctx.settings.list(st);
        if (list == null || list.isEmpty()) return null;
        ctx.enter(st);
        if (st == Stage.HELO && ctx.helo == null && delayReject) return null;
        Verdict v = list.evaluate(ctx);
        return v instanceof Verdict.Reject r ? r.reply() : null;
    }

    private static void flush(CheckContext ctx, List<String> lines) {
        for (String t : ctx.trace) lines.add("  " + t);
        ctx.trace.clear();
    }
}
