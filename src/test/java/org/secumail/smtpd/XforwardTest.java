// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/** The XFORWARD command as Postfix's smtpd answers it (XFORWARD_README). */
class XforwardTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private int start(String hosts) throws Exception {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_authorized_xforward_hosts = " + hosts, "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        return server.listeners().get(0).port();
    }

    @Test
    void anAuthorizedFilterForwardsTheOriginalClientForOneTransaction() throws Exception {
        int port = start("127.0.0.0/8");
        try (LineClient c = new LineClient(port); LogCapture log = new LogCapture("secumail.smtpd")) {
            c.reply();
            assertThat(c.cmd("EHLO filter.example")).contains("XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
            assertThat(c.cmd("XFORWARD NAME=mail.example ADDR=192.0.2.7 PORT=4321")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.cmd("XFORWARD HELO=mail.example PROTO=ESMTP IDENT=ABC123 SOURCE=REMOTE")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.cmd("XFORWARD BOGUS=1")).isEqualTo("501 5.5.4 Bad XFORWARD attribute name: BOGUS");
            assertThat(c.cmd("XFORWARD ADDR=not-an-address")).isEqualTo("501 5.5.4 Bad ADDR syntax: not-an-address");
            assertThat(c.cmd("XFORWARD NAME")).isEqualTo("501 5.5.4 Error: attribute=value expected");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.cmd("XFORWARD NAME=x.example")).isEqualTo("503 5.5.1 Error: MAIL transaction in progress");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: x\r\n\r\nhello\r\n.")).startsWith("250");
            assertThat(log.lines()).anyMatch(l -> l.matches("\\w+: client=localhost\\[127.0.0.1\\], orig_queue_id=ABC123, orig_client=mail.example\\[192.0.2.7\\]"));
            // the next transaction has no forwarded client
            assertThat(c.cmd("MAIL FROM:<b@example.org>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250");
            assertThat(log.lines().get(log.lines().size() - 1)).matches("\\w+: client=localhost\\[127.0.0.1\\]");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: y\r\n\r\nhello\r\n.")).startsWith("250");
        }
        // SOURCE=REMOTE: the filter's mail is remote mail, left as it came; the next message,
        // from 127.0.0.1 itself (local_header_rewrite_clients = permit_inet_interfaces), gets
        // the Message-Id:, Date: and From: it lacks
        java.util.Map<String, String> bySubject = new java.util.HashMap<>();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (bySubject.size() < 2 && System.nanoTime() < end) {
            Thread.sleep(100);
            java.nio.file.Path box = dir.resolve("mail/user1/new");
            if (!java.nio.file.Files.isDirectory(box)) continue;
            try (var files = java.nio.file.Files.list(box)) {
                for (java.nio.file.Path f : files.toList()) {
                    String m = java.nio.file.Files.readString(f);
                    bySubject.put(m.contains("Subject: x") ? "x" : "y", m);
                }
            }
        }
        assertThat(bySubject.get("x")).doesNotContain("Message-Id:").doesNotContain("\nDate:");
        assertThat(bySubject.get("y")).contains("\nMessage-Id: <").contains("\nDate: ").contains("\nFrom: b@example.org\n");
    }

    @Test
    void anyoneElseIsRefused() throws Exception {
        int port = start("");
        try (LineClient c = new LineClient(port)) {
            c.reply();
            assertThat(c.cmd("EHLO filter.example")).doesNotContain("XFORWARD");
            assertThat(c.cmd("XFORWARD ADDR=192.0.2.7")).isEqualTo("550 5.7.0 Error: insufficient authorization");
        }
    }
}
