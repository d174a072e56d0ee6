// SPDX-License-Identifier: Apache-2.0
package org.secumail.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.smtpd.LineClient;

/**
 * maillog_file: the log lines of a few accepted, delivered and refused messages land in the
 * file in the syslog layout, and Debian's pflogsumm (--syslog-name=secumail) reports the same
 * counts from it: received, delivered, rejected, and the senders and recipients. A file outside
 * maillog_file_prefixes stops startup, as in Postfix.
 */
class MaillogPflogsummTest {
    @TempDir
    Path dir;

    private MainConfig config(String maillog) {
        return MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok, user2=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_peername_lookup = no",
                "maillog_file = " + maillog, "maillog_file_prefixes = " + dir, ""), "main.cf", dir);
    }

    @Test
    void pflogsummReportsWhatHappened() throws Exception {
        Path maillog = dir.resolve("maillog");
        try (Server server = Server.start(config(maillog.toString()), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int port = server.listeners().get(0).port();
            for (int i = 0; i < 3; i++) {
                try (LineClient c = new LineClient(port)) {
                    c.reply();
                    assertThat(c.cmd("EHLO client.example")).startsWith("250");
                    assertThat(c.cmd("MAIL FROM:<alice@sender.example>")).startsWith("250");
                    assertThat(c.cmd("RCPT TO:<user" + (1 + i % 2) + "@example.test>")).startsWith("250");
                    assertThat(c.cmd("RCPT TO:<nobody@example.test>")).startsWith("550");
                    assertThat(c.cmd("DATA")).startsWith("354");
                    assertThat(c.cmd("Subject: " + i + "\r\n\r\nhello\r\n.")).startsWith("250");
                    c.cmd("QUIT");
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end && countOf(maillog, "status=sent") < 3) Thread.sleep(100);
        }
        String log = Files.readString(maillog, StandardCharsets.UTF_8);
        assertThat(log).containsPattern("(?m)^[A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ secumail/smtpd\\[\\d+\\]: connect from ");
        assertThat(countOf(maillog, "status=sent")).isEqualTo(3);

        Path pflogsumm = Path.of("/usr/sbin/pflogsumm");
        String why = Files.isExecutable(pflogsumm) ? null : "pflogsumm is not installed (Debian package pflogsumm)";
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, why);
        Process p = new ProcessBuilder(pflogsumm.toString(), "--syslog-name=secumail", maillog.toString()).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(report).as(report).containsPattern("(?m)^\\s+3\\s+received\\b")
                .containsPattern("(?m)^\\s+3\\s+delivered\\b")
                .containsPattern("(?m)^\\s+3\\s+rejected\\b")
                .contains("alice@sender.example")
                .contains("user1@example.test");
    }

    @Test
    void aFileOutsideThePrefixesStopsStartup() {
        assertThatThrownBy(() -> Server.start(config("/etc/secumail-maillog-test"), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("maillog_file_prefixes");
    }

    private static long countOf(Path file, String text) throws Exception {
        if (!Files.exists(file)) return 0;
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).count();
    }
}
