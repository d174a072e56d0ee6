// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dashboard's charts: every {@link #INTERVAL_MS} a sample of the running counters
 * (connections, messages accepted, refusals, deliveries) and the queue sizes, the last hour
 * kept (360 samples, a fixed bound), so a page opened now shows the last hour at once. The
 * counters are Micrometer's (secumail_metrics_enable = no leaves them at zero); rates per
 * minute are differences of samples, computed by the page.
 */
final class History {
    static final long INTERVAL_MS = 10_000;
    static final int KEEP = 360;

    /** One sample: counters since the start, queue sizes now. */
    record Sample(long time, double connections, double accepted, double rejected, double delivered,
                  double deferred, double bounced, Map<String, Integer> queue) { }

    private final MeterRegistry registry;
    private final Supplier<Map<String, Integer>> queueSizes;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    History(MeterRegistry registry, Supplier<Map<String, Integer>> queueSizes) {
        this.registry = registry;
        this.queueSizes = queueSizes;
    }

    /** Takes a sample now (the sampler thread, and each summary request for the newest figures). */
    Sample sample(long now) {
        return new Sample(now, sum("secumail.smtpd.connections", null), sum("secumail.messages.accepted", null),
                sum("secumail.smtpd.rejects", null), sum("secumail.deliveries", "sent"),
                sum("secumail.deliveries", "deferred"), sum("secumail.deliveries", "bounced"), queueSizes.get());
    }

    synchronized void record(Sample s) {
        samples.addLast(s);
        while (samples.size() > KEEP) samples.removeFirst();
    }

    synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    /** A counter's total over its tags (or over those with status = the given one). */
    private double sum(String name, String status) {
        double total = 0;
        var search = status == null ? registry.find(name) : registry.find(name).tag("status", status);
        for (Counter c : search.counters()) total += c.count();
        return total;
    }
}
