// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filters in front of the patterns (literals, start characters, the pattern-set automata)
 * change what scoring costs, never what it finds: the shipped rules over corpus messages give
 * the same hits, rule for rule, with the filters and with every pattern run on every text.
 */
class PrefilterEquivalenceTest {
    @TempDir
    Path dir;

    @Test
    void theShippedRulesHitTheSameWithAndWithoutTheFilters() throws Exception {
        ShippedRules.assumeInstalled();
        Path corpus = TestCorpus.unpack(dir.resolve("corpus"));
        List<Path> sample = new ArrayList<>();
        sample.addAll(TestCorpus.shuffled(corpus, 21, "spam/spam", "spam/spam_2").subList(0, 60));
        sample.addAll(TestCorpus.shuffled(corpus, 22, "ham/easy_ham", "ham/easy_ham_2").subList(0, 40));
        sample.addAll(TestCorpus.shuffled(corpus, 23, "ham/hard_ham").subList(0, 40));
        RuleSet rules = RuleSet.load(List.of(ShippedRules.RULES));
        SpamScorer filtered = new SpamScorer(rules, true);
        filtered.awaitAutomata();
        SpamScorer unfiltered = new SpamScorer(rules, false);
        int hits = 0;
        for (Path p : sample) {
            MessageView v = MessageView.of(SpamAccuracyTest.message(p), "", List.of(), Relays.Trust.INFERRED);
            Instant now = Instant.parse("2026-12-07T00:00:00Z");
            long deadline = System.nanoTime() + 60_000_000_000L;
            SpamReport a = filtered.score(new Scan(v, rules, Double.NaN, Map.of(), now), false, deadline);
            SpamReport b = unfiltered.score(new Scan(v, rules, Double.NaN, Map.of(), now), false, deadline);
            // a pattern that exhausts its step budget (one spam here makes __FILL_THIS_FORM_LONG2
            // backtrack) is skipped without the filters; with them only if they let it run
            assertThat(b.skipped()).as(p.toString()).containsAll(a.skipped());
            assertThat(TestScoring.names(a)).as(p.toString()).isEqualTo(TestScoring.names(b));
            assertThat(a.score()).as(p.toString()).isEqualTo(b.score());
            hits += a.hits().size();
        }
        assertThat(hits).as("the sample exercises the rules").isGreaterThan(sample.size() * 3);
    }
}
