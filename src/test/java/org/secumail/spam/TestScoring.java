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
        RuleSet rs = RuleSet.parse(rules);
        return new SpamScorer(rs).score(new Scan(view(message), rs, Double.NaN, Map.of(), Instant.now()), false, System.nanoTime() + 10_000_000_000L);
    }

    static List<String> names(SpamReport r) {
        return r.hits().stream().map(SpamReport.Hit::name).toList();
    }
}
