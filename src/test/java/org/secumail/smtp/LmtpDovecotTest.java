// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
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
 * The lmtp(8) agent against a real Dovecot LMTP server (RFC 2033) on loopback TCP and on a
 * UNIX-domain socket: one reply per accepted recipient after the data, an unknown user
 * refused at RCPT while the other recipient is delivered to its Maildir.
 */
class LmtpDovecotTest {
    static DovecotLmtp dovecot;

    @TempDir
    Path dir;

    @BeforeAll
    static void startDovecot() throws Exception {
        String why = DovecotLmtp.unavailableReason();
        if (why != null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError("CI is set, so the Dovecot LMTP test may not be skipped: " + why);
            Assumptions.abort("Dovecot LMTP test skipped: " + why);
        }
        dovecot = DovecotLmtp.start("alice@dest.test", "bob@dest.test");
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) dovecot.close();
    }

    private SmtpAgent lmtp() {
        MainConfig cfg = MainConfig.fromText("myhostname = mx.sender.test\n", "main.cf", dir);
        return new SmtpAgent(ClientSettings.fromConfig(cfg, true), new DnsjavaResolver(List.of("127.0.0.1:9"), Duration.ofSeconds(1)),
                new SaslLogin(List.of()), new Random(1));
    }

    private QueuedMessage message(String subject, String... rcpts) throws Exception {
        Path file = Files.createTempFile(dir, "msg", ".msg");
        Files.writeString(file, "From: s@sender.test\r\nSubject: " + subject + "\r\n\r\n.dot\r\nbody\r\n", StandardCharsets.UTF_8);
        List<QueuedMessage.Recipient> rs = new ArrayList<>();
        for (int i = 0; i < rcpts.length; i++) rs.add(new QueuedMessage.Recipient(i, rcpts[i]));
        return new QueuedMessage(QueueId.next(), "active", Envelope.of("s@sender.test", List.of(rcpts), Instant.now()), rs, Map.of(),
                file, file, Files.size(file));
    }

    /** All messages in the inbox, once one contains {@code needle} (or after 10 s). */
    private static String inboxText(Path inbox, String needle) throws Exception {
        String all = "";
        for (int i = 0; i < 100; i++) {
            StringBuilder sb = new StringBuilder();
            if (Files.isDirectory(inbox)) {
                try (Stream<Path> s = Files.list(inbox)) {
                    for (Path p : s.toList()) sb.append(Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
            all = sb.toString();
            if (all.contains(needle)) return all;
            Thread.sleep(100);
        }
        return all;
    }

    @Test
    void inetDeliversToTheKnownUserAndRefusesTheUnknownOne() throws Exception {
        try (SmtpAgent a = lmtp()) {
            QueuedMessage m = message("over tcp", "alice@dest.test", "nobody@dest.test");
            List<DeliveryResult> r = a.deliver(m, "inet:127.0.0.1:" + dovecot.port, m.pending(), m::openContent);
            String relay = "127.0.0.1[127.0.0.1]:" + dovecot.port;
            assertThat(r.get(0).status()).as(r.get(0).toString()).isEqualTo(Status.SENT);
            assertThat(r.get(0).relay()).isEqualTo(relay);
            assertThat(r.get(0).text()).startsWith("250 2.0.0 <alice@dest.test>").endsWith("Saved");
            assertThat(r.get(1)).isEqualTo(DeliveryResult.bounced("5.1.1", relay, "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
                    + "<nobody@dest.test> User doesn't exist: nobody@dest.test (in reply to RCPT TO command)"));
            assertThat(inboxText(dovecot.inbox("alice@dest.test"), "Subject: over tcp")).contains("Subject: over tcp").contains("\n.dot\n");
        }
    }

    @Test
    void unixSocketDeliversOneReplyPerRecipient() throws Exception {
        try (SmtpAgent a = lmtp()) {
            QueuedMessage m = message("over unix", "alice@dest.test", "bob@dest.test");
            List<DeliveryResult> r = a.deliver(m, "unix:" + dovecot.socket(), m.pending(), m::openContent);
            assertThat(r).extracting(DeliveryResult::status).containsExactly(Status.SENT, Status.SENT);
            assertThat(r.get(0).text()).contains("<alice@dest.test>");
            assertThat(r.get(1).text()).contains("<bob@dest.test>");
            assertThat(r.get(0).relay()).isEqualTo(dovecot.socket().toString());
            assertThat(inboxText(dovecot.inbox("bob@dest.test"), "Subject: over unix")).contains("Subject: over unix");
            assertThat(inboxText(dovecot.inbox("alice@dest.test"), "Subject: over unix")).contains("Subject: over unix");
        }
    }

    @Test
    void relativeSocketPathIsBelowTheQueueDirectory() throws Exception {
        MainConfig cfg = MainConfig.fromText("myhostname = mx.sender.test\nqueue_directory = " + dovecot.dir + "\n", "main.cf", dir);
        try (SmtpAgent a = new SmtpAgent(ClientSettings.fromConfig(cfg, true), new DnsjavaResolver(List.of("127.0.0.1:9"),
                Duration.ofSeconds(1)), new SaslLogin(List.of()), new Random(1))) {
            QueuedMessage m = message("relative socket", "bob@dest.test");
            DeliveryResult r = a.deliver(m, "unix:run/lmtp", m.pending(), m::openContent).get(0);
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.SENT);
            assertThat(r.relay()).isEqualTo(dovecot.socket().toString());
        }
    }

    @Test
    void stoppedServerDefers() throws Exception {
        try (SmtpAgent a = lmtp()) {
            QueuedMessage m = message("nowhere", "alice@dest.test");
            DeliveryResult r = a.deliver(m, "unix:" + dir.resolve("no-such-socket"), m.pending(), m::openContent).get(0);
            assertThat(r.status()).isEqualTo(Status.DEFERRED);
            assertThat(r.text()).startsWith("connect to " + dir.resolve("no-such-socket") + ":");
        }
    }

    @Test
    void secumailRoutesToDovecotThroughTransportMaps() throws Exception {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.sender.test", "mydestination = dest.test",
                "mynetworks = 127.0.0.0/8", "alias_maps =", "local_recipient_maps =", "queue_directory = " + dir.resolve("queue"),
                "dns_servers = 127.0.0.1:9", "transport_maps = inline:{ {dest.test=lmtp:unix:" + dovecot.socket() + "} }", "");
        try (org.secumail.outbound.LogLinesAccess log = new org.secumail.outbound.LogLinesAccess("secumail.lmtp");
             org.secumail.Server server = org.secumail.Server.start(MainConfig.fromText(main, "main.cf", dir),
                     org.secumail.config.MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            org.secumail.outbound.LogLinesAccess.submit(server.listeners().get(0).port(), "s@sender.test", "routed to dovecot",
                    "alice@dest.test", "ghost@dest.test");
            assertThat(inboxText(dovecot.inbox("alice@dest.test"), "Subject: routed to dovecot")).contains("Subject: routed to dovecot");
            String bounced = log.await(l -> l.contains("to=<ghost@dest.test>"), Duration.ofSeconds(20));
            assertThat(bounced).contains("relay=" + dovecot.socket()).contains("dsn=5.1.1")
                    .contains("status=bounced (host " + dovecot.socket() + " said: 550 5.1.1 <ghost@dest.test> User doesn't exist");
        }
    }

    /**
     * mailbox_transport, the usual Postfix + Dovecot setup: local(8) still expands aliases,
     * and every local user's mailbox delivery goes to Dovecot over LMTP, whose answer for an
     * unknown user is the recipient's bounce. A user passwd does not know goes too (local(8)
     * asks passwd only after mailbox_transport).
     */
    @Test
    void localMailboxesGoToDovecotThroughMailboxTransport() throws Exception {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.sender.test", "mydestination = dest.test",
                "myorigin = dest.test", "mynetworks = 127.0.0.0/8", "alias_maps = inline:{ {team=alice, bob@dest.test} }",
                "local_recipient_maps =", "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9",
                "mailbox_transport = lmtp:unix:" + dovecot.socket(), "");
        try (org.secumail.outbound.LogLinesAccess log = new org.secumail.outbound.LogLinesAccess("secumail.lmtp", "secumail.local");
             org.secumail.Server server = org.secumail.Server.start(MainConfig.fromText(main, "main.cf", dir),
                     org.secumail.config.MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int port = server.listeners().get(0).port();
            org.secumail.outbound.LogLinesAccess.submit(port, "s@sender.test", "mailbox transport", "team@dest.test", "ghost@dest.test");
            assertThat(inboxText(dovecot.inbox("alice@dest.test"), "Subject: mailbox transport")).contains("Subject: mailbox transport");
            assertThat(inboxText(dovecot.inbox("bob@dest.test"), "Subject: mailbox transport")).contains("Subject: mailbox transport");
            assertThat(Files.exists(dir.resolve("queue"))).isTrue();
            String bounced = log.await(l -> l.contains("to=<ghost@dest.test>"), Duration.ofSeconds(20));
            assertThat(bounced).contains("relay=" + dovecot.socket()).contains("dsn=5.1.1")
                    .contains("status=bounced (host " + dovecot.socket() + " said: 550 5.1.1 <ghost@dest.test> User doesn't exist");
            String team = log.await(l -> l.contains("to=<team@dest.test>"), Duration.ofSeconds(20));
            assertThat(team).contains("status=sent").contains("<alice@dest.test>").contains("<bob@dest.test>");
        }
    }
}
