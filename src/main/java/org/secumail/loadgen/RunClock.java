// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Wall-clock span of a run: from just before the first connect to the last SMTP reply
 * received by any session, which is what the messages/second figure divides by.
 */
final class RunClock {
    private final long startNanos = System.nanoTime();
    private final AtomicLong lastReplyNanos = new AtomicLong(startNanos);

    long startNanos() { return startNanos; }

    void replyReceived() {
        long now = System.nanoTime();
        lastReplyNanos.accumulateAndGet(now, Math::max);
    }

    /** Seconds from the start to the last reply (0 when nothing was received). */
    double seconds() {
        return (lastReplyNanos.get() - startNanos) / 1e9;
    }
}
