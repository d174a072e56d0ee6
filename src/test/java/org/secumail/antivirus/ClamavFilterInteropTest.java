// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;

/**
 * ClamAV's own mail front ends with SecuMail as the MTA, each with a private clamd holding the
 * test database (never freshclam), all on loopback:
 * <ul>
 * <li>Debian's clamav-milter as SecuMail's smtpd_milters: EICAR is refused at end of DATA, a
 *     clean message arrives with clamav-milter's X-Virus-Scanned header;</li>
 * <li>Debian's ClamSMTP (clamsmtpd) as SecuMail's content_filter, reinjecting into SecuMail's
 *     "-o content_filter=" service: a clean message arrives with ClamSMTP's header, EICAR is
 *     refused by ClamSMTP and SecuMail returns it to the sender.</li>
 * </ul>
 * Skipped when clamd, clamav-milter or clamsmtp is missing, failed instead under CI=true.
 */
class ClamavFilterInteropTest {
    static final Path CLAMAV_MILTER = Path.of("/usr/sbin/clamav-milter");
    static final Path CLAMSMTPD = Path.of("/usr/sbin/clamsmtpd");

    @TempDir
    Path dir;

    private ClamdProcess clamd;
    private Process front;
    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (front != null) {
            front.destroy();
            if (!front.waitFor(10, TimeUnit.SECONDS)) front.destroyForcibly().waitFor();
        }
        if (clamd != null) clamd.close();
    }

    private static void require(Path binary, String pkg) {
        if (Files.isExecutable(binary)) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(binary + " is missing under CI=true");
        org.junit.jupiter.api.Assumptions.abort(pkg + " is not installed (scripts/install-test-deps.sh installs it)");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, Path log) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) throw new AssertionError("exited with " + p.exitValue() + ": " + Files.readString(log));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listens on " + port + ": " + Files.readString(log));
    }

    private String mainCf(String... extra) {
        return String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "secumail_dmarc_enable = no", "secumail_dkim_verify = no",
                "secumail_arc_verify = no", "secumail_antivirus_scanner = none", String.join("\n", extra), "");
    }

    private static String message(String subject, String body) {
        return "From: user2@example.test\r\nTo: user1@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode()
                + "@x>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n";
    }

    /** EICAR as an attachment: the test database lists it by the MD5 of its exact bytes. */
    private static String infected(String subject) {
        String m = new String(TestMessages.withAttachments(subject, new TestMessages.Attachment("eicar.com", "application/octet-stream",
                TestSignatures.eicar())), StandardCharsets.US_ASCII);
        return m.replace("From: a@example.test\r\nTo: b@example.test", "From: user2@example.test\r\nTo: user1@example.test");
    }

    @Test
    void clamavMilterAsSecuMailsMilter() throws Exception {
        require(CLAMAV_MILTER, "clamav-milter");
        clamd = ClamdProcess.start(dir.resolve("clamd"), "10M");
        int port = freePort();
        Path conf = dir.resolve("clamav-milter.conf");
        Path log = dir.resolve("clamav-milter.log");
        Files.writeString(conf, String.join("\n", "MilterSocket inet:" + port + "@127.0.0.1", "ClamdSocket unix:" + clamd.socket,
                "Foreground yes", "OnInfected Reject", "AddHeader Replace", "LogFile " + log, "LogVerbose yes",
                "TemporaryDirectory " + dir, "PidFile " + dir.resolve("clamav-milter.pid"), ""));
        front = new ProcessBuilder(CLAMAV_MILTER.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamav-milter.out").toFile()).start();
        awaitPort(port, front, dir.resolve("clamav-milter.out"));
        server = Server.start(MainConfig.fromText(mainCf("smtpd_milters = inet:127.0.0.1:" + port, "milter_default_action = tempfail"),
                "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        int smtp = server.listeners().get(0).port();
        assertThat(MiniSmtp.send(smtp, "192.0.2.10", "outside.example", "user2@example.test", "user1@example.test",
                infected("infected"))).as("clamav-milter's OnInfected Reject").startsWith("5");
        assertThat(MiniSmtp.send(smtp, "192.0.2.10", "outside.example", "user2@example.test", "user1@example.test",
                message("clean", "nothing to see"))).startsWith("250 ");
        String got = MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0);
        assertThat(got).contains("Subject: clean").contains("X-Virus-Scanned: clamav-milter").contains("X-Virus-Status: Clean");
    }

    @Test
    void clamsmtpAsSecuMailsContentFilter() throws Exception {
        require(CLAMSMTPD, "clamsmtp");
        clamd = ClamdProcess.start(dir.resolve("clamd"), "10M");
        int filterPort = freePort();
        int reinjectPort = freePort();
        Path conf = dir.resolve("clamsmtpd.conf");
        Files.createDirectories(dir.resolve("clamsmtp-tmp"));
        Files.writeString(conf, String.join("\n", "OutAddress: 127.0.0.1:" + reinjectPort, "Listen: 127.0.0.1:" + filterPort,
                "ClamAddress: " + clamd.socket, "TempDirectory: " + dir.resolve("clamsmtp-tmp"), "PidFile: " + dir.resolve("clamsmtpd.pid"),
                "Action: bounce", "Header: X-Virus-Scanned: ClamAV using ClamSMTP", ""));
        front = new ProcessBuilder(CLAMSMTPD.toString(), "-d", "1", "-f", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamsmtpd.out").toFile()).start();
        awaitPort(filterPort, front, dir.resolve("clamsmtpd.out"));
        String master = String.join("\n",
                "127.0.0.1:0 inet n - n - - smtpd",
                "  -o content_filter=scan:[127.0.0.1]:" + filterPort,
                "127.0.0.1:" + reinjectPort + " inet n - n - - smtpd",
                "  -o content_filter=",
                "  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters",
                "scan unix - - n - 16 smtp",
                "");
        server = Server.start(MainConfig.fromText(mainCf("minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s"),
                "main.cf", dir), MasterConfig.parse(master, "master.cf", 100));
        int smtp = server.listeners().get(0).port();
        assertThat(MiniSmtp.send(smtp, "192.0.2.10", "outside.example", "user2@example.test", "user1@example.test",
                message("clean through clamsmtp", "nothing to see"))).startsWith("250 ");
        String got = MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0);
        assertThat(got).as(Files.readString(dir.resolve("clamsmtpd.out"))).contains("Subject: clean through clamsmtp")
                .contains("X-Virus-Scanned: ClamAV using ClamSMTP");
        assertThat(MiniSmtp.send(smtp, "192.0.2.10", "outside.example", "user2@example.test", "user1@example.test",
                infected("infected through clamsmtp"))).startsWith("250 ");
        String bounce = MiniSmtp.files(dir.resolve("mail/user2/new"), 1, "").get(0);
        assertThat(bounce).as("returned to the sender").contains("Subject: Undelivered Mail Returned to Sender").containsIgnoringCase("virus");
        try (Stream<Path> s = Files.list(dir.resolve("mail/user1/new"))) {
            assertThat(s.count()).as("the infected message is not delivered").isEqualTo(1);
        }
    }
}
