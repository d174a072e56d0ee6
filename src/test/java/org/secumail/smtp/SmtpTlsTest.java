// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.DeliveryResult.Status;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueuedMessage;

/**
 * STARTTLS and SASL inside TLS against a scripted server with a self-signed certificate
 * made by openssl(1): "may" upgrades, PLAIN is allowed inside TLS by the default
 * smtp_sasl_tls_security_options, "verify" refuses the self-signed certificate, and a
 * server whose TLS is broken gets the mail in plain text under "may".
 */
class SmtpTlsTest {
    static SSLContext serverTls;

    @TempDir
    Path dir;
    final List<AutoCloseable> closeMe = new ArrayList<>();

    @BeforeAll
    static void makeCertificate(@TempDir Path certDir) throws Exception {
        Path key = certDir.resolve("key.pem");
        Path cert = certDir.resolve("cert.pem");
        Path p12 = certDir.resolve("server.p12");
        try {
            run(certDir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                    "-days", "2", "-subj", "/CN=mx.tls.test");
            run(certDir, "openssl", "pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(), "-out", p12.toString(),
                    "-passout", "pass:secret", "-name", "server");
        } catch (java.io.IOException e) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError("openssl is needed under CI", e);
            Assumptions.abort("openssl(1) is not available: " + e.getMessage());
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "secret".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "secret".toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + Files.readString(dir.resolve("openssl.log")));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeMe) c.close();
    }

    private SmtpAgent agent(String... extra) {
        MainConfig cfg = MainConfig.fromText("myhostname = me.sender.test\nsmtp_helo_timeout = 5s\n" + String.join("\n", extra) + "\n",
                "main.cf", dir);
        SmtpAgent a = new SmtpAgent(ClientSettings.fromConfig(cfg, false),
                new DnsjavaResolver(List.of("127.0.0.1:9"), Duration.ofSeconds(1)), SaslLogin.fromConfig(cfg), new Random(1));
        closeMe.add(a);
        return a;
    }

    private ScriptedSmtpServer server(boolean workingTls) throws Exception {
        ScriptedSmtpServer[] self = new ScriptedSmtpServer[1];
        ScriptedSmtpServer s = new ScriptedSmtpServer(c -> {
            boolean secure = self[0].tlsSessions.get() > 0;
            if (c.startsWith("EHLO")) {
                return secure ? "250-fake.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN" : "250-fake.test\r\n250-PIPELINING\r\n250 STARTTLS";
            }
            if (c.equals("STARTTLS")) return "220 2.0.0 Ready to start TLS";
            if (c.startsWith("AUTH PLAIN ")) return secure ? "235 2.7.0 Authentication successful" : "538 5.7.11 Encryption required";
            return ScriptedSmtpServer.standard(c, "");
        });
        self[0] = s;
        if (workingTls) s.tls = serverTls;
        closeMe.add(s);
        return s;
    }

    private QueuedMessage message() throws Exception {
        Path file = Files.createTempFile(dir, "msg", ".msg");
        Files.writeString(file, "Subject: tls\r\n\r\nsecret body\r\n", StandardCharsets.US_ASCII);
        return new QueuedMessage(QueueId.next(), "active", Envelope.of("s@sender.test", List.of("a@dest.test"), Instant.now()),
                List.of(new QueuedMessage.Recipient(0, "a@dest.test")), Map.of(), file, file, Files.size(file));
    }

    @Test
    void mayUpgradesAndSaslPlainIsAllowedInsideTls() throws Exception {
        ScriptedSmtpServer srv = server(true);
        String hop = "[127.0.0.1]:" + srv.port();
        QueuedMessage m = message();
        DeliveryResult r = agent("smtp_tls_security_level = may", "smtp_sasl_auth_enable = yes",
                "smtp_sasl_password_maps = inline:{ " + hop + "=user:pw }").deliver(m, hop, m.pending(), m::openContent).get(0);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.SENT);
        assertThat(srv.tlsSessions.get()).isEqualTo(1);
        assertThat(srv.lines).containsSubsequence("EHLO me.sender.test", "STARTTLS", "EHLO me.sender.test", "AUTH PLAIN "
                + java.util.Base64.getEncoder().encodeToString("\0user\0pw".getBytes(StandardCharsets.UTF_8)), "MAIL FROM:<s@sender.test>");
        assertThat(srv.messages.get(0)).contains("secret body");
    }

    @Test
    void verifyRefusesASelfSignedCertificate() throws Exception {
        ScriptedSmtpServer srv = server(true);
        QueuedMessage m = message();
        DeliveryResult r = agent("smtp_tls_security_level = verify").deliver(m, "[127.0.0.1]:" + srv.port(), m.pending(), m::openContent).get(0);
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.7.5");
        assertThat(r.text()).startsWith("TLS handshake with 127.0.0.1[127.0.0.1] failed");
        assertThat(srv.messages).isEmpty();
    }

    @Test
    void mayFallsBackToPlainTextWhenTheHandshakeFails() throws Exception {
        ScriptedSmtpServer srv = server(false);   // says 220 to STARTTLS, then talks plain text
        QueuedMessage m = message();
        DeliveryResult r = agent("smtp_tls_security_level = may", "smtp_connect_timeout = 2s", "smtp_starttls_timeout = 2s")
                .deliver(m, "[127.0.0.1]:" + srv.port(), m.pending(), m::openContent).get(0);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.SENT);
        assertThat(srv.connections.get()).isEqualTo(2);
        assertThat(srv.messages.get(0)).contains("secret body");
    }
}
