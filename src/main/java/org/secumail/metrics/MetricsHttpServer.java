// SPDX-License-Identifier: Apache-2.0
package org.secumail.metrics;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import org.secumail.config.ConfigException;
import org.secumail.dashboard.Dashboard;
import org.secumail.dashboard.DashboardBackend;
import org.secumail.dashboard.DashboardSettings;
import org.secumail.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * secumail_metrics_listen = [host:]port: the Prometheus exposition of {@link Metrics} at
 * "/metrics" and the web dashboard ({@link org.secumail.dashboard.Dashboard}) at "/", over the
 * JDK's HTTP server (HTTPS with secumail_dashboard_tls = yes), one virtual thread per request.
 * A bare port means 127.0.0.1. On a loopback address local clients need no login; any other
 * address needs TLS and the admin login (see {@link DashboardSettings}), else startup stops.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.metrics");

    private static final java.util.concurrent.atomic.AtomicReference<QueueStore> STORE = new java.util.concurrent.atomic.AtomicReference<>();

    private final HttpServer http;
    private final DashboardSettings dashboard;

    private MetricsHttpServer(HttpServer http, DashboardSettings dashboard) {
        this.http = http;
        this.dashboard = dashboard;
    }

    /** Metrics only, on loopback (tests). */
    public static MetricsHttpServer start(String listen, QueueStore store) throws IOException {
        return start(listen, store, null, null);
    }

    /**
     * @param dashboard the dashboard's settings, or null for /metrics alone (loopback only then)
     * @param backend   what the dashboard works on (with dashboard)
     */
    public static MetricsHttpServer start(String listen, QueueStore store, DashboardSettings dashboard, DashboardBackend backend)
            throws IOException {
        InetSocketAddress bind = address(listen);
        if (dashboard == null && !bind.getAddress().isLoopbackAddress()) {
            throw new ConfigException("secumail_metrics_listen: " + listen + " is not a loopback address");
        }
        // Micrometer keeps the first gauge registered under a name and tags: the gauges read the
        // store of the newest listener (one per process in production; tests start several)
        STORE.set(store);
        for (String q : new String[] {QueueStore.INCOMING, QueueStore.ACTIVE, QueueStore.DEFERRED, QueueStore.HOLD}) {
            Gauge.builder("secumail.queue.messages", STORE, s -> envelopes(s.get().queue(q))).tag("queue", q)
                    .description("messages in the queue directory").register(Metrics.registry());
        }
        HttpServer http;
        if (dashboard != null && dashboard.tls()) {
            HttpsServer https = HttpsServer.create(bind, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(dashboard.sslContext()));
            http = https;
        } else {
            http = HttpServer.create(bind, 64);
        }
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        HttpHandler metrics = MetricsHttpServer::metrics;
        http.createContext("/metrics", dashboard == null ? metrics : Dashboard.guarded(dashboard, metrics));
        if (dashboard != null && dashboard.enabled()) Dashboard.install(http, dashboard, backend);
        http.start();
        String scheme = dashboard != null && dashboard.tls() ? "https" : "http";
        LOG.info("metrics on {}://{}:{}/metrics{}", scheme, bind.getAddress().getHostAddress(), http.getAddress().getPort(),
                dashboard != null && dashboard.enabled() ? ", dashboard on " + scheme + "://" + bind.getAddress().getHostAddress()
                        + ":" + http.getAddress().getPort() + "/" : "");
        return new MetricsHttpServer(http, dashboard);
    }

    /** secumail_metrics_listen as an address: [host:]port, host may be [v6]. */
    public static InetSocketAddress address(String listen) {
        String host = "127.0.0.1";
        String port = listen;
        int colon = listen.lastIndexOf(':');
        if (colon >= 0) {
            host = listen.substring(0, colon).replace("[", "").replace("]", "");
            port = listen.substring(colon + 1);
        }
        try {
            return new InetSocketAddress(java.net.InetAddress.getByName(host), Integer.parseInt(port));
        } catch (NumberFormatException | java.net.UnknownHostException e) {
            throw new ConfigException("secumail_metrics_listen: bad address \"" + listen + "\"");
        }
    }

    private static void metrics(com.sun.net.httpserver.HttpExchange ex) throws IOException {
            try (ex) {
                if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                    ex.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = Metrics.scrape().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
                if (!ex.getRequestMethod().equals("HEAD")) {
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                }
            }
    }

    public int port() { return http.getAddress().getPort(); }

    /** Messages in a queue directory: its envelope files. */
    private static double envelopes(Path dir) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.env")) {
            for (Path ignored : ds) n++;
        } catch (IOException e) {
            return Double.NaN;
        }
        return n;
    }

    @Override
    public void close() {
        if (dashboard != null) dashboard.history().stop();
        http.stop(0);
    }
}
