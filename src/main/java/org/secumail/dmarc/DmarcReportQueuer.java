// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the due aggregate reports into our own queue, the way queue/Bouncer injects bounces:
 * a new queue file per report, committed with the envelope (sender, rua= recipients,
 * attribute protocol=dmarc-report), then the evaluations it covered are forgotten. The queue
 * manager delivers and retries it like any other message.
 *
 * <p>Lifecycle: {@link #start} runs {@link #runOnce} on a virtual thread shortly after each
 * period boundary (secumail_dmarc_report_interval, aligned on the epoch) and once at startup
 * for periods missed while the server was down; {@link #close} stops it. {@link #runOnce} may
 * also be called directly (tests, a command).
 */
public final class DmarcReportQueuer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dmarc");
    /** How long after a period boundary the run starts, so that late evaluations are in. */
    static final Duration SETTLE = Duration.ofMinutes(5);

    private final DmarcReporter reporter;
    private final QueueStore queue;
    private final Runnable afterCommit;
    private final Clock clock;
    private volatile Thread thread;

    /**
     * @param afterCommit called after each queued report (QueueManager::wake), may be a no-op
     */
    public DmarcReportQueuer(DmarcReporter reporter, QueueStore queue, Runnable afterCommit, Clock clock) {
        this.reporter = reporter;
        this.queue = queue;
        this.afterCommit = afterCommit;
        this.clock = clock;
    }

    /** Queues every due report; returns the queue IDs. A failure leaves the evaluations for the next run. */
    public List<QueueId> runOnce() {
        Instant now = clock.instant();
        List<QueueId> ids = new ArrayList<>();
        List<ReportMessage> due;
        try {
            due = reporter.due(now);
        } catch (IOException e) {
            LOG.warn("dmarc reports: {}", e.getMessage());
            return ids;
        }
        for (ReportMessage r : due) {
            try {
                if (r.recipients().isEmpty()) {
                    if (r.retryLater()) {
                        LOG.info("dmarc report {}: no verified destination now; kept for the next run", r.reportId());
                        continue;
                    }
                    LOG.info("dmarc report {}: no usable rua destination; not sent", r.reportId());
                    reporter.markSent(r);
                    continue;
                }
                try (QueueStore.Writer w = queue.create()) {
                    OutputStream out = w.content();
                    out.write(r.message());
                    out.close();
                    w.commit(new Envelope(r.sender(), r.recipients(), now,
                            Map.of("protocol", "dmarc-report", "dmarc_report_id", r.reportId())));
                    ids.add(w.id());
                    LOG.info("{}: dmarc report {} for {} queued to {}, {} bytes", w.id(), r.reportId(), r.policyDomain(),
                            String.join(",", r.recipients()), r.message().length);
                }
                reporter.markSent(r);
                afterCommit.run();
            } catch (IOException | RuntimeException e) {
                LOG.warn("dmarc report {}: cannot queue: {}; kept for the next run", r.reportId(), e.toString());
            }
        }
        return ids;
    }

    /** Starts the periodic run (idempotent). */
    public synchronized void start() {
        if (thread != null) return;
        thread = Thread.ofVirtual().name("dmarc-reports").start(() -> {
            runOnce();
            while (!Thread.currentThread().isInterrupted()) {
                Instant now = clock.instant();
                Instant next = reporter.periodStart(now).plus(reporter.interval()).plus(SETTLE);
                try {
                    Thread.sleep(Duration.between(now, next).toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                runOnce();
            }
        });
    }

    @Override
    public synchronized void close() {
        if (thread != null) thread.interrupt();
        thread = null;
    }
}
