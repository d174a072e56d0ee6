// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;

/** DNS lists of the relay chain and URI lists, against a DNS server on loopback. */
class NetworkTestsTest {
    @TempDir
    Path dir;

    private static final String ZONE = """
            99.2.0.192.zen.test A 127.0.0.4
            99.2.0.192.zen.test A 127.0.0.2
            50.2.0.192.zen.test A 127.255.255.254
            spammy.co.uk.dbl.test A 127.0.1.2
            phishy.example.dbl.test A 127.0.1.4
            20.113.0.203.rbl.test A 127.0.0.12
            slow.example.dbl.test TIMEOUT
            """;

    private static final String RULES = String.join("\n",
            "header RCVD_IN_XBL eval:check_rbl('zen-lastexternal', 'zen.test.', '^127\\.0\\.0\\.[4567]$')",
            "describe RCVD_IN_XBL Relay in the XBL",
            "tflags RCVD_IN_XBL net",
            "score RCVD_IN_XBL 0 3.0 0 3.0",
            "header __RCVD_IN_ZEN eval:check_rbl('zen', 'zen.test.')",
            "tflags __RCVD_IN_ZEN net",
            "header RCVD_IN_SBL eval:check_rbl_sub('zen', '127.0.0.2')",
            "tflags RCVD_IN_SBL net",
            "score RCVD_IN_SBL 0 2.0 0 2.0",
            "header RCVD_IN_BITS eval:check_rbl('bits', 'rbl.test.')",
            "header RCVD_IN_BITS_8 eval:check_rbl_sub('bits', '8')",
            "header RCVD_IN_BITS_1 eval:check_rbl_sub('bits', '1')",
            "tflags RCVD_IN_BITS net",
            "tflags RCVD_IN_BITS_8 net",
            "tflags RCVD_IN_BITS_1 net",
            "urirhssub URIBL_DBL_SPAM dbl.test. A 127.0.1.2",
            "body URIBL_DBL_SPAM eval:check_uridnsbl('URIBL_DBL_SPAM')",
            "tflags URIBL_DBL_SPAM net domains_only",
            "score URIBL_DBL_SPAM 0 2.5 0 2.5",
            "urirhssub URIBL_DBL_PHISH dbl.test. A 127.0.1.4",
            "body URIBL_DBL_PHISH eval:check_uridnsbl('URIBL_DBL_PHISH')",
            "tflags URIBL_DBL_PHISH net domains_only",
            "uridnsbl_skip_domain example.org",
            "");

    private SpamFilter filter(TestDnsServer dns, boolean network) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/20_net.cf"), RULES);
        return SpamFilter.fromConfig(MainConfig.fromText(String.join("\n",
                "data_directory = " + dir.resolve("data"),
                "secumail_spam_filter = yes",
                "secumail_spam_bayes = no",
                "secumail_spam_network_tests = " + (network ? "yes" : "no"),
                "secumail_spam_rules_directories = " + dir.resolve("rules"),
                "secumail_spam_site_rules_directory =", ""), "main.cf", dir),
                new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofMillis(500)));
    }

    private static RawMessage msg(String relayIp, String body) {
        return RawMessage.of(("Received: from helo.example (host.example [" + relayIp + "]) by mx.example.test with ESMTP id 1; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
                + "From: a@example.org\r\nTo: b@example.net\r\nSubject: s\r\n\r\n" + body + "\r\n").getBytes());
    }

    @Test
    void listedRelayAndUrisScoreWithWhatTheListSaid() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(ZONE); SpamFilter f = filter(dns, true)) {
            SpamReport r = f.score(msg("192.0.2.99", "see http://www.spammy.co.uk/x and http://login.phishy.example/ and http://www.example.org/"),
                    "", List.of(), Map.of(), false).report();
            assertThat(TestScoring.names(r)).containsExactlyInAnyOrder("RCVD_IN_XBL", "RCVD_IN_SBL", "URIBL_DBL_SPAM", "URIBL_DBL_PHISH");
            assertThat(r.score()).isEqualTo(3.0 + 2.0 + 2.5 + 1.0);
            assertThat(detail(r, "RCVD_IN_XBL")).isEqualTo("zen.test: 192.0.2.99 -> 127.0.0.4");
            assertThat(detail(r, "URIBL_DBL_SPAM")).isEqualTo("URIs in dbl.test: spammy.co.uk -> 127.0.1.2");
            assertThat(detail(r, "URIBL_DBL_PHISH")).isEqualTo("URIs in dbl.test: phishy.example -> 127.0.1.4");
        }
    }

    @Test
    void bitmasksErrorCodesPrivateRelaysAndTimeouts() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(ZONE); SpamFilter f = filter(dns, true)) {
            // 127.0.0.12 = bits 4 and 8
            assertThat(TestScoring.names(f.score(msg("203.0.113.20", "x"), "", List.of(), Map.of(), false).report()))
                    .containsExactlyInAnyOrder("RCVD_IN_BITS", "RCVD_IN_BITS_8");
            // the list's error code (query refused) is no listing
            assertThat(f.score(msg("192.0.2.50", "x"), "", List.of(), Map.of(), false).report().hits()).isEmpty();
            // a private relay is never asked; a URI list that times out is not listed, within the budget
            long t0 = System.nanoTime();
            assertThat(f.score(msg("10.1.2.3", "http://slow.example/"), "", List.of(), Map.of(), false).report().hits()).isEmpty();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(6_000);
        }
    }

    @Test
    void offlineNothingIsAsked() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(ZONE); SpamFilter f = filter(dns, false)) {
            assertThat(f.score(msg("192.0.2.99", "http://www.spammy.co.uk/"), "", List.of(), Map.of(), false).report().hits()).isEmpty();
            assertThat(dns.queryCount()).isZero();
        }
    }

    private static String detail(SpamReport r, String name) {
        return r.hits().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow().detail();
    }

    @Test
    void subtests() {
        assertThat(NetworkTests.matches("127.0.0.2", "127.0.0.2")).isTrue();
        assertThat(NetworkTests.matches("127.0.0.3", "127.0.0.2")).isFalse();
        assertThat(NetworkTests.matches("127.0.0.12", "4")).isTrue();
        assertThat(NetworkTests.matches("127.0.0.12", "2")).isFalse();
        assertThat(NetworkTests.matches("127.0.0.6", "127.0.0.4-127.0.0.7")).isTrue();
        assertThat(NetworkTests.matches("127.0.0.10", "^127\\.0\\.0\\.1[01]$")).isTrue();
        assertThat(NetworkTests.matches("127.255.255.254", "")).isFalse();
        assertThat(NetworkTests.matches("127.255.255.254", "127.255.255.254")).isTrue();
    }
}
