// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;

/**
 * The SMTP server with a real clamd (Debian's clamav-daemon, private, on a unix socket) as its
 * scanner: EICAR refused with the database's name, clean mail delivered with X-Virus-Scanned,
 * and clamd stopped in the middle of a run of messages: every message after that gets 451, and
 * every message that got a 250 is delivered, no more and no fewer.
 */
class AntivirusSmtpClamdTest {
    @TempDir
    Path dir;

    private ClamdProcess clamd;
    private Server server;

    @BeforeEach
    void start() throws Exception {
        ClamdProcess.assumeInstalled();
        clamd = ClamdProcess.start(dir.resolve("clamd"), "10M");
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "secumail_dmarc_enable = no",
                "secumail_antivirus_scanner = clamd",
                "secumail_clamd_servers = " + clamd.unix(),
                "secumail_clamd_connect_timeout = 1s",
                "secumail_clamd_timeout = 10s",
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (clamd != null) clamd.close();
    }

    private String send(String subject, byte[] attachment) throws Exception {
        String msg = "From: a@outside.example\r\nTo: user1@example.test\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                + "--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n--b--\r\n";
        return MiniSmtp.send(server.listeners().get(0).port(), "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test", msg);
    }

    @Test
    void clamdStoppedMidRunGives451AndLosesNothing() throws Exception {
        assertThat(send("eicar", TestSignatures.eicar())).isEqualTo("554 5.7.1 Message rejected: infected (Eicar-Test-Signature.UNOFFICIAL)");
        byte[] clean = "figures of the quarter, nothing to see\n".repeat(500).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        int total = 40;
        List<String> replies = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch tenDone = new CountDownLatch(10);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    replies.add("m" + i + " " + send("m" + i, clean));
                    tenDone.countDown();
                }
            } catch (Throwable t) {
                failure.set(t);
                while (tenDone.getCount() > 0) tenDone.countDown();
            }
        });
        tenDone.await();
        clamd.stop();   // while the sender goes on
        sender.join(120_000);
        assertThat(failure.get()).isNull();
        assertThat(replies).hasSize(total);

        Set<String> accepted = new TreeSet<>();
        int tempfailed = 0;
        for (String r : replies) {
            String subject = r.substring(0, r.indexOf(' '));
            String reply = r.substring(r.indexOf(' ') + 1);
            if (reply.startsWith("250 ")) {
                accepted.add(subject);
            } else {
                assertThat(reply).as(subject).isEqualTo("451 4.7.1 Error: virus scanner unavailable, try again later");
                tempfailed++;
            }
        }
        assertThat(accepted.size()).isGreaterThanOrEqualTo(10);
        assertThat(tempfailed).as("clamd was stopped before the last messages").isGreaterThan(0);
        // the messages after the first 451 are all 451 too: no silent accept once the scanner is gone
        int first451 = -1;
        for (int i = 0; i < replies.size(); i++) if (replies.get(i).contains(" 451 ")) { first451 = i; break; }
        for (int i = first451; i < replies.size(); i++) assertThat(replies.get(i)).contains(" 451 ");

        List<String> delivered = MiniSmtp.files(dir.resolve("mail/user1/new"), accepted.size(), "");
        Set<String> subjects = new TreeSet<>();
        Pattern p = Pattern.compile("(?m)^Subject: (m\\d+)$");
        for (String m : delivered) {
            Matcher mm = p.matcher(m);
            assertThat(mm.find()).isTrue();
            subjects.add(mm.group(1));
            assertThat(m).contains("X-Virus-Scanned: ClamAV using SecuMail at mx.example.test; clean");
        }
        assertThat(subjects).isEqualTo(accepted);
        Thread.sleep(500);
        try (var files = Files.list(dir.resolve("mail/user1/new"))) {
            assertThat(files.count()).as("nothing delivered that was refused").isEqualTo(accepted.size());
        }
    }
}
