// SPDX-License-Identifier: Apache-2.0
package org.secumail.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.smtpd.LineClient;

/**
 * secumail_metrics_listen: /metrics is scraped over HTTP and parsed with the text-format parser
 * of the Prometheus Python client library (Debian's python3-prometheus-client); the counters move
 * when a message is accepted, a recipient refused and a delivery made, and the queue gauges are
 * there. A listener on a non-loopback address stops startup.
 */
class MetricsTest {
    @Test
    void withMetricsDisabledNothingIsCountedOrTimed() {
        try {
            Metrics.enable(false);
            Metrics.count("secumail.test.disabled", "k", "v");
            Metrics.time("secumail.test.disabled.time", java.time.Duration.ofMillis(3));
            assertThat(Metrics.scrape()).doesNotContain("secumail_test_disabled");
            Metrics.enable(true);
            Metrics.count("secumail.test.disabled", "k", "v");
            assertThat(Metrics.scrape()).contains("secumail_test_disabled_total{k=\"v\"} 1.0");
        } finally {
            Metrics.enable(true);
        }
    }

    @TempDir
    Path dir;

    private MainConfig config(String listen) {
        return MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_peername_lookup = no",
                "secumail_metrics_listen = " + listen, ""), "main.cf", dir);
    }

    /** The samples of one scrape, "name{labels}" to value, as the Prometheus client's parser reads them. */
    private static Map<String, Double> parse(String exposition) throws Exception {
        String script = String.join("\n", "import sys", "from prometheus_client.parser import text_string_to_metric_families",
                "for f in text_string_to_metric_families(sys.stdin.read()):", "    for s in f.samples:",
                "        labels = ','.join('%s=%s' % kv for kv in sorted(s.labels.items()))",
                "        print('%s{%s}\\t%r' % (s.name, labels, s.value))", "");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the Prometheus parser: " + err).isZero();
        Map<String, Double> m = new HashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            m.put(f[0], Double.parseDouble(f[1]));
        }
        return m;
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    @Test
    void countersMoveWithMailAndTheTextParses() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3");
        try (Server server = Server.start(config("127.0.0.1:0"), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int port = server.metrics().port();
            Map<String, Double> before = parse(scrape(port));
            try (LineClient c = new LineClient(server.listeners().get(0).port())) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<a@client.example>");
                assertThat(c.cmd("RCPT TO:<nobody@example.test>")).startsWith("550");
                assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250");
                c.cmd("DATA");
                assertThat(c.cmd("Subject: m\r\n\r\nhello\r\n.")).startsWith("250");
                c.cmd("QUIT");
            }
            Map<String, Double> after = before;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                after = parse(scrape(port));
                // the delivery is counted and its delay observed one after the other: wait for both
                if (delta(before, after, "secumail_deliveries_total{status=sent}") >= 1
                        && delta(before, after, "secumail_delivery_delay_seconds_count{}") >= 1) break;
                Thread.sleep(100);
            }
            assertThat(delta(before, after, "secumail_smtpd_connections_total{service=127.0.0.1:0}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_messages_accepted_total{}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_smtpd_rejects_total{restriction=smtpd_reject_unlisted_recipient,stage=RCPT}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_smtpd_replies_total{code=550}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_smtpd_replies_total{code=250}")).isGreaterThanOrEqualTo(4);
            assertThat(delta(before, after, "secumail_deliveries_total{status=sent}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_delivery_delay_seconds_count{}")).isEqualTo(1);
            assertThat(after).containsKey("secumail_queue_messages{queue=deferred}");
            assertThat(delta(before, after, "secumail_check_seconds_count{restriction=permit_mynetworks}")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void refusalsAreCountedByTheRestrictionThatDecided() throws Exception {
        MainConfig cfg = config("127.0.0.1:0").withOverrides(java.util.Map.of("smtpd_sender_restrictions",
                "check_sender_access inline:{ bad@client.example=REJECT }", "mynetworks", "192.0.2.0/24"));
        try (Server server = Server.start(cfg, MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            Map<String, Double> before = parse(scrape(server.metrics().port()));
            try (LineClient c = new LineClient(server.listeners().get(0).port())) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<a@client.example>");
                assertThat(c.cmd("RCPT TO:<someone@elsewhere.example>")).startsWith("454");   // defer_unauth_destination (compatibility_level 3.6)
                c.cmd("RSET");
                c.cmd("MAIL FROM:<bad@client.example>");
                assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("554");
                c.cmd("QUIT");
            }
            Map<String, Double> after = parse(scrape(server.metrics().port()));
            assertThat(delta(before, after, "secumail_smtpd_rejects_total{restriction=defer_unauth_destination,stage=RCPT}")).isEqualTo(1);
            assertThat(delta(before, after, "secumail_smtpd_rejects_total{restriction=check_sender_access,stage=RCPT}")).isEqualTo(1);
        }
    }

    @Test
    void onlyOnLoopback() {
        assertThatThrownBy(() -> Server.start(config("192.0.2.1:9025"), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("loopback");
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
        return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
    }
}
