// SPDX-License-Identifier: Apache-2.0
package org.secumail.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.ContentSetup;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.smtpd.LogCapture;

/**
 * FILTER_README's advanced content filter with SecuMail on both sides, on loopback: SecuMail
 * queues with content_filter = scan:[127.0.0.1]:F (a master.cf smtp transport), secumail filter
 * checks the message (spam rules) and reinjects it into SecuMail's 127.0.0.1:R service with
 * "-o content_filter=" and receive_override_options; the mailbox gets the message once, with the
 * filter's headers. A FILTER action of an access table does the same for one sender. A refused
 * message comes back to its sender as a bounce; with the filter down the message waits in the
 * deferred queue and arrives, once, when the filter is back.
 */
class ContentFilterTest {
    @TempDir
    Path dir;

    private Server server;
    private FilterServer filter;
    private ContentSetup.Standalone content;
    private int filterPort;
    private int reinjectPort;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void start() throws Exception {
        filterPort = freePort();
        reinjectPort = freePort();
        Path rules = dir.resolve("rules");
        Files.createDirectories(rules);
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), rules.resolve("50_test.cf"));
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "secumail_dmarc_enable = no", "secumail_dkim_verify = no",
                "secumail_arc_verify = no", "minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s",
                "smtpd_sender_restrictions = check_sender_access inline:{ { filtered@other.example = FILTER scan:[127.0.0.1]:" + filterPort + " } }",
                "");
        String master = String.join("\n",
                "127.0.0.1:0 inet n - n - - smtpd",
                "  -o content_filter=scan:[127.0.0.1]:" + filterPort,
                "127.0.0.1:" + reinjectPort + " inet n - n - - smtpd",
                "  -o content_filter=",
                "  -o smtpd_sender_restrictions=",
                "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8",
                "  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters",
                "127.0.0.1:0 inet n - n - - smtpd",
                "scan unix - - n - 10 smtp",
                "  -o smtp_connect_timeout=5s",
                "  -o smtp_send_xforward_command=yes",
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse(master, "master.cf", 100));
        MainConfig fcfg = MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = filter.example.test",
                "secumail_dmarc_enable = no", "secumail_dkim_verify = no", "secumail_arc_verify = no", "secumail_spam_filter = yes",
                "secumail_spam_rules_directories = " + rules, "secumail_spam_site_rules_directory =", "secumail_spam_network_tests = no",
                "secumail_spam_skip_trusted = no", "secumail_spam_bayes = no", "data_directory = " + dir.resolve("fdata"), ""), "main.cf", dir);
        content = ContentSetup.standalone(fcfg, new CachingResolver(DnsjavaResolver.fromConfig(List.of("127.0.0.1:9"), Duration.ofSeconds(1))));
    }

    private void startFilter() throws Exception {
        filter = new FilterServer(content.checks(), new InetSocketAddress(InetAddress.getLoopbackAddress(), filterPort),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), reinjectPort), "filter.example.test", 10_240_000,
                Duration.ofSeconds(30), dir.resolve("fdata/quarantine"));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (filter != null) filter.close();
        if (content != null) content.close();
    }

    private String send(int listener, String from, String rcpt, String subject, String body) throws Exception {
        String msg = "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "@x>\r\n\r\n" + body + "\r\n";
        return MiniSmtp.send(server.listeners().get(listener).port(), "192.0.2.10", "outside.example", from, rcpt, msg);
    }

    private static List<String> mailbox(Path d, int n) throws Exception {
        return MiniSmtp.files(d, n, "");
    }

    @Test
    void theMessageGoesThroughTheFilterOnceAndArrivesWithItsHeaders() throws Exception {
        startFilter();
        try (LogCapture log = new LogCapture("secumail.filter", "secumail.qmgr", "secumail.scan", "secumail.smtpd")) {
            assertThat(send(0, "a@outside.example", "user1@example.test", "lunch", "See you at noon.")).startsWith("250 ");
            String got = mailbox(dir.resolve("mail/user1/new"), 1).get(0);
            assertThat(got).contains("X-Spam-Status: No").contains("Subject: lunch");
            assertThat(got.split("X-Spam-Status:", -1)).as("filtered once").hasSize(2);
            assertThat(log.lines()).filteredOn(l -> l.contains("accept, reinjected: 250 2.0.0 Ok: queued as ")).hasSize(1)
                    .allMatch(l -> l.contains("client=unknown[192.0.2.10]"), "the original client, from smtp_send_xforward_command");
            // the reinjection service logs the original client the filter passed on with XFORWARD
            assertThat(log.lines()).anyMatch(l -> l.matches("\\w+: client=localhost\\[127.0.0.1\\], orig_client=unknown\\[192.0.2.10\\]"));
            // the delivery to the filter is logged by the master.cf transport's name, as postfix/scan/smtp
            assertThat(log.lines()).anyMatch(l -> l.contains("relay=127.0.0.1[127.0.0.1]:" + filterPort) && l.contains("status=sent"));
        }
    }

    @Test
    void aFilterActionSendsOneSendersMailThroughTheFilter() throws Exception {
        startFilter();
        assertThat(send(2, "filtered@other.example", "user1@example.test", "via filter", "hello")).startsWith("250 ");
        assertThat(send(2, "plain@other.example", "user2@example.test", "direct", "hello")).startsWith("250 ");
        assertThat(mailbox(dir.resolve("mail/user1/new"), 1).get(0)).contains("X-Spam-Status:");
        assertThat(mailbox(dir.resolve("mail/user2/new"), 1).get(0)).doesNotContain("X-Spam-Status:");
    }

    @Test
    void aRefusedMessageBouncesToItsSender() throws Exception {
        startFilter();
        assertThat(send(0, "user2@example.test", "user1@example.test", "gtube",
                "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X")).startsWith("250 ");
        String bounce = mailbox(dir.resolve("mail/user2/new"), 1).get(0);
        assertThat(bounce).contains("550 5.7.1 Message rejected as spam");
        Thread.sleep(300);
        assertThat(!Files.isDirectory(dir.resolve("mail/user1/new")) || Files.list(dir.resolve("mail/user1/new")).findAny().isEmpty()).isTrue();
    }

    @Test
    void withTheFilterDownTheMessageWaitsAndArrivesOnceItIsBack() throws Exception {
        assertThat(send(0, "a@outside.example", "user1@example.test", "patience", "wait for it")).startsWith("250 ");
        Path deferred = dir.resolve("queue/deferred");
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end && !hasFiles(deferred)) Thread.sleep(50);
        assertThat(hasFiles(deferred)).as("deferred while the filter is down").isTrue();
        startFilter();
        server.queueManager().flush();
        String got = mailbox(dir.resolve("mail/user1/new"), 1).get(0);
        assertThat(got).contains("Subject: patience").contains("X-Spam-Status:");
        Thread.sleep(2500);
        assertThat(Files.list(dir.resolve("mail/user1/new")).count()).as("exactly once").isEqualTo(1);
    }

    private static boolean hasFiles(Path d) throws Exception {
        if (!Files.isDirectory(d)) return false;
        try (Stream<Path> s = Files.walk(d)) {
            return s.anyMatch(Files::isRegularFile);
        }
    }
}
