// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of one run, printable as text for people or as one JSON object for scripts.
 *
 * @param settings     what was asked for
 * @param accepted     messages answered 250 after the final "."
 * @param rejected     messages ended by a 4xx/5xx reply
 * @param errors       messages lost to an I/O error or timeout
 * @param negativeReplies every 4xx/5xx reply, by "COMMAND CODE"
 * @param errorSamples the first few distinct I/O error descriptions
 * @param wallSeconds  first connect to last reply
 * @param latency      per-message latency of the accepted messages
 * @param delivery     Maildir delivery figures, or null when not waited for
 * @param idle         idle-connection figures, or null for a sending run
 */
public record LoadReport(LoadSettings settings, long accepted, long rejected, long errors,
                         Map<String, Long> negativeReplies, List<String> errorSamples,
                         double wallSeconds, Latency latency, Delivery delivery, Idle idle) {

    /** Latency percentiles in milliseconds (nearest rank). */
    public record Latency(double p50, double p90, double p99, double max) { }

    /**
     * @param expected  new Maildir files awaited (distinct recipients of accepted messages)
     * @param delivered new files seen since the run started (any writer's files count)
     * @param seconds   from the first connect until the last awaited file appeared, or until
     *                  the wait gave up
     */
    public record Delivery(long expected, long delivered, double seconds) {
        public boolean complete() { return delivered >= expected; }

        public double perSecond() { return seconds > 0 ? Math.min(delivered, expected) / seconds : 0; }
    }

    /**
     * @param requested    connections asked for
     * @param established  connections that got a 2xx greeting
     * @param failed       connections that failed or got a negative greeting
     * @param holdSeconds  how long they were held open
     * @param stillServing connections that answered QUIT with 221 after the hold
     */
    public record Idle(int requested, long established, long failed, double holdSeconds, long stillServing) { }

    /** Messages never tried because the run timeout came first. */
    public long notAttempted() {
        return idle != null ? 0 : Math.max(0, settings.messages() - accepted - rejected - errors);
    }

    public double acceptedPerSecond() { return wallSeconds > 0 ? accepted / wallSeconds : 0; }

    /** True when every message was accepted (and delivered, when waited for) or every idle
     *  connection was established and still served. */
    public boolean success() {
        if (idle != null) return idle.established() == idle.requested() && idle.stillServing() == idle.requested();
        boolean sent = accepted == settings.messages() && rejected == 0 && errors == 0;
        return sent && (delivery == null || delivery.complete());
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        LoadSettings s = settings;
        if (idle != null) {
            sb.append(f("idle connections to %s:%d: requested %d, established %d, failed %d,"
                    + " held %.1f s, still serving after hold %d%n", s.host(), s.port(), idle.requested(),
                    idle.established(), idle.failed(), idle.holdSeconds(), idle.stillServing()));
        } else {
            sb.append(f("sent to %s:%d: %d messages of %d bytes, %d recipient(s), %d session(s),"
                    + " %d message(s) per session%n", s.host(), s.port(), s.messages(), s.size(),
                    s.recipients(), s.concurrency(), s.perSession()));
            sb.append(f("accepted %d, rejected %d, errors %d in %.3f s: %.1f msg/s%n",
                    accepted, rejected, errors, wallSeconds, acceptedPerSecond()));
            if (notAttempted() > 0) sb.append(f("not attempted (run timeout): %d%n", notAttempted()));
            sb.append(f("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                    latency.p50(), latency.p90(), latency.p99(), latency.max()));
            if (delivery != null) {
                sb.append(f("delivered %d of %d in %.3f s: %.1f msg/s%s%n", delivery.delivered(),
                        delivery.expected(), delivery.seconds(), delivery.perSecond(),
                        delivery.complete() ? "" : " (INCOMPLETE: wait timed out)"));
            }
        }
        negativeReplies.forEach((k, v) -> sb.append(f("negative reply %s: %d%n", k, v)));
        errorSamples.forEach(e -> sb.append("error: ").append(e).append(System.lineSeparator()));
        return sb.toString();
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        LoadSettings s = settings;
        field(sb, "mode", idle != null ? "idle" : s.sessionsOnly() ? "sessions" : "send");
        field(sb, "host", s.host());
        num(sb, "port", s.port());
        if (idle != null) {
            sb.append("\"idle\":{");
            num(sb, "requested", idle.requested());
            num(sb, "established", idle.established());
            num(sb, "failed", idle.failed());
            num(sb, "hold_seconds", idle.holdSeconds());
            num(sb, "still_serving", idle.stillServing());
            close(sb).append(',');
        } else {
            num(sb, "messages", s.messages());
            num(sb, "concurrency", s.concurrency());
            num(sb, "size", s.size());
            num(sb, "recipients", s.recipients());
            num(sb, "per_session", s.perSession());
            num(sb, "accepted", accepted);
            num(sb, "rejected", rejected);
            num(sb, "errors", errors);
            num(sb, "not_attempted", notAttempted());
            num(sb, "wall_seconds", wallSeconds);
            num(sb, "accepted_per_second", acceptedPerSecond());
            sb.append("\"latency_ms\":{");
            num(sb, "p50", latency.p50());
            num(sb, "p90", latency.p90());
            num(sb, "p99", latency.p99());
            num(sb, "max", latency.max());
            close(sb).append(',');
            if (delivery != null) {
                sb.append("\"delivery\":{");
                num(sb, "expected", delivery.expected());
                num(sb, "delivered", delivery.delivered());
                num(sb, "seconds", delivery.seconds());
                num(sb, "delivered_per_second", delivery.perSecond());
                sb.append("\"complete\":").append(delivery.complete()).append(',');
                close(sb).append(',');
            }
        }
        sb.append("\"negative_replies\":{");
        negativeReplies.forEach((k, v) -> num(sb, k, v));
        close(sb).append(',');
        sb.append("\"error_samples\":[");
        for (int i = 0; i < errorSamples.size(); i++) {
            if (i > 0) sb.append(',');
            quote(sb, errorSamples.get(i));
        }
        sb.append("],\"success\":").append(success()).append('}');
        return sb.toString();
    }

    private static String f(String format, Object... args) { return String.format(Locale.ROOT, format, args); }

    private static void field(StringBuilder sb, String name, String value) {
        quote(sb, name);
        sb.append(':');
        quote(sb, value);
        sb.append(',');
    }

    private static void num(StringBuilder sb, String name, double value) {
        quote(sb, name);
        sb.append(':').append(value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3f", value)).append(',');
    }

    /** Replaces a trailing comma with the closing brace. */
    private static StringBuilder close(StringBuilder sb) {
        if (sb.charAt(sb.length() - 1) == ',') sb.setLength(sb.length() - 1);
        return sb.append('}');
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
