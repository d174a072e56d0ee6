// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * Starts SecuMail on loopback for TLS and AUTH tests: one smtpd service per master.cf line,
 * a self-signed certificate made in the temp data directory, and the {@link FakeSaslBackend}
 * (user "alice@example.test" with password "secret", "bob@example.test" with "hunter2").
 */
public final class TlsAuthFixture implements AutoCloseable {
    public final Path dir;
    public final Server server;
    public final FakeSaslBackend backend = new FakeSaslBackend(Map.of("alice@example.test", "secret", "bob@example.test", "hunter2"));

    /** Base main.cf; {@code extra} lines are appended (later lines win). */
    public static String mainCf(Path dir, String... extra) {
        return String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 192.0.2.0/24",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9",
                "secumail_dns_timeout = 1s",
                "smtpd_peername_lookup = no",
                "smtpd_tls_security_level = may",
                "smtpd_sasl_auth_enable = yes",
                "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
                "secumail_auth_failure_delay = 0s",
                "secumail_auth_tarpit_delay = 0s",
                "smtpd_error_sleep_time = 0s",
                String.join("\n", extra),
                "");
    }

    public TlsAuthFixture(Path dir, String mainCf, String masterCf) throws IOException {
        this.dir = dir;
        this.server = Server.start(MainConfig.fromText(mainCf, "main.cf", dir), MasterConfig.parse(masterCf, "master.cf", 100), cfg -> backend);
    }

    public int port(int listener) { return server.listeners().get(listener).port(); }

    /** Waits for a delivered message in user1's Maildir containing {@code text}; returns all delivered text. */
    public String awaitDelivered(String text) throws Exception {
        Path d = dir.resolve("mail/user1/new");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String all = "";
        while (System.nanoTime() < deadline) {
            all = readAll(d);
            if (all.contains(text)) return all;
            Thread.sleep(50);
        }
        return all;
    }

    private static String readAll(Path d) throws IOException {
        if (!Files.isDirectory(d)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.sorted().toList()) sb.append(Files.readString(p, StandardCharsets.UTF_8)).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() { server.close(); }
}
