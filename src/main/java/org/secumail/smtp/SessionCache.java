// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idle sessions kept for reuse, as Postfix's scache(8) with smtp_connection_cache_on_demand:
 * after a transaction and a successful RSET a session waits here up to
 * smtp_connection_cache_time_limit for the next message to the same destination. At most
 * {@value #MAX_IDLE} sessions are kept in all; a session older than
 * smtp_connection_reuse_time_limit, or used smtp_connection_reuse_count_limit times
 * (0 = no limit), is closed instead. Expired sessions are closed on every access and by
 * {@link #sweep}.
 */
final class SessionCache {
    static final int MAX_IDLE = 100;

    private final Duration idleLimit;
    private final Duration reuseTimeLimit;
    private final int reuseCountLimit;
    private final Duration quitTimeout;
    private final Map<String, ArrayDeque<Idle>> idle = new HashMap<>();
    private int count;

    private record Idle(ClientSession session, long sinceNanos) { }

    SessionCache(Duration idleLimit, Duration reuseTimeLimit, int reuseCountLimit, Duration quitTimeout) {
        this.idleLimit = idleLimit;
        this.reuseTimeLimit = reuseTimeLimit;
        this.reuseCountLimit = reuseCountLimit;
        this.quitTimeout = quitTimeout;
    }

    boolean enabled() { return !idleLimit.isZero(); }

    /** An idle session for the destination, or null. */
    ClientSession take(String destination) {
        sweep();
        synchronized (this) {
            ArrayDeque<Idle> q = idle.get(destination);
            if (q == null) return null;
            Idle i = q.pollLast();
            if (q.isEmpty()) idle.remove(destination);
            if (i == null) return null;
            count--;
            return i.session();
        }
    }

    /** Keeps a session (already reset with RSET) or closes it when it may not be reused. */
    void put(String destination, ClientSession cs) {
        long now = System.nanoTime();
        boolean keep = enabled() && now - cs.openedNanos < reuseTimeLimit.toNanos()
                && (reuseCountLimit <= 0 || cs.transactions < reuseCountLimit);
        synchronized (this) {
            if (keep && count < MAX_IDLE) {
                cs.wire.idle();
                idle.computeIfAbsent(destination, k -> new ArrayDeque<>()).addLast(new Idle(cs, now));
                count++;
                return;
            }
        }
        cs.quit(quitTimeout);
    }

    /** Closes sessions idle longer than the limit. */
    void sweep() {
        java.util.List<ClientSession> expired = new java.util.ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            for (Iterator<Map.Entry<String, ArrayDeque<Idle>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
                ArrayDeque<Idle> q = it.next().getValue();
                while (!q.isEmpty() && now - q.peekFirst().sinceNanos() >= idleLimit.toNanos()) {
                    expired.add(q.pollFirst().session());
                    count--;
                }
                if (q.isEmpty()) it.remove();
            }
        }
        for (ClientSession cs : expired) Thread.ofVirtual().start(() -> cs.quit(quitTimeout));
    }

    /** Closes every idle session. */
    void closeAll() {
        java.util.List<ClientSession> all = new java.util.ArrayList<>();
        synchronized (this) {
            idle.values().forEach(q -> q.forEach(i -> all.add(i.session())));
            idle.clear();
            count = 0;
        }
        for (ClientSession cs : all) cs.quit(Duration.ofSeconds(1));
    }

    synchronized int size() { return count; }
}
