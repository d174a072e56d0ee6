// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.cli.SecumailCommand;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import picocli.CommandLine;

/**
 * End to end through SMTP, the queue, the local transport and bounce(8): a recipient that is
 * accepted at RCPT but cannot be delivered comes back to the sender's Maildir as an RFC 3464
 * report that carries the DSN parameters given over SMTP; and "secumail queue flush|requeue"
 * reach a running server through queue_directory/public/qmgr.
 */
class QueueEndToEndTest {
    @TempDir
    Path dir;

    private String mainCf() {
        return String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok } $alias_maps",
                "alias_maps = inline:{ {pipe=|/bin/true} }",
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9", "");
    }

    private Server start() throws IOException {
        return Server.start(MainConfig.fromText(mainCf(), "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    /** One SMTP transaction; returns all replies. */
    private static String send(int port, String mailFrom, String rcptTo, String subject) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            out.write(("EHLO client.example\r\nMAIL FROM:" + mailFrom + "\r\nRCPT TO:" + rcptTo + "\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder replies = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                replies.append(line).append('\n');
                if (line.startsWith("354")) {
                    out.write(("Subject: " + subject + "\r\n\r\nthe body text\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                if (line.startsWith("221") || line.startsWith("5")) break;
            }
            return replies.toString();
        }
    }

    private static String waitForText(Path place, String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            String all = readTree(place);
            if (all.contains(needle)) return all;
            Thread.sleep(50);
        }
        return readTree(place);
    }

    private static String readTree(Path place) throws IOException {
        if (!Files.exists(place)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(place)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) sb.append(Files.readString(p, StandardCharsets.ISO_8859_1)).append('\n');
        }
        return sb.toString();
    }

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isZero();
        return out.toString();
    }

    @Test
    void anUndeliverableRecipientBouncesToTheSendersMaildirWithItsDsnParameters() throws Exception {
        try (Server server = start()) {
            int port = server.listeners().get(0).port();
            String replies = send(port, "<user1@example.test> RET=HDRS ENVID=trip+2B42",
                    "<pipe@example.test> NOTIFY=FAILURE ORCPT=rfc822;Pipe+40example.test", "doomed");
            assertThat(replies).contains("250-DSN").contains("queued as");
            String box = waitForText(dir.resolve("mail/user1/new"), "Undelivered Mail Returned to Sender");
            assertThat(box).contains("From: MAILER-DAEMON@mx.example.test (Mail Delivery System)")
                    .contains("To: user1@example.test")
                    .contains("Auto-Submitted: auto-replied")
                    .contains("Content-Type: multipart/report; report-type=delivery-status;")
                    .contains("This is the mail system at host mx.example.test.")
                    .contains("<pipe@example.test>: alias target \"|/bin/true\"")
                    .contains("Original-Envelope-Id: trip+42")
                    .contains("Final-Recipient: rfc822; pipe@example.test")
                    .contains("Original-Recipient: rfc822;Pipe@example.test")
                    .contains("Action: failed")
                    .contains("Status: 5.3.0")
                    .contains("Content-Type: text/rfc822-headers")
                    .contains("Subject: doomed")
                    .doesNotContain("the body text");   // RET=HDRS
            // The bounce was sent from the null sender: local(8) records that as Return-Path: <>
            assertThat(box).contains("Return-Path: <>");
        }
    }

    @Test
    void aBounceForTheNullSenderIsNotSent() throws Exception {
        try (Server server = start()) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "<>", "<pipe@example.test>", "bounce of a bounce")).contains("queued as");
            assertThat(send(port, "<user2@example.test>", "<user1@example.test>", "marker")).contains("queued as");
            waitForText(dir.resolve("mail/user1/new"), "marker");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && !(Files.list(dir.resolve("queue/incoming")).findAny().isEmpty()
                    && Files.list(dir.resolve("queue/active")).findAny().isEmpty())) {
                Thread.sleep(50);
            }
            assertThat(readTree(dir.resolve("mail"))).doesNotContain("Undelivered Mail").doesNotContain("Postmaster Copy");
        }
    }

    @Test
    void flushAndRequeueReachTheRunningQueueManager() throws Exception {
        Files.writeString(dir.resolve("main.cf"), mainCf());
        QueueStore store = new QueueStore(dir.resolve("queue"));
        QueueId first = queueDeferred(store, "flushed");
        QueueId second = queueDeferred(store, "requeued");
        try (Server server = start()) {
            assertThat(QueueTrigger.socketPath(dir.resolve("queue"))).exists();
            // not due for an hour, and queue_run_delay is 300s: nothing happens on its own
            Thread.sleep(300);
            assertThat(readTree(dir.resolve("mail"))).doesNotContain("flushed");
            assertThat(cli("queue", "list", "-c", dir.toString())).contains("(mailbox busy)").contains(first.toString());

            assertThat(cli("queue", "requeue", second.toString(), "-c", dir.toString())).contains("requeued; queue manager notified");
            assertThat(waitForText(dir.resolve("mail/user1/new"), "Subject: requeued")).contains("Subject: requeued")
                    .doesNotContain("Subject: flushed");

            assertThat(cli("queue", "flush", "-c", dir.toString())).contains("1 deferred message(s) due now; queue manager notified");
            assertThat(waitForText(dir.resolve("mail/user1/new"), "Subject: flushed")).contains("Subject: flushed");
        }
        assertThat(QueueTrigger.socketPath(dir.resolve("queue"))).doesNotExist();
        // without a server the change is made and waits for the next start
        QueueId third = queueDeferred(store, "later");
        assertThat(cli("queue", "flush", "-c", dir.toString())).contains("no running queue manager");
        assertThat(store.nextAttempt(dir.resolve("queue/deferred/" + third + ".env"))).isBefore(Instant.now().plusSeconds(1));
    }

    /** A message for user1 in deferred/, due in an hour, with a deferral reason on record. */
    private static QueueId queueDeferred(QueueStore store, String subject) throws IOException {
        QueueStore.Writer w = store.create();
        w.content().write(("Subject: " + subject + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII));
        w.commit(new Envelope("user2@example.test", List.of("user1@example.test"), Instant.now(), Map.of()));
        QueuedMessage m = store.load(store.queue(QueueStore.INCOMING).resolve(w.id() + ".env"));
        store.recordDeferral(m, 0, DeliveryResult.deferred("4.2.1", "local", "mailbox busy"));
        store.defer(m, Instant.now().plus(Duration.ofHours(1)));
        return w.id();
    }
}
