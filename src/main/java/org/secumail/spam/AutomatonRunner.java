// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.Arrays;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.NFARunAutomaton;

/**
 * One reader of an {@link AutomatonPrefilter}'s automaton: Lucene's NFARunAutomaton, which
 * determinizes a state the first time a text reaches it, with the steps taken so far copied
 * into a flat table (state x US-ASCII character), so that a step on a known state is one
 * array read instead of Lucene's chain of objects. Not thread-safe: the prefilter hands each
 * runner to one scan at a time.
 */
final class AutomatonRunner {
    private static final char DEAD = 0xffff;
    private static final char ACCEPT = 0x8000;
    /** States one runner may number (the table holds 15 bits of state); past it the scan says maybe. */
    static final int MAX_STATES = 0x7ffe;

    private final NFARunAutomaton run;
    private final boolean lower;
    /** (state << 7 | c) -> next state + 1, with ACCEPT set when it accepts; DEAD; 0: not yet known. */
    private char[] table = new char[128 * 8];

    AutomatonRunner(Automaton nfa, boolean lower) {
        this.run = new NFARunAutomaton(nfa, 128);
        this.lower = lower;
    }

    /** Determinized states so far. */
    int size() { return run.getSize(); }

    long bytes() { return 2L * table.length; }

    /**
     * Whether the automaton accepts a prefix of the text, or the whole text followed by
     * {@link RegexAutomaton#END} (true also for a text not US-ASCII, or holding NUL).
     */
    boolean mayMatch(CharSequence text) {
        if (run.isAccept(0)) return true;
        int state = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80 || c == RegexAutomaton.END) return true;   // the automaton knows US-ASCII only, NUL ends
            if (lower && c >= 'A' && c <= 'Z') c += 32;
            char e = next(state, c);
            if (e == DEAD) return false;
            if ((e & ACCEPT) != 0) return true;
            state = e - 1;   // e < ACCEPT here
        }
        char e = next(state, RegexAutomaton.END);   // a pattern ending in "$" may end here
        return e != DEAD && (e & ACCEPT) != 0;
    }

    /** The table's entry for the step from state on c, worked out by Lucene the first time. */
    private char next(int state, char c) {
        int idx = state << 7 | c;
        char[] t = table;
        char e = idx < t.length ? t[idx] : 0;
        if (e != 0) return e;
        int next = run.step(state, c);
        if (next >= MAX_STATES) return ACCEPT;   // too many states: maybe (the prefilter starts afresh)
        e = next < 0 ? DEAD : (char) ((next + 1) | (run.isAccept(next) ? ACCEPT : 0));
        if (idx >= t.length) table = t = Arrays.copyOf(t, Math.max(t.length * 2, (idx | 127) + 1));
        t[idx] = e;
        return e;
    }
}
