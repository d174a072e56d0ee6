// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.MainConfig;

/**
 * Counts SMTP AUTH failures and AUTH commands per client IP address, shared by every session of
 * every smtpd service (one per running server), against password guessing:
 * secumail_auth_failure_limit failures within secumail_auth_failure_window block further AUTH
 * from that address until the window has passed (the session is closed with 421), and
 * smtpd_client_auth_rate_limit caps AUTH commands per anvil_rate_time_unit, as Postfix's anvil
 * does. Memory is bounded: at most {@link #MAX_ENTRIES} addresses are tracked; when full, expired
 * entries are dropped first, then the oldest windows.
 */
public final class AuthGuard {
    static final int MAX_ENTRIES = 20_000;

    private final int failureLimit;
    private final long windowMillis;
    private final int rateLimit;
    private final long rateUnitMillis;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        long failureStart;
        int failures;
        long rateStart;
        int attempts;
    }

    public AuthGuard(int failureLimit, Duration window, int rateLimit, Duration rateUnit, Clock clock) {
        this.failureLimit = failureLimit;
        this.windowMillis = window.toMillis();
        this.rateLimit = rateLimit;
        this.rateUnitMillis = Math.max(1, rateUnit.toMillis());
        this.clock = clock;
    }

    public static AuthGuard fromConfig(MainConfig cfg) {
        return new AuthGuard(cfg.integer("secumail_auth_failure_limit"), cfg.duration("secumail_auth_failure_window"),
                cfg.integer("smtpd_client_auth_rate_limit"), cfg.duration("anvil_rate_time_unit"), Clock.systemUTC());
    }

    /** True while the address has reached the failure limit within the window. */
    public boolean blocked(String addr) {
        if (failureLimit <= 0) return false;
        Entry e = entries.get(addr);
        if (e == null) return false;
        synchronized (e) {
            return e.failures >= failureLimit && clock.millis() - e.failureStart < windowMillis;
        }
    }

    /** Records one failure; returns the failures of this address within the current window. */
    public int recordFailure(String addr) {
        if (failureLimit <= 0) return 0;
        Entry e = entry(addr);
        long now = clock.millis();
        synchronized (e) {
            if (e.failures == 0 || now - e.failureStart >= windowMillis) {
                e.failureStart = now;
                e.failures = 0;
            }
            return ++e.failures;
        }
    }

    public int failureLimit() { return failureLimit; }

    /** Counts one AUTH command; false when smtpd_client_auth_rate_limit is exceeded. */
    public boolean allowAttempt(String addr) {
        if (rateLimit <= 0) return true;
        Entry e = entry(addr);
        long now = clock.millis();
        synchronized (e) {
            if (e.attempts == 0 || now - e.rateStart >= rateUnitMillis) {
                e.rateStart = now;
                e.attempts = 0;
            }
            return ++e.attempts <= rateLimit;
        }
    }

    int size() { return entries.size(); }

    private Entry entry(String addr) {
        Entry e = entries.get(addr);
        if (e != null) return e;
        if (entries.size() >= MAX_ENTRIES) prune();
        return entries.computeIfAbsent(addr, k -> new Entry());
    }

    /** Drops expired entries; if still full, drops entries until a quarter is free. */
    private void prune() {
        long now = clock.millis();
        entries.values().removeIf(e -> {
            synchronized (e) {
                return now - e.failureStart >= windowMillis && now - e.rateStart >= rateUnitMillis;
            }
        });
        Iterator<String> it = entries.keySet().iterator();
        while (entries.size() > MAX_ENTRIES * 3 / 4 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
