// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * qmgr(8)'s per-destination limits: at most {@code limit} deliveries to one destination at
 * once (default_destination_concurrency_limit, smtp_destination_concurrency_limit) and,
 * with a rate delay (default_destination_rate_delay), one delivery at a time with that
 * pause between them. Entries exist only while a destination is in use, so the map stays
 * as small as the number of destinations being delivered to.
 */
final class DestinationGate {
    private final int limit;
    private final Duration rateDelay;
    private final Map<String, Entry> entries = new HashMap<>();

    private static final class Entry {
        final Semaphore permits;
        int users;
        long nextStartNanos;

        Entry(int n) { permits = new Semaphore(n, true); }
    }

    DestinationGate(int limit, Duration rateDelay) {
        this.limit = limit;
        this.rateDelay = rateDelay;
    }

    /** Waits for a slot; the caller must {@link #release} it. */
    void acquire(String destination) throws InterruptedException {
        Entry e;
        synchronized (this) {
            if (!rateDelay.isZero()) {
                // entries kept only for a pending rate delay go once the delay is over
                long now = System.nanoTime();
                entries.values().removeIf(x -> x.users == 0 && now >= x.nextStartNanos);
            }
            // Postfix: with a rate delay the destination concurrency is 1
            e = entries.computeIfAbsent(destination, k -> new Entry(rateDelay.isZero() ? limit : 1));
            e.users++;
        }
        try {
            e.permits.acquire();
        } catch (InterruptedException ie) {
            done(destination, e);
            throw ie;
        }
        if (!rateDelay.isZero()) {
            long wait;
            synchronized (this) {
                wait = e.nextStartNanos - System.nanoTime();
            }
            if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
        }
    }

    void release(String destination) {
        Entry e;
        synchronized (this) {
            e = entries.get(destination);
            if (e == null) return;
            if (!rateDelay.isZero()) e.nextStartNanos = System.nanoTime() + rateDelay.toNanos();
        }
        e.permits.release();
        done(destination, e);
    }

    private synchronized void done(String destination, Entry e) {
        // keep the entry while its rate delay runs, or the next delivery would skip the pause
        if (--e.users == 0 && (rateDelay.isZero() || System.nanoTime() >= e.nextStartNanos)) entries.remove(destination);
    }

    /** Destinations with an entry (for tests and logs). */
    synchronized int size() { return entries.size(); }
}
