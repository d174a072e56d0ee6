// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.queue.DeliveryResult;

/**
 * Postfix's qmgr throttling of a dead destination: when no server of a destination could be
 * reached at all, the destination is "dead" for minimal_backoff_time, and its other messages
 * are deferred at once with "delivery temporarily suspended: REASON" instead of each waiting
 * for the same connect timeouts. That keeps a flood of mail to one unreachable domain from
 * holding every delivery slot (the queue manager's slots are shared by all destinations).
 * A successful delivery to the destination revives it at once.
 */
final class DeadDestinations {
    /** Bound on remembered destinations; the oldest entries are simply forgotten beyond it. */
    private static final int LIMIT = 10_000;

    private record Dead(long untilNanos, DeliveryResult why) { }

    private final ConcurrentHashMap<String, Dead> dead = new ConcurrentHashMap<>();
    private final long nanos;

    DeadDestinations(Duration time) {
        this.nanos = Math.max(0, time.toNanos());
    }

    /** The deferral for a destination that is dead now, or null. */
    DeliveryResult suspended(String key) {
        Dead d = dead.get(key);
        if (d == null) return null;
        if (System.nanoTime() - d.untilNanos >= 0) {
            dead.remove(key, d);
            return null;
        }
        return d.why;
    }

    /** No server of {@code key} could be reached; {@code failure} is the last connect failure. */
    void markDead(String key, DeliveryResult failure) {
        if (nanos == 0) return;
        if (dead.size() >= LIMIT) {
            long now = System.nanoTime();
            dead.values().removeIf(d -> now - d.untilNanos >= 0);
            if (dead.size() >= LIMIT) dead.clear();
        }
        dead.put(key, new Dead(System.nanoTime() + nanos,
                DeliveryResult.deferred(failure.dsn(), "none", "delivery temporarily suspended: " + failure.text())));
    }

    /** A delivery to {@code key} worked: it is alive. */
    void alive(String key) {
        dead.remove(key);
    }
}
