// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;

class HashcashTest {
    @TempDir
    Path dir;

    /** Mints a version 1 stamp of this many bits, as the hashcash tool does: counts up until the SHA-1 has the zeros. */
    static String mint(int bits, Instant when, String resource) {
        String date = DateTimeFormatter.ofPattern("yyMMddHHmmss").withZone(ZoneOffset.UTC).format(when);
        String prefix = "1:" + bits + ":" + date + ":" + resource + "::c2VjdW1haWw=:";
        for (long counter = 0; ; counter++) {
            String s = prefix + Long.toString(counter, 36);
            if (Hashcash.leadingZeroBits(s) >= bits) return s;
        }
    }

    private static final Instant NOW = Instant.now();
    private static final String STAMP_20 = mint(20, NOW.minusSeconds(3600), "rcpt@example.net");

    private SpamFilter filter() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/10.cf"), "required_score 5\n");
        return SpamFilter.fromConfig(MainConfig.fromText(String.join("\n",
                "data_directory = " + dir.resolve("data"),
                "secumail_spam_filter = yes",
                "secumail_spam_bayes = no",
                "secumail_spam_rules_directories = " + dir.resolve("rules"),
                "secumail_spam_site_rules_directory =", ""), "main.cf", dir));
    }

    private static RawMessage msg(String stamp) {
        return RawMessage.of(("From: a@example.org\r\nTo: rcpt@example.net\r\nSubject: s\r\nX-Hashcash: " + stamp + "\r\n\r\nbody\r\n").getBytes());
    }

    @Test
    void stampsEarnTheirValueOnceForTheirRecipient() throws Exception {
        try (SpamFilter f = filter()) {
            SpamReport dry = f.score(msg(STAMP_20), "s@example.org", List.of("rcpt@example.net"), Map.of(), false).report();
            assertThat(TestScoring.names(dry)).containsExactly("HASHCASH_20");
            assertThat(dry.score()).isEqualTo(-0.5);
            assertThat(dry.hits().get(0).detail()).isEqualTo("20 bits for rcpt@example.net");
            // a dry run spent nothing: the first real one counts, the second is a double spend
            assertThat(TestScoring.names(f.score(msg(STAMP_20), "s@example.org", List.of("rcpt@example.net"), Map.of(), true).report())).containsExactly("HASHCASH_20");
            SpamReport again = f.score(msg(STAMP_20), "s@example.org", List.of("rcpt@example.net"), Map.of(), true).report();
            assertThat(TestScoring.names(again)).containsExactly("HASHCASH_2SPEND");
            assertThat(again.score()).isEqualTo(2.0);
        }
    }

    @Test
    void invalidStampsEarnNothing() throws Exception {
        try (SpamFilter f = filter()) {
            String other = mint(20, NOW, "someone@else.example");
            String old = mint(20, NOW.minus(java.time.Duration.ofDays(40)), "rcpt@example.net");
            String claimedTooMuch = STAMP_20.replaceFirst("^1:20:", "1:30:");
            for (String s : List.of(other, old, claimedTooMuch, "garbage", "1:20:999999:rcpt@example.net::x:1")) {
                assertThat(f.score(msg(s), "", List.of("rcpt@example.net"), Map.of(), false).report().hits()).as(s).isEmpty();
            }
        }
    }

    @Test
    void zeroBitCount() {
        assertThat(Hashcash.leadingZeroBits(STAMP_20)).isGreaterThanOrEqualTo(20);
        assertThat(Hashcash.date("0601021504")).isEqualTo(Instant.parse("2006-01-02T15:04:00Z"));
        assertThat(Hashcash.date("06013")).isNull();
    }
}
