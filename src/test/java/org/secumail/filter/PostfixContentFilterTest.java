// SPDX-License-Identifier: Apache-2.0
package org.secumail.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.ContentSetup;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.transcript.PostfixInstance;

/**
 * A real Postfix 3.7 (Debian) with FILTER_README's advanced content filter pointing at
 * {@code secumail filter}, on loopback: content_filter = smtp:[127.0.0.1]:F, the filter
 * reinjects into Postfix's 127.0.0.1:R smtpd ("-o content_filter="), and Postfix relays to a
 * SecuMail receiver. The message arrives once with the filter's headers and the original
 * client (XFORWARD); GTUBE is refused by the filter and Postfix bounces it; with the filter
 * stopped Postfix keeps the message deferred, and it arrives once the filter is back.
 * Skipped when a private Postfix cannot run here, failed instead under CI=true.
 */
class PostfixContentFilterTest {
    @TempDir
    static Path root;

    private static Server receiver;
    private static PostfixInstance postfix;
    private static FilterServer filter;
    private static ContentSetup.Standalone content;
    private static int filterPort;
    private static int reinjectPort;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        String why = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        filterPort = freePort();
        reinjectPort = freePort();
        Path rules = root.resolve("rules");
        Files.createDirectories(rules);
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), rules.resolve("50_test.cf"));
        MainConfig fcfg = MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = filter.example.test",
                "secumail_dmarc_enable = no", "secumail_dkim_verify = no", "secumail_arc_verify = no", "secumail_spam_filter = yes",
                "secumail_spam_rules_directories = " + rules, "secumail_spam_site_rules_directory =", "secumail_spam_network_tests = no",
                "secumail_spam_skip_trusted = no", "secumail_spam_bayes = no", "data_directory = " + root.resolve("fdata"), ""), "main.cf", root);
        content = ContentSetup.standalone(fcfg, new CachingResolver(DnsjavaResolver.fromConfig(List.of("127.0.0.1:9"), Duration.ofSeconds(1))));
        startFilter();
        Path r = root.resolve("receiver");
        receiver = Server.start(MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "alias_maps =",
                "queue_directory = " + r.resolve("queue"), "data_directory = " + r.resolve("data"), "myhostname = mx.dest.test",
                "mydestination = dest.test", "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok, bounce=ok }",
                "secumail_dmarc_enable = no", "secumail_dkim_verify = no", "secumail_arc_verify = no",
                "mail_spool_directory = " + r.resolve("mail") + "/", ""), "main.cf", r),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        int rport = receiver.listeners().get(0).port();
        postfix = PostfixInstance.start(PostfixInstance.defaultScript(), String.join("\n",
                "compatibility_level = 3.6", "myhostname = relay.postfix.test", "mydestination =", "mynetworks = 127.0.0.0/8",
                "relay_domains = dest.test", "transport_maps = inline:{ dest.test=smtp:[127.0.0.1]:" + rport + " }",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8", "smtpd_peername_lookup = no",
                "content_filter = smtp:[127.0.0.1]:" + filterPort, "smtp_send_xforward_command = yes",
                "queue_run_delay = 1s", "minimal_backoff_time = 1s", "maximal_backoff_time = 2s",
                "alias_maps =", "alias_database =", ""),
                "127.0.0.1:" + reinjectPort + " inet n - n - - smtpd\n"
                        + "  -o content_filter=\n"
                        + "  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters\n"
                        + "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8\n");
    }

    private static void startFilter() throws Exception {
        filter = new FilterServer(content.checks(), new InetSocketAddress(InetAddress.getLoopbackAddress(), filterPort),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), reinjectPort), "filter.example.test", 10_240_000,
                Duration.ofSeconds(30), root.resolve("fdata/quarantine"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (filter != null) filter.close();
        if (content != null) content.close();
        if (receiver != null) receiver.close();
    }

    private static String send(String from, String rcpt, String subject, String body) throws Exception {
        String msg = "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "."
                + System.nanoTime() + "@x>\r\n\r\n" + body + "\r\n";
        return MiniSmtp.send(postfix.port(), "192.0.2.10", "outside.example", from, rcpt, msg);
    }

    private static List<String> withSubject(String subject, int n) throws Exception {
        Path d = root.resolve("receiver/mail");
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> found = List.of();
        while (System.nanoTime() < end) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.walk(d)) {
                    found = s.filter(Files::isRegularFile).map(p -> {
                        try {
                            return Files.readString(p, StandardCharsets.UTF_8);
                        } catch (java.io.IOException e) {
                            return "";
                        }
                    }).filter(m -> m.contains(subject)).toList();
                }
            }
            if (found.size() >= n) break;
            Thread.sleep(100);
        }
        return found;
    }

    @Test
    void postfixFiltersThroughSecuMailAndGetsTheMessageBack() throws Exception {
        long mark = postfix.maillogSize();
        assertThat(send("a@outside.example", "user1@dest.test", "filtered by secumail", "hello")).startsWith("250 ");
        List<String> got = withSubject("Subject: filtered by secumail", 1);
        assertThat(got).as(postfix.maillogSince(mark)).hasSize(1);
        assertThat(got.get(0)).contains("X-Spam-Status: No");
        String log = postfix.maillogSince(mark);
        // Postfix's reinjection smtpd logs the original client, which the filter passed on with XFORWARD
        assertThat(log).contains("client=unknown[192.0.2.10]").contains("relay=127.0.0.1[127.0.0.1]:" + filterPort);
        assertThat(log).containsPattern("status=sent \\(250 2.0.0 Ok: filtered as F\\w+, 2.0.0 Ok: queued as \\w+\\)");
    }

    @Test
    void aRefusalByTheFilterBouncesInPostfix() throws Exception {
        long mark = postfix.maillogSize();
        assertThat(send("bounce@dest.test", "user1@dest.test", "gtube via postfix",
                "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X")).startsWith("250 ");
        List<String> bounce = withSubject("Undelivered Mail Returned to Sender", 1);
        assertThat(bounce).as(postfix.maillogSince(mark)).isNotEmpty();
        assertThat(postfix.maillogSince(mark)).contains("550 5.7.1 Message rejected as spam");
    }

    @Test
    void withTheFilterStoppedPostfixDefersAndNothingIsLost() throws Exception {
        filter.close();
        long mark = postfix.maillogSize();
        try {
            assertThat(send("a@outside.example", "user1@dest.test", "while the filter sleeps", "patience")).startsWith("250 ");
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < end && !postfix.maillogSince(mark).contains("status=deferred")) Thread.sleep(100);
            assertThat(postfix.maillogSince(mark)).contains("status=deferred");
        } finally {
            startFilter();
        }
        List<String> got = withSubject("Subject: while the filter sleeps", 1);
        assertThat(got).as(postfix.maillogSince(mark)).hasSize(1);
        Thread.sleep(3000);
        assertThat(withSubject("Subject: while the filter sleeps", 1)).as("exactly once").hasSize(1);
    }
}
