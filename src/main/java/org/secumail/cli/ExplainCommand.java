// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.trace.DryRun;
import org.secumail.trace.Trace;
import org.secumail.trace.TraceStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * "secumail explain" in two forms.
 * <ul>
 * <li>{@code secumail explain QUEUEID} (or a whole NOQUEUE log line): prints the decision trace
 *     the server stored for that transaction (secumail_trace_database): every command, every
 *     restriction evaluated with its verdict, the content checks' results, every reply and
 *     the decision. A NOQUEUE line is matched by its client address, from= and to=; the newest
 *     matching transaction is shown.</li>
 * <li>{@code secumail explain --client IP [--client-name NAME] [--helo NAME] --sender ADDR
 *     --rcpt ADDR... [--sasl USER]}: runs the restriction lists of main.cf for that envelope,
 *     dry ({@link DryRun}), and prints the same kind of trace.</li>
 * </ul>
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show why a transaction was decided as it was: the stored trace of QUEUEID (or of a NOQUEUE log line),",
                "or main.cf's restrictions run dry for the envelope given with --client, --sender and --rcpt."})
public final class ExplainCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Parameters(arity = "0..1", paramLabel = "QUEUEID|LOGLINE", description = "a queue ID, or a log line with NOQUEUE")
    String reference;

    @Option(names = "--client", paramLabel = "IP", description = "the client's address")
    String client;

    @Option(names = "--client-name", paramLabel = "NAME", description = "its verified host name [unknown]")
    String clientName = "unknown";

    @Option(names = "--helo", paramLabel = "NAME", description = "the HELO/EHLO name")
    String helo;

    @Option(names = "--sender", paramLabel = "ADDR", description = "MAIL FROM address (\"\" for the null sender)")
    String sender;

    @Option(names = "--rcpt", paramLabel = "ADDR", description = "RCPT TO address; repeat for more")
    List<String> rcpts;

    @Option(names = "--sasl", paramLabel = "USER", description = "the SASL login name, as after AUTH")
    String sasl;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
        } catch (ConfigException e) {
            System.err.println("secumail explain: fatal: " + e.getMessage());
            return 1;
        }
        if (reference != null) return stored(cfg);
        if (client == null || sender == null || rcpts == null || rcpts.isEmpty()) {
            System.err.println("secumail explain: give a QUEUEID (or a NOQUEUE log line), or --client, --sender and --rcpt");
            return 2;
        }
        try {
            CheckSettings settings = new CheckSettings(cfg, Restrictions.builtin(), ConfigSource.resolver(cfg));
            DryRun.Result r = DryRun.run(cfg, settings, new DryRun.Envelope(client, clientName, helo, sender, sasl, rcpts));
            for (String l : r.lines()) out.println(l);
            return 0;
        } catch (ConfigException e) {
            System.err.println("secumail explain: fatal: " + (e.getMessage().startsWith("not an IP") ? "--client: " : "") + e.getMessage());
            return 1;
        }
    }

    private static final Pattern CLIENT = Pattern.compile("from [^\\s\\[]*\\[([0-9A-Fa-f:.]+)\\]");
    private static final Pattern FROM = Pattern.compile("\\bfrom=<([^>]*)>");
    private static final Pattern TO = Pattern.compile("\\bto=<([^>]*)>");
    private static final Pattern QUEUE_ID = Pattern.compile("\\b([0-9A-Za-z]{10,}|[0-9A-F]{6,})\\b(?=: )");

    /** The stored trace of a queue ID or of a log line (NOQUEUE: by client, sender and recipient). */
    private int stored(MainConfig cfg) {
        String ref = reference.strip();
        try (TraceStore store = TraceStore.read(cfg)) {
            Trace t;
            if (ref.contains("NOQUEUE")) {
                Matcher c = CLIENT.matcher(ref);
                if (!c.find()) {
                    System.err.println("secumail explain: no client [address] in the log line");
                    return 2;
                }
                Matcher f = FROM.matcher(ref);
                Matcher to = TO.matcher(ref);
                List<Trace> found = store.find(c.group(1), f.find() ? f.group(1) : null, to.find() ? to.group(1) : null, 1);
                t = found.isEmpty() ? null : found.get(0);
            } else {
                Matcher q = QUEUE_ID.matcher(ref + ": ");
                String id = ref.matches("[0-9A-Za-z]+") ? ref : q.find() ? q.group(1) : ref;
                t = store.byQueueId(id);
            }
            if (t == null) {
                System.err.println("secumail explain: no stored trace for " + ref + " (traces are kept for secumail_trace_max_age = "
                        + cfg.get("secumail_trace_max_age") + ")");
                return 1;
            }
            out.println("transaction " + (t.queueId() == null ? "NOQUEUE" : t.queueId()) + " at " + java.time.Instant.ofEpochMilli(t.time())
                    + ", from=<" + (t.sender() == null ? "" : t.sender()) + ">");
            out.print(t.text());
            return 0;
        } catch (java.io.IOException | java.sql.SQLException e) {
            System.err.println("secumail explain: fatal: " + e.getMessage());
            return 1;
        }
    }
}
