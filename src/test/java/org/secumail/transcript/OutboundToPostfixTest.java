// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.secumail.smtp.SmtpAgent;

/**
 * SecuMail's smtp(8) agent against a real Postfix smtpd (the private instance of
 * scripts/postfix-instance.sh) as the receiving side: STARTTLS with
 * smtp_tls_security_level = encrypt, one recipient accepted and one refused in the same
 * transaction, and Postfix's SIZE honoured before anything is sent.
 */
class OutboundToPostfixTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsPostfix() {
        String unavailable = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (unavailable != null && DifferentialTest.underCi()) {
            throw new AssertionError("CI is set, so the outbound Postfix test may not be skipped: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    }

    private Path[] certificate() throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-days", "2", "-subj", "/CN=mx.example.test").redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("openssl.log"))).isZero();
        return new Path[] {cert, key};
    }

    private QueuedMessage message(String... rcpts) throws Exception {
        Path file = dir.resolve("content");
        Files.writeString(file, "From: alice@sender.test\r\nSubject: to postfix\r\n\r\n.dot\r\nbody\r\n", StandardCharsets.US_ASCII);
        List<QueuedMessage.Recipient> rs = new ArrayList<>();
        for (int i = 0; i < rcpts.length; i++) rs.add(new QueuedMessage.Recipient(i, rcpts[i]));
        return new QueuedMessage(QueueId.next(), "active", Envelope.of("alice@sender.test", List.of(rcpts), Instant.now()), rs,
                Map.of(), file, file, Files.size(file));
    }

    @Test
    void starttlsMixedRecipientsAndSizeAgainstPostfix() throws Exception {
        Path[] pem = certificate();
        String base = TranscriptSuite.baseMainCf(TranscriptSuite.directory());
        String extra = String.join("\n", "mydestination = dest.test", "smtpd_tls_security_level = may",
                "smtpd_tls_cert_file = " + pem[0], "smtpd_tls_key_file = " + pem[1], "smtpd_tls_loglevel = 1",
                "smtpd_recipient_restrictions = check_recipient_access inline:{ bad@dest.test=REJECT }, reject_unauth_destination",
                "local_recipient_maps =", "");
        try (PostfixInstance pf = PostfixInstance.start(PostfixInstance.defaultScript(), base + extra)) {
            MainConfig cfg = MainConfig.fromText("myhostname = mx.sender.test\nsmtp_tls_security_level = encrypt\n", "main.cf", dir);
            String hop = "[127.0.0.1]:" + pf.port();
            String relay = "127.0.0.1[127.0.0.1]:" + pf.port();
            long mark = pf.maillogSize();
            try (SmtpAgent agent = SmtpAgent.smtp(cfg, new DnsjavaResolver(List.of("127.0.0.1:9"), Duration.ofSeconds(1)))) {
                QueuedMessage m = message("good@dest.test", "bad@dest.test");
                List<DeliveryResult> r = agent.deliver(m, hop, m.pending(), m::openContent);
                assertThat(r.get(0).status()).as(r.toString()).isEqualTo(Status.SENT);
                assertThat(r.get(0).relay()).isEqualTo(relay);
                assertThat(r.get(0).text()).startsWith("250 2.0.0 Ok: queued as ");
                assertThat(r.get(1)).isEqualTo(DeliveryResult.bounced("5.7.1", relay, "host 127.0.0.1[127.0.0.1] said: 554 5.7.1 "
                        + "<bad@dest.test>: Recipient address rejected: Access denied (in reply to RCPT TO command)"));
                String queueId = r.get(0).text().substring("250 2.0.0 Ok: queued as ".length());
                String log = "";
                for (int i = 0; i < 100 && !log.contains(queueId + ": to=<good@dest.test>"); i++) {
                    Thread.sleep(100);
                    log = pf.maillogSince(mark);
                }
                assertThat(log).contains("Anonymous TLS connection established from").contains(queueId + ": to=<good@dest.test>")
                        .doesNotContain(queueId + ": to=<bad@dest.test>");
            }
            pf.reload(base + extra + "message_size_limit = 40\n");
            try (SmtpAgent agent = SmtpAgent.smtp(cfg, new DnsjavaResolver(List.of("127.0.0.1:9"), Duration.ofSeconds(1)))) {
                QueuedMessage m = message("good@dest.test");
                DeliveryResult r = agent.deliver(m, hop, m.pending(), m::openContent).get(0);
                assertThat(r).isEqualTo(DeliveryResult.bounced("5.3.4", relay, "message size " + m.size()
                        + " exceeds size limit 40 of server 127.0.0.1[127.0.0.1]"));
            }
        }
    }
}
