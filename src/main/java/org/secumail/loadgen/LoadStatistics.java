// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe counters of a sending run: messages accepted (250 after the final "."),
 * rejected (a 4xx/5xx reply that ended the transaction), failed with an I/O error; every
 * negative reply by the command it answered and its code; the latency of each accepted
 * message, from sending MAIL FROM to receiving the 250 after "."; and the number of
 * deliveries to expect (distinct accepted recipients per accepted message).
 */
final class LoadStatistics {
    private static final int MAX_ERROR_SAMPLES = 5;

    private final long[] latencyNanos;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong expectedDeliveries = new AtomicLong();
    private final Map<String, LongAdder> negativeReplies = new ConcurrentHashMap<>();
    private final List<String> errorSamples = new CopyOnWriteArrayList<>();

    LoadStatistics(int messages) {
        latencyNanos = new long[messages];
        Arrays.fill(latencyNanos, -1);
    }

    /** Message {@code n} was accepted after {@code nanos}, for {@code deliveries} mailboxes. */
    void accepted(int n, long nanos, int deliveries) {
        latencyNanos[n] = nanos;
        accepted.incrementAndGet();
        expectedDeliveries.addAndGet(deliveries);
    }

    /** A negative reply to {@code stage} (CONNECT, EHLO, XCLIENT, MAIL, RCPT, DATA, DOT...). */
    void negativeReply(String stage, SmtpReply reply) {
        negativeReplies.computeIfAbsent(stage + " " + reply.code(), k -> new LongAdder()).increment();
    }

    void messageRejected() { rejected.incrementAndGet(); }

    void messageError(String what) {
        errors.incrementAndGet();
        if (errorSamples.size() < MAX_ERROR_SAMPLES && !errorSamples.contains(what)) errorSamples.add(what);
    }

    long accepted() { return accepted.get(); }
    long rejected() { return rejected.get(); }
    long errors() { return errors.get(); }
    long expectedDeliveries() { return expectedDeliveries.get(); }
    List<String> errorSamples() { return List.copyOf(errorSamples); }

    /** Negative replies by "STAGE CODE", sorted. */
    Map<String, Long> negativeReplies() {
        Map<String, Long> m = new TreeMap<>();
        negativeReplies.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Latencies of the accepted messages, in milliseconds: p50, p90, p99, max. */
    LoadReport.Latency latency() {
        long[] ok = Arrays.stream(latencyNanos).filter(v -> v >= 0).sorted().toArray();
        if (ok.length == 0) return new LoadReport.Latency(0, 0, 0, 0);
        return new LoadReport.Latency(ms(percentile(ok, 50)), ms(percentile(ok, 90)),
                ms(percentile(ok, 99)), ms(ok[ok.length - 1]));
    }

    /** Nearest-rank percentile of a sorted, non-empty array. */
    static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) { return nanos / 1e6; }
}
