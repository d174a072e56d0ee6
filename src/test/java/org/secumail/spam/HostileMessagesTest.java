// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.secumail.content.RawMessage;

/**
 * The issue's bad input, scored with Debian's rules as a server scores them (the automata
 * built): thousands of parts, a body of megabytes, pathological HTML, undecodable charsets,
 * a header line of most of a megabyte, lines without a space. Each must come back with a
 * report, in bounded time (the scorer's own limit is 10 s; the bound here only catches a
 * stuck scan), with what it could read.
 */
class HostileMessagesTest {
    private static RuleSet rules;
    private static SpamScorer scorer;
    private static final String HEADER = "From: a@example.org\r\nTo: b@example.net\r\nSubject: test\r\n"
            + "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <hostile.1@example.org>\r\nMIME-Version: 1.0\r\n";

    @BeforeAll
    static void load() throws Exception {
        ShippedRules.assumeInstalled();
        rules = RuleSet.load(List.of(ShippedRules.RULES));
        scorer = new SpamScorer(rules);
        scorer.awaitAutomata();
    }

    private static SpamReport score(byte[] message) throws Exception {
        long t0 = System.nanoTime();
        MessageView v = MessageView.of(RawMessage.of(message), "a@example.org", List.of("b@example.net"), Relays.Trust.INFERRED);
        SpamReport r = scorer.score(new Scan(v, rules, Double.NaN, Map.of(), Instant.now()), false, System.nanoTime() + 10_000_000_000L);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("a bounded cost, not a stuck scan").isLessThan(60_000);
        // a rule not run is named with why: its step budget or the time limit, never an exception
        assertThat(r.skipped()).allMatch(s -> s.endsWith("(pattern step budget)") || s.endsWith("(time limit)"));
        return r;
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    private static String words(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int len = 2 + rnd.nextInt(8);
            for (int k = 0; k < len; k++) sb.append((char) ('a' + rnd.nextInt(26)));
            sb.append(i % 12 == 11 ? "\r\n" : " ");
        }
        return sb.toString();
    }

    @Test
    void tenThousandPartsAreReadUpToTheLimitAndSaidSo() throws Exception {
        StringBuilder m = new StringBuilder(HEADER).append("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for (int i = 0; i < 10_000; i++) m.append("--b\r\nContent-Type: text/plain\r\n\r\npart ").append(i).append("\r\n");
        m.append("--b--\r\n");
        SpamReport r = score(bytes(m.toString()));
        assertThat(TestScoring.names(r)).contains("MIMEPART_LIMIT_EXCEEDED");
    }

    @Test
    void aBodyOfEightMegabytesGetsAReport() throws Exception {
        // under secumail_spam_max_size (10M), above which the filter does not score at all
        String body = words(new Random(1), 1_200_000);
        assertThat(body.length()).isGreaterThan(7_000_000);
        SpamReport r = score(bytes(HEADER + "Content-Type: text/plain\r\n\r\n" + body));
        assertThat(TestScoring.names(r)).contains("LONGWORDS");   // runs of long words, somewhere in the megabytes
    }

    @Test
    void pathologicalHtmlGetsAReport() throws Exception {
        String html = "<html><body>" + "<div>".repeat(100_000) + "x" + "<!--".repeat(1_000) + "<a href=\"http://" + "a.".repeat(5_000)
                + "com\">" + "<font color=#fff>".repeat(20_000) + "<table><tr><td>".repeat(10_000) + "</body></html>\r\n";
        SpamReport r = score(bytes(HEADER + "Content-Type: text/html\r\n\r\n" + html));
        assertThat(TestScoring.names(r)).contains("AC_DIV_BONANZA");
    }

    @Test
    void undecodableCharsetsGetAReport() throws Exception {
        Random rnd = new Random(2);
        byte[] noise = new byte[200_000];
        rnd.nextBytes(noise);
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(bytes(HEADER + "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\n"
                + "Content-Type: text/plain; charset=\"x-no-such-charset\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
        m.writeBytes(bytes(Base64.getMimeEncoder().encodeToString(noise)));
        m.writeBytes(bytes("\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>"));
        for (int i = 0; i < 200_000; i++) m.write(0x80 + rnd.nextInt(0x80));   // never valid UTF-8 on its own
        m.writeBytes(bytes("</p>\r\n--b\r\nContent-Type: text/plain; charset=\"utf-16\"\r\n\r\nodd\r\n--b--\r\n"));
        SpamReport r = score(m.toByteArray());
        assertThat(TestScoring.names(r)).contains("HTML_MESSAGE");
    }

    @Test
    void aHeaderLineOfMostOfAMegabyteIsReadWithTheFieldsAfterIt() throws Exception {
        String subject = "Subject: " + words(new Random(3), 120_000).replace("\r\n", " ") + "\r\n";
        assertThat(subject.length()).isGreaterThan(600_000).isLessThan(RawMessage.MAX_HEADER_BYTES - 1_000);
        String m = HEADER.replace("Subject: test\r\n", subject) + "Content-Type: text/plain\r\n\r\nhello there\r\n";
        SpamReport r = score(bytes(m));
        // the Date: and Message-ID: after the long line are still header fields
        assertThat(TestScoring.names(r)).doesNotContain("MISSING_DATE", "MISSING_MID");
    }

    @Test
    void linesWithoutSpacesGetAReport() throws Exception {
        String body = "a".repeat(1 << 20) + "\r\n" + "x@".repeat(200_000) + "\r\n" + "www.".repeat(100_000) + "\r\n"
                + "http://" + "x".repeat(300_000) + "\r\n";
        SpamReport r = score(bytes(HEADER + "Content-Type: text/plain\r\n\r\n" + body));
        assertThat(TestScoring.names(r)).contains("NO_RELAYS");
    }
}
