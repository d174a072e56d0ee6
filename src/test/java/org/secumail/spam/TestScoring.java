// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.secumail.content.RawMessage;

/** Scores a message with inline rules, for the unit tests. */
final class TestScoring {
    private TestScoring() { }

    static MessageView view(String message) throws Exception {
        return MessageView.of(RawMessage.of(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)), "envelope@sender.example",
                List.of("rcpt@example.net"), Relays.Trust.INFERRED);
    }

    static SpamReport score(String rules, String message) throws Exception {
        return score(rules, message, true);
    }

    /**
     * With prefilter false every rule's pattern runs on every text (a test of the pattern step
     * budget must not have the automaton rule the text out first); with it, the automata are
     * awaited, so that a test sees what a running server sees.
     */
    static SpamReport score(String rules, String message, boolean prefilter) throws Exception {
        RuleSet rs = RuleSet.parse(rules);
        SpamScorer scorer = new SpamScorer(rs, prefilter);
        scorer.awaitAutomata();
        return scorer.score(new Scan(view(message), rs, Double.NaN, Map.of(), Instant.now()), false, System.nanoTime() + 10_000_000_000L);
    }

    static List<String> names(SpamReport r) {
        return r.hits().stream().map(SpamReport.Hit::name).toList();
    }
}
