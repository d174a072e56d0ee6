// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.AddressRestrictions;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail explain --client IP [--client-name NAME] [--helo NAME] --sender ADDR --rcpt ADDR...
 * [--sasl USER] [-c DIR]": runs the restriction lists of main.cf for one envelope, dry (nothing
 * queued or delivered; check_greylist reads its database without recording the triplet, and
 * check_policy_service is not asked, since the policy server may record it), and prints every restriction evaluated with its verdict, the reply
 * each recipient would get and the decision, in the order smtpd evaluates them: with
 * smtpd_delay_reject = yes the client, HELO and sender lists at each RCPT, then the relay and
 * recipient lists and the unknown-recipient check; then the DATA and end-of-data lists. DNS
 * lists and table lookups are real (they are read-only). Message content checks are not run
 * (no --message yet).
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show how main.cf's restrictions decide one envelope, restriction by restriction, without queueing anything.")
public final class ExplainCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "--client", required = true, paramLabel = "IP", description = "the client's address")
    String client;

    @Option(names = "--client-name", paramLabel = "NAME", description = "its verified host name [unknown]")
    String clientName = "unknown";

    @Option(names = "--helo", paramLabel = "NAME", description = "the HELO/EHLO name")
    String helo;

    @Option(names = "--sender", required = true, paramLabel = "ADDR", description = "MAIL FROM address (\"\" for the null sender)")
    String sender;

    @Option(names = "--rcpt", required = true, paramLabel = "ADDR", description = "RCPT TO address; repeat for more")
    List<String> rcpts;

    @Option(names = "--sasl", paramLabel = "USER", description = "the SASL login name, as after AUTH")
    String sasl;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        CheckContext ctx;
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
            ctx = new CheckContext(new CheckSettings(cfg, Restrictions.builtin(), ConfigSource.resolver(cfg)));
            if (!org.secumail.table.IpAddresses.looksNumeric(client)) throw new ConfigException("--client: not an IP address: " + client);
            InetAddress addr = InetAddress.getByName(client);
            ctx.clientAddress = addr;
            ctx.clientAddr = addr.getHostAddress();
        } catch (ConfigException | java.io.IOException e) {
            System.err.println("secumail explain: fatal: " + e.getMessage());
            return 1;
        }
        ctx.clientName = clientName;
        ctx.clientNameStatus = clientName.equals("unknown") ? 5 : 2;
        ctx.reverseName = clientName;
        ctx.reverseNameStatus = ctx.clientNameStatus;
        ctx.helo = helo == null || helo.isEmpty() ? null : helo;
        ctx.sender = sender;
        ctx.saslUser = sasl;
        ctx.protocol = "ESMTP";
        ctx.dryRun = true;
        ctx.trace = new ArrayList<>();
        boolean delayReject = cfg.bool("smtpd_delay_reject");
        boolean unlisted = cfg.bool("smtpd_reject_unlisted_recipient");
        out.printf("client %s[%s], helo=<%s>, from=<%s>%s%n", clientName, ctx.clientAddr, helo == null ? "" : helo, sender,
                sasl == null ? "" : ", sasl_username=" + sasl);
        int accepted = 0;
        Reply firstRefusal = null;
        for (String rcpt : rcpts) {
            ctx.recipient = rcpt;
            ctx.clearModifiers();
            out.printf("RCPT TO:<%s>%n", rcpt);
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
            flushTrace(ctx);
            if (r == null) {
                accepted++;
                out.println("  reply: 250 2.1.5 Ok");
            } else {
                if (firstRefusal == null) firstRefusal = r;
                out.println("  reply: " + r.line());
            }
        }
        if (accepted > 0) {
            ctx.recipient = rcpts.size() == 1 ? rcpts.get(0) : null;
            ctx.recipientCount = accepted;
            for (Stage st : List.of(Stage.DATA, Stage.END_OF_DATA)) {
                ctx.clearModifiers();
                Reply r = stage(ctx, st, true);
                if (r == null && ctx.deferIfPermit != null) r = ctx.deferIfPermit;
                out.println(st == Stage.DATA ? "DATA" : "END-OF-MESSAGE (message content checks not run)");
                flushTrace(ctx);
                out.println("  reply: " + (r == null ? (st == Stage.DATA ? "354 End data with <CR><LF>.<CR><LF>" : "250 2.0.0 Ok: queued") : r.line()));
                if (r != null) {
                    out.println("decision: refused at " + (st == Stage.DATA ? "DATA" : "end of data") + ": " + r.line());
                    return 0;
                }
            }
        }
        if (accepted == 0) out.println("decision: refused: " + (firstRefusal == null ? "no recipient" : firstRefusal.line()));
        else out.println("decision: accepted for " + accepted + " of " + rcpts.size() + " recipient(s)");
        return 0;
    }

    private static Reply stage(CheckContext ctx, Stage st, boolean delayReject) {
        var list = ctx.settings.list(st);
        if (list == null || list.isEmpty()) return null;
        ctx.enter(st);
        if (st == Stage.HELO && ctx.helo == null && delayReject) return null;
        Verdict v = list.evaluate(ctx);
        return v instanceof Verdict.Reject r ? r.reply() : null;
    }

    private void flushTrace(CheckContext ctx) {
        for (String t : ctx.trace) out.println("  " + t);
        ctx.trace.clear();
    }
}
