// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequiredLiteralsTest {
    private static Set<String> lits(String perl) {
        return RequiredLiterals.of(PerlRegex.compileDelimited(perl));
    }

    @Test
    void findsWhatEveryMatchMustContain() {
        assertThat(lits("/viagra/i")).containsExactly("viagra");
        assertThat(lits("/\\bbuy\\s+now\\b/i")).containsExactly("buy");
        assertThat(lits("/(?:cheap|discount) pills?/")).containsExactly(" pill");
        assertThat(lits("/(?:cheapest|discounted) (?:x|y)/")).containsExactlyInAnyOrder("cheapest", "discounted");
        assertThat(lits("/ab+cde/")).containsExactly("bcde");
        assertThat(lits("/Million\\b.{0,40}\\b(?:United States? Dollars?|USD)/i")).containsExactly("million");
        assertThat(lits("/\\$\\d+\\.\\d\\d off/")).containsExactly(" off");
        assertThat(lits("/caf\\xc3\\xa9/")).containsExactly("caf\u00c3\u00a9");
    }

    @Test
    void givesNothingWhenNothingIsRequired() {
        assertThat(lits("/a?b?c?d?/")).isNull();
        assertThat(lits("/(?:foo|x)bar?/")).isNull();   // "ba" is too short, "x" too
        assertThat(lits("/[a-z]{5}/")).isNull();
        assertThat(lits("/(?=viagra)/")).isNull();
        assertThat(lits("/ v i a g r a /x")).isNull();
        assertThat(lits("/\\Qa.b\\E/")).isNull();
    }

    @TempDir
    Path dir;

    @Test
    void theFilterNeverChangesAScore() throws Exception {
        ShippedRules.assumeInstalled();
        RuleSet rules = RuleSet.load(List.of(ShippedRules.RULES));
        SpamScorer filtered = new SpamScorer(rules, true);
        filtered.awaitAutomata();   // built in the background: compare with all of them in place
        SpamScorer all = new SpamScorer(rules, false);
        Path corpus = TestCorpus.unpack(dir);
        List<Path> sample = TestCorpus.shuffled(corpus, 5, "spam/spam", "spam/spam_2", "ham/easy_ham", "ham/hard_ham").subList(0, 100);
        for (Path p : sample) {
            MessageView v = MessageView.of(SpamAccuracyTest.message(p), "", List.of(), Relays.Trust.INFERRED);
            Scan s = new Scan(v, rules, Double.NaN, Map.of(), Instant.now());
            long deadline = System.nanoTime() + 60_000_000_000L;
            SpamReport a = filtered.score(s, false, deadline);
            SpamReport b = all.score(s, false, deadline);
            assertThat(TestScoring.names(a)).as(p.toString()).isEqualTo(TestScoring.names(b));
            assertThat(a.score()).as(p.toString()).isEqualTo(b.score());
        }
    }
}
