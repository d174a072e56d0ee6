// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.secumail.content.RawMessage;

/** Debian's SpamAssassin rules, loaded as they are. */
class ShippedRulesTest {
    static RuleSet rules;

    @BeforeAll
    static void load() throws Exception {
        ShippedRules.assumeInstalled();
        rules = RuleSet.load(List.of(ShippedRules.RULES, java.nio.file.Path.of("/etc/spamassassin")));
    }

    @Test
    void nearlyEveryRuleLoadsAndEverySkipSaysWhy() {
        assertThat(rules.size()).isGreaterThan(2000);
        assertThat(rules.requiredScore()).isEqualTo(5.0);
        long patternFailures = rules.skipped().values().stream().filter(v -> v.startsWith("pattern not usable")).count();
        assertThat(patternFailures).as("patterns Java cannot take: %s", rules.skipped()).isLessThanOrEqualTo(3);
        assertThat(rules.skipped().values()).allMatch(v -> v.startsWith("pattern not usable") || v.startsWith("eval:")
                || v.startsWith("meta reads") || v.startsWith("line "));
        // the network tests are defined (inert) rather than dropped
        assertThat(rules.skipped().get("RCVD_IN_ZEN_BLOCKED_OPENDNS") == null || rules.skipped().get("RCVD_IN_ZEN_BLOCKED_OPENDNS").contains("never hits")).isTrue();
        assertThat(rules.rule("GTUBE")).isNotNull();
        assertThat(rules.rule("BAYES_99").score(2)).isGreaterThan(3);
    }

    private static SpamReport score(String message) throws Exception {
        MessageView v = MessageView.of(RawMessage.of(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), "", List.of(), Relays.Trust.INFERRED);
        return new SpamScorer(rules).score(new Scan(v, rules, Double.NaN, Map.of(), Instant.now()), false, System.nanoTime() + 30_000_000_000L);
    }

    @Test
    void gtubeScoresAThousand() throws Exception {
        SpamReport r = score("From: a@example.org\nTo: b@example.net\nSubject: test\nMessage-ID: <g@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n"
                + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n");
        assertThat(TestScoring.names(r)).contains("GTUBE");
        assertThat(r.score()).isGreaterThan(990);
    }

    @Test
    void anOrdinaryMessageIsHam() throws Exception {
        SpamReport r = score("From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: Minutes of Tuesday's meeting\n"
                + "Message-ID: <20240101100000.1234@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
                + "Content-Type: text/plain; charset=utf-8\n\nHi Bob,\n\nthe minutes are attached to the wiki page. We agreed to\n"
                + "move the release to next week.\n\nAlice\n");
        assertThat(r.score()).isLessThan(2.0);
    }
}
