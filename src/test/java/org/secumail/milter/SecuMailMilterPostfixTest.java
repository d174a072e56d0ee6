// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;
import org.secumail.smtpd.LineClient;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.transcript.PostfixInstance;

/**
 * SecuMail as a milter server for a real Postfix 3.7 (Debian), all on loopback: Postfix with
 * {@code smtpd_milters} pointing at {@link MilterServer} refuses a DNS-listed client, an SPF
 * failure and a GTUBE message with the very replies SecuMail gives as the MTA itself, and
 * delivers the rest with SecuMail's headers added (to a SecuMail receiver with no checks of its
 * own); with the milter stopped, Postfix's milter_default_action = tempfail answers 451.
 * Skipped when a private Postfix cannot run here, failed instead under CI=true.
 */
class SecuMailMilterPostfixTest {
    @TempDir
    static Path root;

    private static TestDnsServer dns;
    private static Server receiver;
    private static Server mta;
    private static PostfixInstance postfix;
    private static MilterServer milter;
    private static ContentSetup.Standalone content;
    private static CheckSettings milterChecks;
    private static MainConfig milterConfig;

    private static String config(Path d, String... extra) {
        return String.join("\n", "compatibility_level = 3.6", "alias_maps =", "queue_directory = " + d.resolve("queue"),
                "data_directory = " + d.resolve("data"), "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s",
                String.join("\n", extra), "");
    }

    @BeforeAll
    static void start() throws Exception {
        String why = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        dns = TestDnsServer.start(String.join("\n",
                "bl.test SOA ns.bl.test hostmaster.bl.test 1 3600 600 86400 60",
                "66.2.0.192.bl.test A 127.0.0.2",
                "66.2.0.192.bl.test TXT \"listed: see https://bl.test/\"",
                "spf.test SOA ns.spf.test hostmaster.spf.test 1 3600 600 86400 60",
                "spf.test TXT \"v=spf1 ip4:192.0.2.10 -all\"", ""));
        Path rules = root.resolve("rules");
        Files.createDirectories(rules);
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), rules.resolve("50_test.cf"));
        String[] checks = {"myhostname = mx.secumail.test", "mynetworks = 127.0.0.0/8", "secumail_dmarc_enable = no",
            "secumail_dkim_verify = yes", "secumail_arc_verify = no",
            "secumail_spam_filter = yes", "secumail_spam_rules_directories = " + rules, "secumail_spam_site_rules_directory =",
            "secumail_spam_network_tests = no"};
        // the milter: its checks and, for comparison, the same ones in an MTA of ours
        MainConfig mcfg = MainConfig.fromText(config(root.resolve("milter"), concat(checks,
                "secumail_milter_recipient_restrictions = reject_rbl_client bl.test, check_spf")), "main.cf", root.resolve("milter"));
        var resolver = new CachingResolver(DnsjavaResolver.fromConfig(mcfg.list("dns_servers"), mcfg.duration("secumail_dns_timeout")));
        content = ContentSetup.standalone(mcfg, resolver);
        milterConfig = mcfg;
        milterChecks = new CheckSettings(mcfg, Restrictions.builtin(), resolver);
        milter = new MilterServer(mcfg, milterChecks, content.checks(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        mta = Server.start(MainConfig.fromText(config(root.resolve("mta"), concat(checks, "mydestination = dest.test",
                "local_recipient_maps = inline:{ user1=ok }", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "mail_spool_directory = " + root.resolve("mta/mail") + "/",
                "smtpd_recipient_restrictions = reject_rbl_client bl.test, check_spf")), "main.cf", root.resolve("mta")),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        receiver = Server.start(MainConfig.fromText(config(root.resolve("receiver"), "myhostname = mx.dest.test", "mydestination = dest.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }", "secumail_dmarc_enable = no",
                "secumail_dkim_verify = no", "secumail_arc_verify = no",
                "mail_spool_directory = " + root.resolve("receiver/mail") + "/"), "main.cf", root.resolve("receiver")),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        postfix = PostfixInstance.start(PostfixInstance.defaultScript(), String.join("\n",
                "compatibility_level = 3.6", "myhostname = relay.postfix.test", "mydestination =", "mynetworks = 127.0.0.0/8",
                "relay_domains = dest.test",
                "transport_maps = inline:{ dest.test=smtp:[127.0.0.1]:" + receiver.listeners().get(0).port() + " }",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8", "smtpd_milters = inet:127.0.0.1:" + milter.port(),
                "non_smtpd_milters =", "milter_default_action = tempfail", "smtpd_peername_lookup = no",
                "alias_maps =", "alias_database =", ""));
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (milter != null) milter.close();
        if (content != null) content.close();
        if (mta != null) mta.close();
        if (receiver != null) receiver.close();
        if (dns != null) dns.close();
    }

    /** One session; returns the replies to MAIL, RCPT and the final dot (or DATA's refusal). */
    private static List<String> session(int port, String client, String from, String body) throws Exception {
        List<String> r = new ArrayList<>();
        try (LineClient c = new LineClient(port)) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.cmd("XCLIENT ADDR=" + client + " NAME=[UNAVAILABLE]")).startsWith("220");
            assertThat(c.cmd("EHLO client.example")).startsWith("250");
            r.add(c.cmd("MAIL FROM:<" + from + ">"));
            if (!r.get(0).startsWith("250")) return r;
            r.add(c.cmd("RCPT TO:<user1@dest.test>"));
            if (!r.get(1).startsWith("250")) return r;
            String data = c.cmd("DATA");
            if (!data.startsWith("354")) {
                r.add(data);
                return r;
            }
            r.add(c.cmd("From: <" + from + ">\r\nTo: <user1@dest.test>\r\nSubject: milter test\r\nMessage-ID: <" + body.hashCode()
                    + "." + System.nanoTime() + "@client.example>\r\n\r\n" + body + "\r\n."));
            c.cmd("QUIT");
        }
        return r;
    }

    private static List<String> both(String client, String from, String body) throws Exception {
        List<String> viaPostfix = session(postfix.port(), client, from, body);
        List<String> secuMail = session(mta.listeners().get(0).port(), client, from, body);
        return List.of(viaPostfix.get(viaPostfix.size() - 1), secuMail.get(secuMail.size() - 1));
    }

    @Test
    void postfixRefusesWithSecuMailsReplies() throws Exception {
        List<String> listed = both("192.0.2.66", "a@other.example", "hello");
        assertThat(listed.get(0)).startsWith("554 5.7.1 ").contains("blocked using bl.test").isEqualTo(listed.get(1));
        List<String> spf = both("192.0.2.20", "a@spf.test", "hello");
        assertThat(spf.get(0)).startsWith("550 5.7.23 ").isEqualTo(spf.get(1));
        List<String> gtube = both("192.0.2.10", "a@spf.test", "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X");
        assertThat(gtube.get(0)).startsWith("550 5.7.1 Message rejected as spam").isEqualTo(gtube.get(1));
    }

    @Test
    void postfixDeliversWithSecuMailsHeaders() throws Exception {
        List<String> r = session(postfix.port(), "192.0.2.10", "a@spf.test", "a clean message");
        assertThat(r.get(2)).startsWith("250 2.0.0 Ok: queued as ");
        String got = delivered("a clean message");
        String head = got.substring(0, got.indexOf("\n\n"));
        assertThat(head).contains("Authentication-Results: mx.secumail.test;").contains("spf=pass").contains("X-Spam-Status: No")
                .contains("Received: from client.example");
        // SecuMail's fields sit above Postfix's own Received:, as a milter's insertions at index 0 do
        assertThat(head.indexOf("Authentication-Results: mx.secumail.test")).isLessThan(head.indexOf("by relay.postfix.test"));
    }

    @Test
    void postfixTempfailsWhenTheMilterIsDown() throws Exception {
        MilterServer down = milter;
        int port = milter.port();
        down.close();
        try {
            List<String> r = session(postfix.port(), "192.0.2.10", "a@spf.test", "while the milter is down");
            assertThat(r.get(0)).isEqualTo("451 4.7.1 Service unavailable - try again later");
        } finally {
            milter = new MilterServer(milterConfig, milterChecks, content.checks(), new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }

    private static String delivered(String marker) throws Exception {
        Path dir = root.resolve("receiver/mail/user1/new");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        String m = Files.readString(p, StandardCharsets.UTF_8);
                        if (m.contains(marker)) return m;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("nothing with \"" + marker + "\" delivered in 20 s: " + postfix.maillogSince(0));
    }
}
