// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Which of a type's patterns could match in a text, for all of them in a few passes: the
 * patterns are split into groups, each group one {@link MultiPatternAutomaton}. One group for
 * all would explode: the DFA of a union holds every combination of partial matches its
 * patterns keep alive together, and a few patterns keep many alive (SpamAssassin's
 * form-filling rules, with their gaps of up to 30 characters of any kind). So the groups
 * adapt to the mail: they start with {@link #GROUP} patterns each, and a group whose cache
 * fills up ({@link MultiPatternAutomaton#MAX_STATES}) is split in two, the quarter of its
 * patterns that weigh most in the cache apart from the rest, until the patterns that explode
 * are in small groups and the others share a few large ones (at most {@link #MAX_GROUPS}). The
 * answers never change, only what they cost; a pattern with no automaton is always "maybe".
 */
final class PatternSetFilter {
    /** Patterns per group at the start (at most MultiPatternAutomaton.MAX_PATTERNS). */
    static final int GROUP = 256;

    /**
     * Groups one filter may split into: crafted text can fill every group's cache, and
     * splitting without end would give each pattern a cache of its own. Past it a full cache
     * starts afresh. With {@link MultiPatternAutomaton#MAX_CACHE_BYTES} this bounds the caches
     * of one type at 48 MiB whatever the mail; ordinary mail ends at about 20 groups and 6 MiB.
     */
    static final int MAX_GROUPS = 48;

    /** Groups read side by side in one pass (see MultiPatternRunner's batch scan). */
    static final int BATCH = 8;

    /** A group: its automaton and the index, among all patterns, of each of its patterns. */
    private record Group(MultiPatternAutomaton automaton, int[] members) { }

    private final int patterns;
    private final boolean[] always;
    /** The patterns read by a loop instead of a group ({@link #singleSymbols}), and their symbols. */
    private final int[] singles;
    private final boolean[][] singleSymbols;
    private volatile Group[] groups;
    private final AtomicLong splits = new AtomicLong();
    /** Characters scanned (for the profile). */
    private final java.util.concurrent.atomic.LongAdder scanned = new java.util.concurrent.atomic.LongAdder();

    private final int maxStates;

    private PatternSetFilter(int patterns, boolean[] always, Group[] groups, int maxStates, int[] singles, boolean[][] singleSymbols) {
        this.singles = singles;
        this.singleSymbols = singleSymbols;
        this.maxStates = maxStates;
        this.patterns = patterns;
        this.always = always;
        this.groups = groups;
    }

    /** The filter for these patterns (index i: patterns.get(i)); slow: run it off the scan path. */
    static PatternSetFilter of(List<Pattern> patterns) {
        return of(patterns, MultiPatternAutomaton.MAX_STATES);
    }

    /** With a cache of maxStates per runner (tests make it small). */
    static PatternSetFilter of(List<Pattern> patterns, int maxStates) {
        boolean[] always = new boolean[patterns.size()];
        List<Group> groups = new ArrayList<>();
        List<Integer> members = new ArrayList<>();
        List<MultiPatternAutomaton.PatternNfa> nfas = new ArrayList<>();
        List<Integer> singles = new ArrayList<>();
        List<boolean[]> singleSymbols = new ArrayList<>();
        for (int p = 0; p < patterns.size(); p++) {
            MultiPatternAutomaton.PatternNfa n = MultiPatternAutomaton.PatternNfa.of(patterns.get(p));
            if (n == null) { always[p] = true; continue; }
            boolean[] single = singleSymbols(n);
            if (single != null) {
                singles.add(p);
                singleSymbols.add(single);
                continue;
            }
            members.add(p);
            nfas.add(n);
            if (nfas.size() == GROUP) { groups.add(group(members, nfas, maxStates)); members.clear(); nfas.clear(); }
        }
        if (!nfas.isEmpty()) groups.add(group(members, nfas, maxStates));
        return new PatternSetFilter(patterns.size(), always, groups.toArray(new Group[0]), maxStates,
                singles.stream().mapToInt(Integer::intValue).toArray(), singleSymbols.toArray(new boolean[0][]));
    }

    /**
     * The symbols of a pattern whose automaton accepts each of them alone and nothing that
     * begins otherwise (every edge from its start state goes to an accepting state): \S, e,
     * [!?]. Such a pattern matches a text exactly when the text holds one of them, which a loop
     * answers at its first hit; in a group's DFA it made nearly every step an accepting one,
     * the slow path (\S alone made 84 % of the steps of its group slow). Folding as the runner
     * folds (an upper-case letter read as the lower-case one). Null for any other pattern.
     */
    static boolean[] singleSymbols(MultiPatternAutomaton.PatternNfa n) {
        int from = n.first()[0];
        int to = n.first()[1];
        if (from == to) return null;
        boolean[] member = new boolean[MultiPatternAutomaton.SYMBOLS];
        for (int e = from; e < to; e++) {
            if (!n.accept()[n.dest()[e]]) return null;
            for (int sym = n.min()[e]; sym <= Math.min(n.max()[e], MultiPatternAutomaton.SYMBOLS - 1); sym++) member[sym] = true;
        }
        if (n.fold()) for (int sym = 'A'; sym <= 'Z'; sym++) member[sym] = member[sym + 32];
        return member;
    }

    private static Group group(List<Integer> members, List<MultiPatternAutomaton.PatternNfa> nfas, int maxStates) {
        return new Group(new MultiPatternAutomaton(nfas, maxStates), members.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether a pattern is filtered at all (else always "maybe"). */
    boolean filters(int p) { return !always[p]; }

    /** The patterns that may match in the text, as bits over their indexes. */
    long[] scan(CharSequence text) {
        return scan(List.of(text))[0];
    }

    /**
     * For each text (a message's paragraphs), the patterns that may match in it. A batch of
     * groups takes its runners once for all the texts: taking and giving them back for every
     * paragraph (a lock each, and a wait when another scan holds one) cost 8 % of the set scans.
     */
    long[][] scan(List<? extends CharSequence> texts) {
        int n = texts.size();
        long[][] bits = new long[n][];
        byte[][] symbols = new byte[n][];
        for (int t = 0; t < n; t++) {
            bits[t] = new long[(patterns + 63) >> 6];
            symbols[t] = MultiPatternAutomaton.symbols(texts.get(t));
            for (int p = 0; p < patterns; p++) if (always[p] || symbols[t] == null) bits[t][p >> 6] |= 1L << p;   // NUL: all maybe
            if (symbols[t] == null) continue;
            scanned.add(symbols[t].length);
            for (int k = 0; k < singles.length; k++) {
                boolean[] member = singleSymbols[k];
                for (byte b : symbols[t]) {
                    if (member[b & 0xff]) {
                        bits[t][singles[k] >> 6] |= 1L << singles[k];
                        break;
                    }
                }
            }
        }
        Group[] gs = groups;
        MultiPatternRunner[] runners = new MultiPatternRunner[gs.length];
        long[][] found = new long[gs.length][];
        for (int from = 0; from < gs.length; from += BATCH) {
            int to = Math.min(gs.length, from + BATCH);
            long[] before = new long[to - from];
            try {
                for (int i = from; i < to; i++) {
                    before[i - from] = gs[i].automaton().resets.get();
                    runners[i] = gs[i].automaton().take();
                    if (runners[i] == null) return all(n);   // interrupted
                }
                for (int t = 0; t < n; t++) {
                    if (symbols[t] == null) continue;
                    MultiPatternRunner.scan(runners, from, to, symbols[t], found);
                    for (int i = from; i < to; i++) {
                        int[] m = gs[i].members();
                        for (int w = 0; w < found[i].length; w++) {
                            for (long x = found[i][w]; x != 0; x &= x - 1) {
                                int p = m[w << 6 | Long.numberOfTrailingZeros(x)];
                                bits[t][p >> 6] |= 1L << p;
                            }
                        }
                    }
                }
            } finally {
                for (int i = from; i < to; i++) if (runners[i] != null) gs[i].automaton().release(runners[i]);
            }
            for (int i = from; i < to; i++) {
                if (gs[i].automaton().resets.get() != before[i - from] && gs[i].members().length > 1 && gs.length < MAX_GROUPS) split(gs[i]);
            }
        }
        return bits;
    }

    /** Every pattern of every text: maybe. */
    private long[][] all(int texts) {
        long[][] out = new long[texts][];
        for (int t = 0; t < texts; t++) {
            out[t] = new long[(patterns + 63) >> 6];
            for (int p = 0; p < patterns; p++) out[t][p >> 6] |= 1L << p;
        }
        return out;
    }

    static boolean has(long[] bits, int p) { return (bits[p >> 6] & 1L << p) != 0; }

    /**
     * Replaces a group whose cache filled up with two: the quarter of its patterns that weigh
     * most in the cache (the states each would have alone), and the rest, so that the patterns
     * that explode end up together in small groups while the others stay in large ones. Once
     * only: other scans may race here.
     */
    private synchronized void split(Group g) {
        Group[] now = groups;
        int at = Arrays.asList(now).indexOf(g);
        if (at < 0) return;
        int n = g.members().length;
        int[] w = g.automaton().weights;
        Integer[] order = new Integer[n];
        for (int k = 0; k < n; k++) order[k] = k;
        if (w != null) Arrays.sort(order, (x, y) -> Integer.compare(w[y], w[x]));   // heaviest first (stable)
        int heavy = Math.max(1, n / 4);
        Group[] next = new Group[now.length + 1];
        for (int part = 0; part < 2; part++) {
            List<Integer> members = new ArrayList<>();
            List<MultiPatternAutomaton.PatternNfa> nfas = new ArrayList<>();
            for (int k = part == 0 ? 0 : heavy; k < (part == 0 ? heavy : n); k++) {
                members.add(g.members()[order[k]]);
                nfas.add(g.automaton().nfa(order[k]));   // taken back out: a group keeps only its merged NFA
            }
            next[at + part] = group(members, nfas, maxStates);
        }
        System.arraycopy(now, 0, next, 0, at);
        System.arraycopy(now, at + 1, next, at + 2, now.length - at - 1);
        groups = next;
        splits.incrementAndGet();
    }

    /** How many groups there are now. */
    int groups() { return groups.length; }

    /** Groups now, splits so far, DFA states cached, caches started afresh: for the profile. */
    String stats() {
        long states = 0;
        long resets = 0;
        long misses = 0;
        long bytes = 0;
        long nfa = 0;
        for (Group g : groups) {
            states += g.automaton().cachedStates();
            resets += g.automaton().resets.get();
            misses += g.automaton().misses.get();
            bytes += g.automaton().bytes();
            nfa += g.automaton().nfaBytes();
        }
        StringBuilder per = new StringBuilder(singles.length > 0 ? " [" + singles.length + " by a loop]" : "");   // [patterns, states, character classes] of each group
        for (Group g : groups) per.append(" [").append(g.members().length).append("p ").append(g.automaton().cachedStates()).append("s ").append(g.automaton().classes).append("c]");
        return groups.length + " groups (" + splits.get() + " splits), " + scanned.sum() + " characters scanned, " + misses + " steps built, "
                + states + " states cached, " + resets + " restarts, "
                + bytes / 1024 + " KiB (NFA " + nfa / 1024 + ")" + per;
    }

    /** Memory held by the automata and their caches. */
    long bytes() {
        long b = 0;
        for (Group g : groups) b += g.automaton().bytes();
        return b;
    }
}
