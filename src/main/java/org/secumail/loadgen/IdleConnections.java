// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Idle mode: opens N connections (at most "concurrency" attempts in flight), reads each
 * greeting, holds the connections open without a word for the hold time, then sends QUIT on
 * each and counts the 221 answers, which shows the server still served every one. Used to
 * measure a server's memory per idle client. The hold ends early at the run timeout; the QUIT
 * round has its own bound of {@link #QUIT_ROUND} so a full hold still ends cleanly.
 */
final class IdleConnections {
    static final Duration QUIT_ROUND = Duration.ofSeconds(30);

    private final LoadSettings settings;
    private final InetAddress address;
    private final Consumer<String> progress;

    IdleConnections(LoadSettings settings, InetAddress address, Consumer<String> progress) {
        this.settings = settings;
        this.address = address;
        this.progress = progress;
    }

    LoadReport run() throws InterruptedException {
        RunClock clock = new RunClock();
        long deadline = clock.startNanos() + settings.timeout().toNanos();
        LoadStatistics stats = new LoadStatistics(0);
        Queue<SmtpConnection> open = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        int requested = settings.idle();

        inParallel(Math.min(settings.concurrency(), requested), () -> {
            while (System.nanoTime() < deadline && next.getAndIncrement() < requested) {
                try {
                    SmtpConnection c = SmtpConnection.open(address, settings.port(), deadline, clock);
                    SmtpReply r;
                    try {
                        r = c.readReply();
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    if (r.positive()) {
                        open.add(c);
                    } else {
                        stats.negativeReply("CONNECT", r);
                        failed.incrementAndGet();
                        c.close();
                    }
                } catch (IOException e) {
                    failed.incrementAndGet();
                    stats.messageError("connect: " + e.getMessage());
                }
            }
        });

        long established = open.size();
        progress.accept(String.format("loadgen: established %d idle connections (%d failed); holding for %d s",
                established, failed.get(), settings.hold().toSeconds()));
        long holdStart = System.nanoTime();
        long holdEnd = Math.min(holdStart + settings.hold().toNanos(), deadline);
        while (System.nanoTime() < holdEnd) {
            Thread.sleep(Math.max(1, Math.min(1000, (holdEnd - System.nanoTime()) / 1_000_000)));
        }
        double held = (System.nanoTime() - holdStart) / 1e9;
        progress.accept("loadgen: hold over; closing");

        AtomicLong serving = new AtomicLong();
        long quitDeadline = System.nanoTime() + QUIT_ROUND.toNanos();
        inParallel(Math.max(1, Math.min(settings.concurrency(), open.size())), () -> {
            for (SmtpConnection polled = open.poll(); polled != null; polled = open.poll()) {
                try (SmtpConnection c = polled) {
                    if (System.nanoTime() >= quitDeadline) continue;
                    c.deadline(quitDeadline);
                    if (c.command("QUIT").code() == 221) serving.incrementAndGet();
                } catch (IOException e) {
                    // Dropped during the hold: it simply does not count as still serving.
                    continue;
                }
            }
        });

        Map<String, Long> negatives = stats.negativeReplies();
        List<String> samples = stats.errorSamples();
        return new LoadReport(settings, 0, 0, stats.errors(), negatives, samples, clock.seconds(),
                new LoadReport.Latency(0, 0, 0, 0), null,
                new LoadReport.Idle(requested, established, failed.get(), held, serving.get()));
    }

    private static void inParallel(int threads, Runnable task) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) pool.submit(task);
        }
    }
}
