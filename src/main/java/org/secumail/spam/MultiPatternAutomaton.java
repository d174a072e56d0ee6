// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Transition;

/**
 * Many patterns read in one pass over a text: which of them <em>could</em> match in it. Each
 * pattern becomes its superset automaton ({@link RegexAutomaton}, so "no" is certain and
 * "maybe" means the Java pattern runs as before); the automata of all the patterns are one
 * NFA whose accepting states remember their pattern, and a {@link MultiPatternRunner} reads
 * the text through a lazily built DFA over it, every pattern starting at every position.
 * This is what Hyperscan and sa-compile's re2c do for SpamAssassin: a paragraph costs one
 * table step per character whatever the number of rules, where one automaton per rule read
 * each paragraph once per rule.
 *
 * <p>Characters above U+007F are read as one symbol ({@link RegexAutomaton#NON_ASCII}) that
 * stands for all of them, so mail in other languages is filtered too. A text holding NUL
 * (the end-of-text symbol) is "maybe" for every pattern (see {@link PatternSetFilter}). A
 * folding pattern's automaton knows lower case only, and its states read an upper-case letter
 * as the lower-case one (rather than doubling their transitions).
 *
 * <p>The NFA is immutable and shared; the DFA states are cached by each runner, at most
 * {@link #MAX_STATES} per runner, and a runner whose cache is full starts it afresh (RE2's
 * policy), so memory stays bounded whatever the text. Runners are pooled: a scan takes one
 * ({@link #take}), at most {@link #MAX_RUNNERS} exist, and a scan that finds none free waits
 * (a scan of a paragraph is microseconds; another cache would be megabytes).
 */
final class MultiPatternAutomaton {
    /**
     * DFA states one runner caches before starting afresh (at most 32,766: 15 bits each). With
     * 4,000 instead of 2,000 the body's patterns of the shipped rules settle in 18 groups
     * instead of 24 and their caches start afresh 13 times instead of 62 over refstack's corpus
     * read six times: the set scan 10 to 15 % faster (bench/set-scan.sh), for 3 MB more
     * cache (MAX_CACHE_BYTES still bounds each).
     */
    static final int MAX_STATES = 4_000;
    /**
     * Bytes one runner's cache may hold (table and state sets) before starting afresh, whatever
     * its number of states: with {@link PatternSetFilter#MAX_GROUPS}, what bounds the memory of
     * crafted text, which can make every state of a large group hold hundreds of NFA states.
     */
    static final long MAX_CACHE_BYTES = 1L << 20;
    /** Runners per automaton, each with its cache. */
    static final int MAX_RUNNERS = 1;
    /** The largest automaton (Lucene's own accounting) kept for one pattern. */
    static final long MAX_PATTERN_BYTES = 4L << 20;

    /** Patterns one automaton holds at most. */
    static final int MAX_PATTERNS = 256;

    /** Symbols: US-ASCII (0 is the end of the text) and NON_ASCII. */
    static final int SYMBOLS = RegexAutomaton.NON_ASCII + 1;

    final int patterns;
    /** NFA transitions of state s: indexes first[s] to first[s + 1] of min, max, dest. */
    final int[] first;
    final char[] min;
    final char[] max;
    final int[] dest;
    /** The pattern a state accepts for, or -1. */
    final int[] accepts;
    /** Whether a state's pattern folds case: it reads an upper-case letter as the lower-case one. */
    final boolean[] fold;
    /** The start state of every pattern, started at every position. */
    final int[] starts;
    /** Symbol to class: the symbols no transition tells apart share one. */
    final int[] classOf = new int[SYMBOLS];
    final int classes;
    /** A symbol of each class. */
    final char[] representative;

    private final LinkedBlockingDeque<MultiPatternRunner> pool = new LinkedBlockingDeque<>();
    private final AtomicInteger runners = new AtomicInteger();
    final AtomicLong resets = new AtomicLong();
    /** Steps not yet in a runner's table (each builds or looks up a DFA state): for the profile. */
    final AtomicLong misses = new AtomicLong();
    /** Set by a runner whose cache filled up: each pattern's share in it (see MultiPatternRunner.weights). */
    volatile int[] weights;

    /**
     * One pattern's superset automaton as flat arrays (states 0..n-1, 0 the start), lower
     * case only when it folds: what groups of patterns are made of, so that regrouping costs
     * no regex parsing.
     */
    record PatternNfa(int[] first, char[] min, char[] max, int[] dest, boolean[] accept, boolean fold) {
        int states() { return accept.length; }

        /** The NFA of a pattern, or null when none can be made (see {@link #automaton}). */
        static PatternNfa of(Pattern p) {
            Automaton a = automaton(p);
            if (a == null) return null;
            boolean fold = folds(p);
            int n = a.getNumStates();
            int[] first = new int[n + 1];
            boolean[] accept = new boolean[n];
            List<int[]> edges = new ArrayList<>();
            Transition t = new Transition();
            for (int s = 0; s < n; s++) {
                first[s] = edges.size();
                accept[s] = a.isAccept(s);
                int k = a.initTransition(s, t);
                for (int j = 0; j < k; j++) {
                    a.getNextTransition(t);
                    edges.add(new int[] {t.min, t.max, t.dest});
                }
            }
            first[n] = edges.size();
            char[] min = new char[edges.size()];
            char[] max = new char[edges.size()];
            int[] dest = new int[edges.size()];
            for (int e = 0; e < edges.size(); e++) {
                min[e] = (char) edges.get(e)[0];
                max[e] = (char) edges.get(e)[1];
                dest[e] = edges.get(e)[2];
            }
            return new PatternNfa(first, min, max, dest, accept, fold);
        }
    }

    /** DFA states each runner of this automaton caches before starting afresh. */
    final int maxStates;

    /** The automaton of these patterns, the i-th accepting as pattern i. */
    MultiPatternAutomaton(List<PatternNfa> nfas, int maxStates) {
        if (nfas.size() > MAX_PATTERNS) throw new IllegalArgumentException("at most " + MAX_PATTERNS + " patterns in one automaton");
        this.maxStates = Math.min(maxStates, 32_766);
        this.patterns = nfas.size();
        int states = 0;
        int edges = 0;
        for (PatternNfa n : nfas) { states += n.states(); edges += n.dest().length; }
        first = new int[states + 1];
        accepts = new int[states];
        fold = new boolean[states];
        starts = new int[patterns];
        min = new char[edges];
        max = new char[edges];
        dest = new int[edges];
        boolean[] boundary = new boolean[SYMBOLS + 1];   // a class starts at each boundary
        boundary[0] = true;
        int offset = 0;
        int e = 0;
        for (int p = 0; p < patterns; p++) {
            PatternNfa n = nfas.get(p);
            starts[p] = offset;
            for (int s = 0; s < n.states(); s++) {
                first[offset + s] = e + n.first()[s] - n.first()[0];
                accepts[offset + s] = n.accept()[s] ? p : -1;
                fold[offset + s] = n.fold();
            }
            for (int k = 0; k < n.dest().length; k++, e++) {
                min[e] = n.min()[k];
                max[e] = n.max()[k];
                dest[e] = offset + n.dest()[k];
                boundary[Math.min(min[e], SYMBOLS)] = true;
                boundary[Math.min(max[e] + 1, SYMBOLS)] = true;
                int lo = Math.max(min[e], 'a');
                int hi = Math.min(max[e], 'z');
                if (n.fold() && lo <= hi) {   // the upper-case letters it reads as these: classes alike
                    boundary[lo - 32] = true;
                    boundary[hi + 1 - 32] = true;
                }
            }
            offset += n.states();
        }
        first[states] = e;
        int c = -1;
        List<Character> reps = new ArrayList<>();
        for (int sym = 0; sym < SYMBOLS; sym++) {
            if (boundary[sym]) { c++; reps.add((char) sym); }
            classOf[sym] = c;
        }
        classes = c + 1;
        representative = new char[classes];
        for (int k = 0; k < classes; k++) representative[k] = reps.get(k);
    }

    /** Pattern p's NFA, taken back out of this automaton (for regrouping). */
    PatternNfa nfa(int p) {
        int from = starts[p];
        int to = p + 1 < patterns ? starts[p + 1] : accepts.length;
        int[] f = new int[to - from + 1];
        boolean[] accept = new boolean[to - from];
        for (int s = from; s <= to; s++) f[s - from] = first[s] - first[from];
        for (int s = from; s < to; s++) accept[s - from] = accepts[s] >= 0;
        int e0 = first[from];
        int e1 = first[to];
        int[] d = new int[e1 - e0];
        for (int e = e0; e < e1; e++) d[e - e0] = dest[e] - from;
        return new PatternNfa(f, Arrays.copyOfRange(min, e0, e1), Arrays.copyOfRange(max, e0, e1), d, accept, fold[from]);
    }

    /** Whether every part of the pattern folds case: the flag or a leading (?i), never turned off. */
    private static boolean foldsEverywhere(Pattern p) {
        return ((p.flags() & Pattern.CASE_INSENSITIVE) != 0 || p.pattern().startsWith("(?i)"))
                && !Pattern.compile("\\(\\?[a-zA-Z]*-[a-zA-Z]*i").matcher(p.pattern()).find();
    }

    private static boolean folds(Pattern p) {
        return (p.flags() & Pattern.CASE_INSENSITIVE) != 0 || Pattern.compile("\\(\\?[a-zA-Z]*i").matcher(p.pattern()).find();
    }

    /**
     * The widened automaton of a pattern, or null: a construct not handled, a pattern that
     * matches the empty string (it matches everywhere), or one too large even widened.
     */
    private static Automaton automaton(Pattern p) {
        int bad = Pattern.COMMENTS | Pattern.LITERAL | Pattern.UNICODE_CASE | Pattern.CANON_EQ | Pattern.UNICODE_CHARACTER_CLASS;
        if ((p.flags() & bad) != 0) return null;
        boolean multiline = (p.flags() & Pattern.MULTILINE) != 0 || Pattern.compile("\\(\\?[a-zA-Z]*m").matcher(p.pattern()).find();
        for (int exact : new int[] {5, 3, 2, 1}) {   // fewer exact repetitions, a smaller automaton
            Automaton a = RegexAutomaton.pattern(p.pattern(), folds(p), !folds(p) || foldsEverywhere(p), multiline, exact);
            if (a == null) return null;
            if (a.isAccept(0)) return null;
            if (a.ramBytesUsed() <= MAX_PATTERN_BYTES) return a;
        }
        return null;
    }

    /**
     * A text as the symbols a runner reads: {@link RegexAutomaton#END}, the text (US-ASCII as
     * itself, every other character as {@link RegexAutomaton#NON_ASCII}), END again (so that
     * a pattern beginning with "^" can match at the start and one ending in "$" at the end).
     * Null when the text holds NUL, the END symbol itself.
     */
    static byte[] symbols(CharSequence text) {
        int n = text.length();
        byte[] b = new byte[n + 2];
        b[0] = RegexAutomaton.END;   // the start too: a pattern beginning with "^" reads it
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == RegexAutomaton.END) return null;
            b[i + 1] = (byte) Math.min(c, RegexAutomaton.NON_ASCII);
        }
        b[n + 1] = RegexAutomaton.END;
        return b;
    }

    /**
     * A runner for one scan, to be given back with {@link #release}; null when interrupted
     * while waiting for one.
     */
    MultiPatternRunner take() {
        MultiPatternRunner r = pool.pollFirst();
        if (r != null) return r;
        if (runners.incrementAndGet() <= MAX_RUNNERS) return new MultiPatternRunner(this);
        runners.decrementAndGet();
        try {
            return pool.takeFirst();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    void release(MultiPatternRunner r) { pool.offerFirst(r); }

    /** DFA states cached by all runners now. */
    int cachedStates() {
        int n = 0;
        for (MultiPatternRunner r : pool) n += r.size();
        return n;
    }

    /** Bytes held by the NFA. */
    long nfaBytes() { return 4L * first.length + 8L * min.length + 5L * accepts.length; }

    /** Bytes held: the NFA and the runners' caches. */
    long bytes() {
        long b = nfaBytes();
        for (MultiPatternRunner r : pool) b += r.bytes();
        return b;
    }
}
