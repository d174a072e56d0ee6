// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.IOException;
import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An SMTP load generator in the manner of Postfix's smtp-source(1): a fixed set of worker
 * virtual threads, one SMTP session each at a time, plain blocking sockets, lock-step
 * commands (no PIPELINING). Each session reads the greeting, sends EHLO (HELO when EHLO is
 * refused with 5xx), optionally XCLIENT ADDR= followed by a new EHLO, then up to
 * "per-session" transactions MAIL, RCPT..., DATA, content, "." back to back, and QUIT. A
 * transaction ended by a negative reply is cleared with RSET before the next one (RFC 5321
 * section 4.1.1.5); a 421 reply or an I/O error ends the session.
 * <p>
 * Message numbers are handed out from one counter, so exactly the requested number of
 * transactions is attempted unless the run timeout stops the workers first. With a Maildir
 * option the run then waits for the deliveries to appear (see {@link MaildirCounter}).
 */
public final class LoadGenerator {
    private static final long DELIVERY_POLL_MILLIS = 20;

    private final LoadSettings settings;
    private final Consumer<String> progress;

    /** @param progress receives status lines (e.g. for stderr); never the report itself */
    public LoadGenerator(LoadSettings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    public LoadGenerator(LoadSettings settings) {
        this(settings, line -> { });
    }

    /**
     * Runs the load and returns its report.
     *
     * @throws LoopbackGuard.NotLoopbackException when the host is not a loopback address
     */
    public LoadReport run() throws InterruptedException {
        InetAddress address = LoopbackGuard.require(settings.host());
        if (settings.idleMode()) return new IdleConnections(settings, address, progress).run();
        return send(address);
    }

    private LoadReport send(InetAddress address) throws InterruptedException {
        MaildirCounter maildirs = settings.maildirRoot() != null ? MaildirCounter.underRoot(settings.maildirRoot())
                : settings.maildirGlob() != null ? MaildirCounter.matching(settings.maildirGlob()) : null;
        long baseline = maildirs != null ? maildirs.count() : 0;

        RunClock clock = new RunClock();
        long deadline = clock.startNanos() + settings.timeout().toNanos();
        LoadStatistics stats = new LoadStatistics(settings.messages());
        String runId = Long.toString(System.currentTimeMillis(), 36) + "."
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        Sessions sessions = new Sessions(address, deadline, clock, stats,
                new MessageComposer(settings.size(), runId, domainOf(settings.helo())));
        int workers = Math.min(settings.concurrency(), Math.max(1, settings.messages()));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < workers; i++) pool.submit(sessions::work);
        }
        double wall = clock.seconds();

        LoadReport.Delivery delivery = null;
        if (maildirs != null) {
            long expected = stats.expectedDeliveries();
            progress.accept(String.format("loadgen: sent; waiting up to %d s for %d deliveries",
                    settings.waitTimeout().toSeconds(), expected));
            long[] seen = maildirs.awaitCount(baseline + expected,
                    System.nanoTime() + settings.waitTimeout().toNanos(), DELIVERY_POLL_MILLIS);
            delivery = new LoadReport.Delivery(expected, seen[0] - baseline, (seen[1] - clock.startNanos()) / 1e9);
        }
        return new LoadReport(settings, stats.accepted(), stats.rejected(), stats.errors(),
                stats.negativeReplies(), stats.errorSamples(), wall, stats.latency(), delivery, null);
    }

    private static String domainOf(String helo) {
        return helo.contains(".") ? helo : helo + ".invalid";
    }

    /** How a transaction ended. */
    private enum Outcome { ACCEPTED, REJECTED, CONNECTION_LOST }

    /** The work of the worker threads; shared state is in the counter and the statistics. */
    private final class Sessions {
        private final InetAddress address;
        private final long deadline;
        private final RunClock clock;
        private final LoadStatistics stats;
        private final MessageComposer composer;
        /** --message: the one text every transaction sends, dot-stuffed once. */
        private final byte[] fixed;
        private final AtomicInteger next = new AtomicInteger();

        Sessions(InetAddress address, long deadline, RunClock clock, LoadStatistics stats, MessageComposer composer) {
            this.address = address;
            this.deadline = deadline;
            this.clock = clock;
            this.stats = stats;
            this.composer = composer;
            this.fixed = settings.message() == null ? null : DotStuffing.encode(settings.message());
        }

        /** The next message number, or -1 when all are taken or time is up. */
        private int claim() {
            if (System.nanoTime() >= deadline) return -1;
            int n = next.getAndIncrement();
            return n < settings.messages() ? n : -1;
        }

        void work() {
            for (int n = claim(); n >= 0; n = claim()) session(n);
        }

        /** One SMTP session that starts with message {@code first}. */
        private void session(int first) {
            SmtpConnection c;
            try {
                c = SmtpConnection.open(address, settings.port(), deadline, clock);
            } catch (IOException e) {
                stats.messageError("connect: " + e.getMessage());
                return;
            }
            try (c) {
                long t0 = System.nanoTime();
                try {
                    if (!handshake(c)) {
                        stats.messageRejected();
                        quit(c);
                        return;
                    }
                } catch (IOException e) {
                    stats.messageError("before MAIL: " + e.getMessage());
                    return;
                }
                if (settings.sessionsOnly()) {
                    // a handshake/login benchmark: the session itself is the unit of work
                    stats.accepted(first, System.nanoTime() - t0, 0);
                    quit(c);
                    return;
                }
                int n = first;
                for (int done = 1; ; done++) {
                    Outcome o = transaction(c, n);
                    if (o == Outcome.CONNECTION_LOST) return;
                    if (done >= settings.perSession()) break;
                    if (o == Outcome.REJECTED && !reset(c)) return;
                    n = claim();
                    if (n < 0) break;
                }
                quit(c);
            }
        }

        /** Greeting, EHLO/HELO, optional STARTTLS, AUTH and XCLIENT; false after a negative reply. */
        private boolean handshake(SmtpConnection c) throws IOException {
            SmtpReply r = c.readReply();
            if (!r.positive()) {
                stats.negativeReply("CONNECT", r);
                return false;
            }
            if (!hello(c)) return false;
            if (settings.starttls()) {
                r = c.command("STARTTLS");
                if (r.code() != 220) {
                    stats.negativeReply("STARTTLS", r);
                    return false;
                }
                c.startTls();
                if (!hello(c)) return false;   // RFC 3207 section 4.2: the client must say EHLO again
            }
            if (settings.auth() != null) {
                int colon = settings.auth().indexOf(':');
                // RFC 4616: authzid NUL authcid NUL password, sent as the initial response
                byte[] plain = ("\0" + settings.auth().substring(0, colon) + "\0" + settings.auth().substring(colon + 1))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                r = c.command("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString(plain));
                if (r.code() != 235) {
                    stats.negativeReply("AUTH", r);
                    return false;
                }
            }
            if (settings.xclientAddr() != null) {
                // XCLIENT (Postfix XCLIENT_README): the server answers with a new 220 greeting
                // and forgets the earlier EHLO, so the client must say EHLO again.
                r = c.command("XCLIENT ADDR=" + settings.xclientAddr());
                if (!r.positive()) {
                    stats.negativeReply("XCLIENT", r);
                    return false;
                }
                return hello(c);
            }
            return true;
        }

        private boolean hello(SmtpConnection c) throws IOException {
            SmtpReply r = c.command("EHLO " + settings.helo());
            if (r.positive()) return true;
            stats.negativeReply("EHLO", r);
            if (r.code() < 500 || r.closing()) return false;
            r = c.command("HELO " + settings.helo());
            if (r.positive()) return true;
            stats.negativeReply("HELO", r);
            return false;
        }

        private Outcome transaction(SmtpConnection c, int n) {
            String sender = settings.senderFor(n);
            List<String> recipients = new ArrayList<>(settings.recipients());
            for (int i = 0; i < settings.recipients(); i++) {
                recipients.add(settings.recipientFor((long) n * settings.recipients() + i));
            }
            // Built before MAIL FROM so that the latency covers only the SMTP exchange.
            byte[] content = fixed != null ? fixed : DotStuffing.encode(composer.compose(n, sender, recipients, ZonedDateTime.now()));
            try {
                long t0 = System.nanoTime();
                SmtpReply r = c.command("MAIL FROM:<" + sender + ">");
                if (!r.positive()) return rejected("MAIL", r);
                Set<String> accepted = new LinkedHashSet<>();
                for (String rcpt : recipients) {
                    r = c.command("RCPT TO:<" + rcpt + ">");
                    if (r.positive()) {
                        accepted.add(rcpt.toLowerCase(Locale.ROOT));
                    } else {
                        stats.negativeReply("RCPT", r);
                        if (r.closing()) {
                            stats.messageRejected();
                            return Outcome.CONNECTION_LOST;
                        }
                    }
                }
                if (accepted.isEmpty()) {
                    stats.messageRejected();
                    return Outcome.REJECTED;
                }
                r = c.command("DATA");
                if (r.code() != 354) return rejected("DATA", r);
                c.sendRaw(content);
                r = c.readReply();
                if (!r.positive()) return rejected("END-OF-MESSAGE", r);
                stats.accepted(n, System.nanoTime() - t0, accepted.size());
                return Outcome.ACCEPTED;
            } catch (IOException e) {
                stats.messageError("message " + n + ": " + e.getMessage());
                return Outcome.CONNECTION_LOST;
            }
        }

        private Outcome rejected(String stage, SmtpReply r) {
            stats.negativeReply(stage, r);
            stats.messageRejected();
            return r.closing() ? Outcome.CONNECTION_LOST : Outcome.REJECTED;
        }

        /** RSET after a failed transaction; false when the session cannot go on. */
        private boolean reset(SmtpConnection c) {
            try {
                SmtpReply r = c.command("RSET");
                if (r.positive()) return true;
                stats.negativeReply("RSET", r);
            } catch (IOException e) {
                // The rejected message is already counted; the session just cannot continue.
                return false;
            }
            return false;
        }
    }

    /** QUIT and wait for the reply; errors here lose no message, so they are not counted. */
    static void quit(SmtpConnection c) {
        try {
            c.command("QUIT");
        } catch (IOException ignored) {
            // The server may close first; the messages of this session are already counted.
        }
    }
}
