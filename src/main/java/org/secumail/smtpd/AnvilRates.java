// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.table.LookupException;

/**
 * Postfix's anvil(8) rate limits per client address and service, over anvil_rate_time_unit
 * (60s): smtpd_client_connection_rate_limit (connection attempts), smtpd_client_message_rate_limit
 * (MAIL FROM requests), smtpd_client_recipient_rate_limit (RCPT TO requests) and
 * smtpd_client_new_tls_session_rate_limit (new TLS sessions); 0 means no limit, and clients in
 * smtpd_client_event_limit_exceptions ($mynetworks) are exempt. As in anvil, the counters of one
 * client share one window, which starts with its first event and ends one time unit later.
 * Memory is bounded: at most {@link #MAX_ENTRIES} clients are tracked; when full, expired ones
 * go first, then any, so a flood from many addresses costs a fixed amount of memory.
 */
final class AnvilRates {
    static final int MAX_ENTRIES = 100_000;
    private static final ConcurrentHashMap<String, Entry> ENTRIES = new ConcurrentHashMap<>();

    enum Kind { CONNECTION, MESSAGE, RECIPIENT, NEW_TLS }

    private static final class Entry {
        long start;
        final int[] counts = new int[Kind.values().length];
    }

    private AnvilRates() { }

    private static int limit(SmtpdService svc, Kind kind) {
        return switch (kind) {
            case CONNECTION -> svc.connectionRateLimit;
            case MESSAGE -> svc.messageRateLimit;
            case RECIPIENT -> svc.recipientRateLimit;
            case NEW_TLS -> svc.newTlsRateLimit;
        };
    }

    private static boolean exempt(SmtpdService svc, CheckContext ctx) {
        try {
            return ctx.clientAddress != null && svc.connectionLimitExceptions.matches(ctx.clientAddress, ctx.clientName);
        } catch (LookupException e) {
            return true;   // a table that cannot be read never locks a client out
        }
    }

    /**
     * Counts one event; returns the count in the current window when it is over the limit
     * (the caller refuses and logs it), or 0 when the client may go on.
     */
    static int count(SmtpdService svc, CheckContext ctx, Kind kind) {
        int limit = limit(svc, kind);
        if (limit <= 0 || exempt(svc, ctx)) return 0;
        int n = bump(svc.name + "/" + ctx.clientAddr, svc.anvilTimeUnitMillis, kind, 1);
        return n > limit ? n : 0;
    }

    /** The count so far without adding one (new TLS sessions are checked before, counted after). */
    static int over(SmtpdService svc, CheckContext ctx, Kind kind) {
        int limit = limit(svc, kind);
        if (limit <= 0 || exempt(svc, ctx)) return 0;
        int n = bump(svc.name + "/" + ctx.clientAddr, svc.anvilTimeUnitMillis, kind, 0);
        return n >= limit ? n : 0;
    }

    /** Adds {@code by} to one counter of a client ("service/address"); returns the count in its window. */
    static int bump(String key, long unitMillis, Kind kind, int by) {
        Entry e = ENTRIES.get(key);
        if (e == null) {
            if (ENTRIES.size() >= MAX_ENTRIES) prune(unitMillis);
            e = ENTRIES.computeIfAbsent(key, k -> new Entry());
        }
        long now = System.currentTimeMillis();
        synchronized (e) {
            if (e.start == 0 || now - e.start >= unitMillis) {
                e.start = now;
                java.util.Arrays.fill(e.counts, 0);
            }
            e.counts[kind.ordinal()] += by;
            return e.counts[kind.ordinal()];
        }
    }

    private static void prune(long unit) {
        long now = System.currentTimeMillis();
        ENTRIES.values().removeIf(e -> {
            synchronized (e) {
                return now - e.start >= unit;
            }
        });
        Iterator<String> it = ENTRIES.keySet().iterator();
        while (ENTRIES.size() > MAX_ENTRIES * 3 / 4 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    static int size() { return ENTRIES.size(); }
}
