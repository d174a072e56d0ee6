// SPDX-License-Identifier: Apache-2.0
package org.secumail.metrics;

import com.sun.net.httpserver.HttpServer;
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
import org.secumail.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * secumail_metrics_listen = [host:]port: the Prometheus exposition of {@link Metrics} at
 * "/metrics", over the JDK's HTTP server, one virtual thread per request. Loopback addresses
 * only (a bare port means 127.0.0.1): the dashboard's admin login, which would protect a
 * listener on other addresses, is not built yet, so anything else stops startup.
 */
public final class MetricsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.metrics");

    private final HttpServer http;

    private MetricsHttpServer(HttpServer http) {
        this.http = http;
    }

    public static MetricsHttpServer start(String listen, QueueStore store) throws IOException {
        String host = "127.0.0.1";
        String port = listen;
        int colon = listen.lastIndexOf(':');
        if (colon >= 0) {
            host = listen.substring(0, colon).replace("[", "").replace("]", "");
            port = listen.substring(colon + 1);
        }
        InetSocketAddress bind;
        try {
            bind = new InetSocketAddress(java.net.InetAddress.getByName(host), Integer.parseInt(port));
        } catch (NumberFormatException | java.net.UnknownHostException e) {
            throw new ConfigException("secumail_metrics_listen: bad address \"" + listen + "\"");
        }
        if (!bind.getAddress().isLoopbackAddress()) {
            throw new ConfigException("secumail_metrics_listen: " + listen + " is not a loopback address; metrics are served on loopback only");
        }
        for (String q : new String[] {QueueStore.INCOMING, QueueStore.ACTIVE, QueueStore.DEFERRED, QueueStore.HOLD}) {
            Gauge.builder("secumail.queue.messages", store, s -> envelopes(s.queue(q))).tag("queue", q)
                    .description("messages in the queue directory").register(Metrics.registry());
        }
        HttpServer http = HttpServer.create(bind, 64);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/metrics", ex -> {
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
        });
        http.start();
        LOG.info("metrics on http://{}:{}/metrics", bind.getAddress().getHostAddress(), http.getAddress().getPort());
        return new MetricsHttpServer(http);
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
        http.stop(0);
    }
}
