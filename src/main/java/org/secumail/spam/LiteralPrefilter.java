// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.secumail.antivirus.AhoCorasick;

/**
 * Which pattern rules of one type could hit a message at all: the {@link RequiredLiterals}
 * of every rule go into one Aho-Corasick automaton, the message's text (ASCII-folded) is
 * read once, and a rule none of whose literals occur is skipped. A rule without literals
 * always runs. The result is the same as running every rule; only the cost differs (most
 * body rules look for words a given message does not contain).
 */
final class LiteralPrefilter {
    private final AhoCorasick automaton;
    private final Map<String, int[]> literalsByRule;
    private final int count;

    private LiteralPrefilter(AhoCorasick automaton, Map<String, int[]> literalsByRule, int count) {
        this.automaton = automaton;
        this.literalsByRule = literalsByRule;
        this.count = count;
    }

    static LiteralPrefilter of(List<Rule> rules) {
        return of(rules, AhoCorasick.DENSE_STATES);
    }

    /** With at most denseStates dense rows in its automaton (see AhoCorasick.build). */
    static LiteralPrefilter of(List<Rule> rules, int denseStates) {
        Map<String, Integer> index = new LinkedHashMap<>();
        Map<String, int[]> byRule = new HashMap<>();
        for (Rule r : rules) {
            if (!(r.test() instanceof Rule.Match m) || m.pattern() == null) continue;
            Set<String> lits = RequiredLiterals.of(m.pattern());
            if (lits == null) continue;
            int[] ids = new int[lits.size()];
            int k = 0;
            for (String l : lits) ids[k++] = index.computeIfAbsent(l, x -> index.size());
            byRule.put(r.name(), ids);
        }
        List<byte[]> patterns = new ArrayList<>();
        for (String l : index.keySet()) patterns.add(l.getBytes(StandardCharsets.ISO_8859_1));
        return new LiteralPrefilter(patterns.isEmpty() ? null : AhoCorasick.build(patterns, denseStates), byRule, patterns.size());
    }

    /** How many rules are filtered (the others always run). */
    int filtered() { return literalsByRule.size(); }

    /** The literals found in these texts, by index. */
    boolean[] scan(List<String> texts) {
        boolean[] found = new boolean[count];
        if (automaton == null) return found;
        for (String t : texts) {
            byte[] b = RequiredLiterals.fold(t).getBytes(StandardCharsets.ISO_8859_1);
            automaton.scan(ByteBuffer.wrap(b), (p, start) -> {
                found[p] = true;
                return false;
            });
        }
        return found;
    }

    /** Whether the rule could hit, given the literals found. */
    boolean mayHit(Rule r, boolean[] found) {
        return mayHit(ids(r), found);
    }

    /** The rule's literals (null: it always runs), to look up once rather than per message. */
    int[] ids(Rule r) {
        return literalsByRule.get(r.name());
    }

    /** Whether a rule with these literals ({@link #ids}) could hit, given the literals found. */
    static boolean mayHit(int[] ids, boolean[] found) {
        if (ids == null) return true;
        for (int id : ids) if (found[id]) return true;
        return false;
    }
}
