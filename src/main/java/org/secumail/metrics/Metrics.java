// SPDX-License-Identifier: Apache-2.0
package org.secumail.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The process's meters (Micrometer, Prometheus registry), named as Prometheus names them
 * (snake case, "_total" counters, base units in "_seconds"), all under "secumail_":
 * <ul>
 * <li>secumail_smtpd_connections_total{service}: sessions smtpd started;</li>
 * <li>secumail_smtpd_replies_total{code}: every reply smtpd sent, by its code;</li>
 * <li>secumail_smtpd_rejects_total{stage,restriction}: refusals by the command they answered
 *     (MAIL, RCPT, DATA, END-OF-MESSAGE) and what decided: the restriction's name
 *     (reject_unauth_destination, check_client_access, "access_table" for a bare map),
 *     smtpd_reject_unlisted_recipient, defer_if_permit, "content" (a content check or milter at
 *     the end of data);</li>
 * <li>secumail_messages_accepted_total: messages queued (the 250 after DATA);</li>
 * <li>secumail_deliveries_total{status}: delivery attempts per recipient: sent, deferred,
 *     bounced;</li>
 * <li>secumail_delivery_delay_seconds: arrival to successful delivery;</li>
 * <li>secumail_queue_messages{queue}: messages in incoming, active, deferred and hold;</li>
 * <li>secumail_dns_lookup_seconds{type} and secumail_dns_failures_total{type,status};</li>
 * <li>secumail_smtpd_auth_total{result}, secumail_tls_sessions_total{protocol};</li>
 * <li>secumail_content_verdicts_total{check,action}: the content checks' decisions;</li>
 * <li>secumail_greylist_decisions_total{action,reason}: greylist passes and deferrals;</li>
 * <li>secumail_check_seconds{restriction}: the time each restriction takes.</li>
 * </ul>
 * One registry per process: the counters count everything since the start, as Prometheus
 * expects of counters.
 */
public final class Metrics {
    private Metrics() { }

    private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public static PrometheusMeterRegistry registry() { return REGISTRY; }

    /** The exposition text (format 0.0.4). */
    public static String scrape() { return REGISTRY.scrape(); }

    /**
     * secumail_metrics_enable: with "no" nothing is counted or timed (the meters stay at zero),
     * which is how bench/observability-cost.sh measures what metrics cost.
     */
    private static volatile boolean enabled = true;

    public static void enable(boolean on) { enabled = on; }

    public static boolean enabled() { return enabled; }

    public static void count(String name, String... tags) {
        if (!enabled) return;
        Counter.builder(name).tags(tags).register(REGISTRY).increment();
    }

    public static void time(String name, Duration d, String... tags) {
        if (!enabled) return;
        Timer.builder(name).tags(tags).publishPercentileHistogram().register(REGISTRY).record(d);
    }
}
