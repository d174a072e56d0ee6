// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.config.ConfigException;
import org.secumail.queue.QueueAdmin;
import org.secumail.queue.QueueStore;
import org.secumail.queue.QueuedMessage;
import org.secumail.trace.DryRun;
import org.secumail.trace.Trace;
import org.secumail.trace.TraceStore;

/**
 * The dashboard's JSON API (all under /api/, after {@link DashboardAccess}):
 * <pre>
 * GET  summary              counters and queue sizes now, and the last hour's samples
 * GET  queue?q=TEXT         the queue (at most 500 messages), filtered by queue ID, sender or recipient
 * POST queue  action=hold|release|delete|flush [id=QID]   the same operations as secumail queue
 * GET  rejections?limit=N   the newest refused transactions with their traces
 * GET  trace?id=QID         the trace of a queue ID
 * POST explain client= helo= sender= rcpt= (one or more) sasl=   secumail explain, dry
 * </pre>
 */
final class DashboardApi {
    private static final int MAX_QUEUE_LIST = 500;

    record Response(int status, byte[] body) { }

    private final DashboardBackend backend;
    private final DashboardSettings.Sampler history;

    DashboardApi(DashboardBackend backend, DashboardSettings.Sampler history) {
        this.backend = backend;
        this.history = history;
    }

    Response handle(String route, boolean post, Map<String, List<String>> form, String user) throws IOException {
        try {
            return switch (route + (post ? " POST" : " GET")) {
                case "summary GET" -> ok(summary());
                case "queue GET" -> ok(queue(Dashboard.first(form, "q")));
                case "queue POST" -> queueAction(Dashboard.first(form, "action"), Dashboard.first(form, "id"), user);
                case "rejections GET" -> rejections(Dashboard.first(form, "limit"));
                case "trace GET" -> trace(Dashboard.first(form, "id"));
                case "explain POST" -> explain(form, user);
                default -> new Response(404, Json.outcome(false, "no such API: " + route));
            };
        } catch (SQLException e) {
            return new Response(500, Json.outcome(false, "trace store: " + e.getMessage()));
        }
    }

    private static Response ok(byte[] body) {
        return new Response(200, body);
    }

    private byte[] summary() {
        History.Sample now = history.now();
        List<History.Sample> samples = history.history().samples();
        return Json.of(g -> {
            g.writeStartObject();
            g.writeFieldName("now");
            sample(g, now);
            g.writeArrayFieldStart("history");
            for (History.Sample s : samples) sample(g, s);
            g.writeEndArray();
            g.writeNumberField("intervalSeconds", History.INTERVAL_MS / 1000);
            g.writeBooleanField("metricsEnabled", org.secumail.metrics.Metrics.enabled());
            g.writeBooleanField("tracing", backend.traces() != null);
            g.writeEndObject();
        });
    }

    private static void sample(com.fasterxml.jackson.core.JsonGenerator g, History.Sample s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("time", s.time());
        g.writeNumberField("connections", (long) s.connections());
        g.writeNumberField("accepted", (long) s.accepted());
        g.writeNumberField("rejected", (long) s.rejected());
        g.writeNumberField("delivered", (long) s.delivered());
        g.writeNumberField("deferred", (long) s.deferred());
        g.writeNumberField("bounced", (long) s.bounced());
        g.writeObjectFieldStart("queue");
        for (var e : s.queue().entrySet()) g.writeNumberField(e.getKey(), e.getValue());
        g.writeEndObject();
        g.writeEndObject();
    }

    private byte[] queue(String search) throws IOException {
        String q = search.strip().toLowerCase(Locale.ROOT);
        List<QueuedMessage> all = QueueAdmin.all(backend.store());
        List<QueuedMessage> shown = new ArrayList<>();
        for (QueuedMessage m : all) {
            if (shown.size() >= MAX_QUEUE_LIST) break;
            if (q.isEmpty() || matches(m, q)) shown.add(m);
        }
        return Json.of(g -> {
            g.writeStartObject();
            g.writeNumberField("total", all.size());
            g.writeArrayFieldStart("messages");
            for (QueuedMessage m : shown) Json.message(g, m);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static boolean matches(QueuedMessage m, String q) {
        if (m.id().toString().toLowerCase(Locale.ROOT).contains(q) || m.envelope().sender().toLowerCase(Locale.ROOT).contains(q)) return true;
        for (String r : m.envelope().recipients()) if (r.toLowerCase(Locale.ROOT).contains(q)) return true;
        return false;
    }

    private Response queueAction(String action, String id, String user) throws IOException {
        QueueStore store = backend.store();
        QueueAdmin.Outcome o;
        if (action.equals("flush")) {
            int n = QueueAdmin.flush(store);
            backend.wakeQueue();
            o = new QueueAdmin.Outcome(true, "flush: " + n + " deferred message(s) due now");
        } else if (List.of("hold", "release", "delete").contains(action)) {
            QueuedMessage m = QueueAdmin.find(store, id);
            if (m == null) return new Response(404, Json.outcome(false, id + ": no such message in the queue"));
            o = switch (action) {
                case "hold" -> QueueAdmin.hold(store, m);
                case "release" -> QueueAdmin.release(store, m);
                default -> QueueAdmin.delete(store, m);
            };
            if (o.ok() && action.equals("release")) backend.wakeQueue();
        } else {
            return new Response(400, Json.outcome(false, "unknown action \"" + action + "\" (hold, release, delete, flush)"));
        }
        Dashboard.LOG.info("dashboard: {}: queue {}: {}", user, action, o.message());
        return new Response(o.ok() ? 200 : 409, Json.outcome(o.ok(), o.message()));
    }

    private Response rejections(String limit) throws SQLException {
        TraceStore t = backend.traces();
        if (t == null) return new Response(200, Json.of(g -> {
            g.writeStartObject();
            g.writeBooleanField("tracing", false);
            g.writeArrayFieldStart("rejections");
            g.writeEndArray();
            g.writeEndObject();
        }));
        int n = 50;
        try {
            if (!limit.isEmpty()) n = Math.max(1, Math.min(500, Integer.parseInt(limit)));
        } catch (NumberFormatException e) {
            return new Response(400, Json.outcome(false, "limit: not a number"));
        }
        t.flush();
        List<Trace> found = t.refusals(n);
        return ok(Json.of(g -> {
            g.writeStartObject();
            g.writeBooleanField("tracing", true);
            g.writeArrayFieldStart("rejections");
            for (Trace tr : found) Json.trace(g, tr);
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private Response trace(String id) throws SQLException {
        TraceStore t = backend.traces();
        if (t == null) return new Response(404, Json.outcome(false, "tracing is off (secumail_trace_enable = no)"));
        t.flush();
        Trace tr = t.byQueueId(id);
        if (tr == null) return new Response(404, Json.outcome(false, id + ": no trace"));
        return ok(Json.of(g -> Json.trace(g, tr)));
    }

    private Response explain(Map<String, List<String>> form, String user) {
        List<String> rcpts = new ArrayList<>();
        for (String r : form.getOrDefault("rcpt", List.of())) {
            for (String one : r.split("[\\s,]+")) if (!one.isEmpty()) rcpts.add(one);
        }
        String client = Dashboard.first(form, "client").strip();
        if (client.isEmpty() || rcpts.isEmpty() || rcpts.size() > 100) {
            return new Response(400, Json.outcome(false, "give a client address and 1 to 100 recipients"));
        }
        String name = Dashboard.first(form, "client_name").strip();
        String sasl = Dashboard.first(form, "sasl").strip();
        DryRun.Envelope env = new DryRun.Envelope(client, name.isEmpty() ? "unknown" : name, Dashboard.first(form, "helo").strip(),
                Dashboard.first(form, "sender").strip(), sasl.isEmpty() ? null : sasl, rcpts);
        DryRun.Result r;
        try {
            r = backend.explain(env);
        } catch (ConfigException e) {
            return new Response(400, Json.outcome(false, e.getMessage()));
        }
        Dashboard.LOG.info("dashboard: {}: explain client={} from=<{}> to={}: {}", user, client, env.sender(), rcpts, r.decision());
        return ok(Json.of(g -> {
            g.writeStartObject();
            g.writeStringField("decision", r.decision());
            g.writeStringField("reply", r.reply());
            Json.strings(g, "lines", r.lines());
            g.writeEndObject();
        }));
    }
}
