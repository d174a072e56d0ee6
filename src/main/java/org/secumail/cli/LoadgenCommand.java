// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.secumail.loadgen.LoadGenerator;
import org.secumail.loadgen.LoadReport;
import org.secumail.loadgen.LoadSettings;
import org.secumail.loadgen.LoopbackGuard;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * "secumail loadgen": an SMTP load generator like Postfix's smtp-source(1), for loopback
 * servers only. Exit status 0 when every message was accepted (and delivered, when a Maildir
 * was given) or every idle connection held; 1 otherwise; 2 for bad options, including a host
 * that is not loopback.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = {"Send SMTP load to a loopback server, like Postfix's smtp-source(1).",
                "Reports accepted/rejected/error counts, latency percentiles and messages/second."})
public final class LoadgenCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--host", paramLabel = "<addr>", defaultValue = "127.0.0.1",
            description = "Server address: 127.0.0.0/8, ::1 or localhost only (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", paramLabel = "<port>", defaultValue = "2525", description = "Server port (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = {"-m", "--messages"}, paramLabel = "<n>", defaultValue = "100", description = "Messages to send (default: ${DEFAULT-VALUE}).")
    private int messages;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "<n>", defaultValue = "10",
            description = "Parallel SMTP sessions; in --idle mode, parallel connection attempts (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = {"-s", "--size"}, paramLabel = "<bytes>", defaultValue = "5000",
            description = "Message size in bytes, headers included (default: ${DEFAULT-VALUE}).")
    private int size;

    @Option(names = "--recipients", paramLabel = "<n>", defaultValue = "1", description = "Recipients per message (default: ${DEFAULT-VALUE}).")
    private int recipients;

    @Option(names = "--from", paramLabel = "<addr>", defaultValue = "loadgen@example.test",
            description = "Sender; %%d as for --to, counted per message (default: ${DEFAULT-VALUE}).")
    private String from;

    @Option(names = "--to", paramLabel = "<addr>", defaultValue = "user%d@example.test",
            description = "Recipient; %%d becomes 1 + (counter mod --users), or counter + 1 with --users 0 (default: ${DEFAULT-VALUE}).")
    private String to;

    @Option(names = "--users", paramLabel = "<n>", defaultValue = "5", description = "Mailboxes that %%d spreads over; 0 for no limit (default: ${DEFAULT-VALUE}).")
    private int users;

    @Option(names = "--helo", paramLabel = "<name>", defaultValue = "loadgen.example.test", description = "EHLO/HELO name (default: ${DEFAULT-VALUE}).")
    private String helo;

    @Option(names = "--per-session", paramLabel = "<k>", defaultValue = "1",
            description = "Messages per SMTP session, sent back to back without RSET (default: ${DEFAULT-VALUE}).")
    private int perSession;

    @Option(names = "--xclient-addr", paramLabel = "<addr>", description = "Send XCLIENT ADDR=<addr> after EHLO to play that client address.")
    private String xclientAddr;

    @Option(names = "--idle", paramLabel = "<n>", defaultValue = "0",
            description = "Instead of mail: open this many connections, read the greeting and hold them idle.")
    private int idle;

    @Option(names = "--hold", paramLabel = "<seconds>", defaultValue = "20", description = "Seconds to hold --idle connections open (default: ${DEFAULT-VALUE}).")
    private long holdSeconds;

    @Option(names = "--maildir", paramLabel = "<dir>", description = "After sending, wait for the deliveries to appear in the new/ directories below DIR.")
    private Path maildir;

    @Option(names = "--maildir-glob", paramLabel = "<glob>", description = "Like --maildir, for the new/ directories matching a glob, e.g. '/srv/mail/*/new'.")
    private String maildirGlob;

    @Option(names = "--wait-timeout", paramLabel = "<seconds>", defaultValue = "120", description = "Seconds to wait for Maildir delivery (default: ${DEFAULT-VALUE}).")
    private long waitTimeoutSeconds;

    @Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "300", description = "Bound on the whole run, in seconds (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    @Option(names = "--starttls", description = "STARTTLS after EHLO, then EHLO again (certificate not verified: loopback test servers).")
    private boolean starttls;

    @Option(names = "--auth", paramLabel = "<user:password>", description = "AUTH PLAIN with these credentials after EHLO (use with --starttls).")
    private String auth;

    @Option(names = "--sessions-only", description = "Send no mail: each of the -m units is a session that greets, EHLOs, does --starttls/--auth and QUITs (handshakes or logins per second).")
    private boolean sessionsOnly;

    @Option(names = "--message", paramLabel = "<file>",
            description = "Send this file (CRLF or LF line ends) as every message instead of composed ones; --size is ignored.")
    private Path messageFile;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    private boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadSettings settings;
        try {
            if (holdSeconds < 0 || waitTimeoutSeconds <= 0 || timeoutSeconds <= 0) {
                throw new IllegalArgumentException("--hold must not be negative; --wait-timeout and --timeout must be positive");
            }
            settings = LoadSettings.builder().host(host).port(port).messages(messages).concurrency(concurrency)
                    .size(size).recipients(recipients).from(from).to(to).users(users).helo(helo)
                    .perSession(perSession).xclientAddr(xclientAddr).idle(idle)
                    .hold(Duration.ofSeconds(holdSeconds)).maildirRoot(maildir).maildirGlob(maildirGlob)
                    .waitTimeout(Duration.ofSeconds(waitTimeoutSeconds)).timeout(Duration.ofSeconds(timeoutSeconds))
                    .starttls(starttls).auth(auth).sessionsOnly(sessionsOnly)
                    .message(messageFile == null ? null : org.secumail.loadgen.MessageComposer.fromFile(messageFile))
                    .build();
            LoopbackGuard.require(settings.host());
        } catch (java.io.IOException e) {
            err.println("loadgen: cannot read --message file: " + e);
            err.flush();
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("loadgen: " + e.getMessage());
            err.flush();
            return 2;
        }
        LoadReport report = new LoadGenerator(settings, line -> {
            err.println(line);
            err.flush();
        }).run();
        out.print(json ? report.toJson() + System.lineSeparator() : report.toText());
        out.flush();
        return report.success() ? 0 : 1;
    }

    /** Lets scripts run the load generator straight from the jar's class path. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadgenCommand()).execute(args));
    }
}
