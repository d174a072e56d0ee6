// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.table.LookupException;

/**
 * Concurrent connection counts per client address (Postfix's anvil(8) with
 * smtpd_client_connection_count_limit, default 50; clients in
 * smtpd_client_event_limit_exceptions, default $mynetworks, are exempt). The listener counts
 * the total against the service's process limit (master.cf maxproc).
 */
final class ConnectionLimits {
    private static final ConcurrentHashMap<String, AtomicInteger> PER_CLIENT = new ConcurrentHashMap<>();

    private ConnectionLimits() { }

    /** Registers the connection; returns a refusal text, or null when the client may go on. */
    static String refusal(SmtpdService svc, CheckContext ctx) {
        String key = svc.name + "/" + ctx.clientAddr;
        int n = PER_CLIENT.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (svc.clientConnectionLimit <= 0 || n <= svc.clientConnectionLimit) return null;
        try {
            if (svc.connectionLimitExceptions.matches(ctx.clientAddress, ctx.clientName)) return null;
        } catch (LookupException e) {
            return null;
        }
        return "too many connections from " + ctx.clientAddr;
    }

    /** Called when a session ends. */
    static void release(SmtpdService svc, String clientAddr) {
        String key = svc.name + "/" + clientAddr;
        PER_CLIENT.computeIfPresent(key, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }
}
