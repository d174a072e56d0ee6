// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One reader of a {@link MultiPatternAutomaton}: the subset construction done lazily, a DFA
 * state (a set of NFA states, the partial matches alive after a character) made the first
 * time a text reaches it and its steps kept in a flat table (state x character class). The
 * start of every pattern is added after each character, which makes it a search: a state
 * holding an accepting NFA state means that pattern may end a match there. Not thread-safe:
 * the automaton's pool hands a runner to one scan at a time.
 */
final class MultiPatternRunner {
    private final MultiPatternAutomaton a;
    private final int width;
    /** (state * width + class) -> next state + 1, with ACCEPT; 0: not yet known (states fit in 15 bits). */
    private char[] table;
    /** The NFA states of each DFA state, sorted. */
    private final List<int[]> sets = new ArrayList<>();
    /** Words of accept bits per state. */
    private final int words;
    /** The patterns each DFA state accepts for, one bit each: words per state, state by state. */
    private long[] accepts;
    private final Map<Key, Integer> index = new HashMap<>();
    /** What the starts of all patterns reach on each class. */
    private final int[][] startStep;
    /** Marks for collecting a set without duplicates: mark[s] == generation when s is in. */
    private final int[] mark;
    private int generation;
    /** The accepting states entered in the current scan, one bit each (see scan1). */
    private final long[] seen;
    /** The words of seen written in the current scan, one bit each (bit 63: word 63 or any after it). */
    private long seenWords;
    private int[] buffer = new int[64];
    private int setInts;

    MultiPatternRunner(MultiPatternAutomaton a) {
        this.a = a;
        this.width = a.classes;
        this.mark = new int[a.accepts.length];
        this.words = (a.patterns + 63) >> 6;
        this.seen = new long[(a.maxStates >> 6) + 2];   // ids up to maxStates: a full cache starts afresh at the next new one
        this.accepts = new long[64 * words];
        this.table = new char[width * 64];
        this.startStep = new int[width][];
        for (int k = 0; k < width; k++) startStep[k] = collect(a.starts, a.representative[k], null);
        clear();
    }

    int size() { return sets.size(); }

    long bytes() { return 2L * table.length + 4L * setInts + 64L * sets.size(); }

    /** Set in a table entry whose state accepts for some pattern. */
    private static final char ACCEPT = 0x8000;

    /**
     * The patterns that may match in a text read as {@link MultiPatternAutomaton#symbols},
     * for several runners over the same text at once, runners[i] for i in [from, to), into
     * found[i] (bit p for the runner's pattern p). A step is a load whose address depends on the
     * step before, so one runner waits on the memory at every character; the steps of
     * different runners do not depend on each other, and the processor overlaps them. Eight,
     * four or two runners go together with their tables, class maps and states in local
     * variables, the last one alone. The tables of a batch (megabytes) do not fit the
     * processor's caches: a step mostly waits on memory, and eight waits overlap where four
     * did before (the set scans of spam check 20 % faster).
     */
    static void scan(MultiPatternRunner[] runners, int from, int to, byte[] symbols, long[][] found) {
        for (int j = from; j < to; j++) found[j] = new long[runners[j].words];
        int j = from;
        for (; j + 8 <= to; j += 8) scan8(runners, j, symbols, found);
        for (; j + 4 <= to; j += 4) scan4(runners[j], runners[j + 1], runners[j + 2], runners[j + 3], symbols, found[j], found[j + 1], found[j + 2], found[j + 3]);
        for (; j + 2 <= to; j += 2) scan2(runners, j, symbols, found);
        for (; j < to; j++) scan1(runners[j], symbols, found[j]);
    }

    /*
     * In the loops a state is its row's offset in the table (state * width). A table entry e
     * is 0 (step not made yet) or next state + 1 with ACCEPT. The fast case is a known step
     * that does not accept. A known accepting step only sets the state's bit in seen, and
     * flush() adds the patterns of the states seen once, at the end: some groups are in an
     * accepting state at a fifth of all characters (the header rules on ALL), where adding
     * their patterns at every such step cost more than the steps (spam check 4 % faster).
     * Only a step not made yet (e == 0) goes to slow().
     */
    /** e - 1 has none of these bits exactly when the step is known and does not accept. */
    private static final int SLOW = ~0x7fff;

    private static void scan1(MultiPatternRunner r0, byte[] symbols, long[] f0) {
        char[] t0 = r0.table;
        int[] k0 = r0.a.classOf;
        long[] v0 = r0.seen;
        int w0 = r0.width;
        int s0 = 0;
        for (byte b : symbols) {
            int c0 = k0[b & 0xff];
            int e0 = t0[s0 + c0];
            if (((e0 - 1) & SLOW) == 0) {
                s0 = (e0 - 1) * w0;
            } else if (e0 != 0) {
                int n0 = (e0 & ~ACCEPT) - 1;
                v0[n0 >> 6] |= 1L << n0;
                r0.seenWords |= 1L << Math.min(n0 >> 6, 63);
                s0 = n0 * w0;
            } else {
                s0 = r0.slow(s0, c0, f0);
                t0 = r0.table;
            }
        }
        r0.flush(f0);
    }

    private static void scan4(MultiPatternRunner r0, MultiPatternRunner r1, MultiPatternRunner r2, MultiPatternRunner r3,
                              byte[] symbols, long[] f0, long[] f1, long[] f2, long[] f3) {
        char[] t0 = r0.table, t1 = r1.table, t2 = r2.table, t3 = r3.table;
        int[] k0 = r0.a.classOf, k1 = r1.a.classOf, k2 = r2.a.classOf, k3 = r3.a.classOf;
        int w0 = r0.width, w1 = r1.width, w2 = r2.width, w3 = r3.width;
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (byte b : symbols) {
            int sym = b & 0xff;
            int c0 = k0[sym], c1 = k1[sym], c2 = k2[sym], c3 = k3[sym];
            int e0 = t0[s0 + c0], e1 = t1[s1 + c1], e2 = t2[s2 + c2], e3 = t3[s3 + c3];
            if ((((e0 - 1) | (e1 - 1) | (e2 - 1) | (e3 - 1)) & SLOW) == 0) {
                s0 = (e0 - 1) * w0;
                s1 = (e1 - 1) * w1;
                s2 = (e2 - 1) * w2;
                s3 = (e3 - 1) * w3;
                continue;
            }
            s0 = r0.known(s0, c0, e0, f0);
            s1 = r1.known(s1, c1, e1, f1);
            s2 = r2.known(s2, c2, e2, f2);
            s3 = r3.known(s3, c3, e3, f3);
            t0 = r0.table;
            t1 = r1.table;
            t2 = r2.table;
            t3 = r3.table;
        }
        r0.flush(f0);
        r1.flush(f1);
        r2.flush(f2);
        r3.flush(f3);
    }

    /** scan4 for eight runners: a table that misses the processor's caches waits on memory, eight such waits overlap. */
    private static void scan8(MultiPatternRunner[] r, int at, byte[] symbols, long[][] f) {
        MultiPatternRunner r0 = r[at + 0];
        MultiPatternRunner r1 = r[at + 1];
        MultiPatternRunner r2 = r[at + 2];
        MultiPatternRunner r3 = r[at + 3];
        MultiPatternRunner r4 = r[at + 4];
        MultiPatternRunner r5 = r[at + 5];
        MultiPatternRunner r6 = r[at + 6];
        MultiPatternRunner r7 = r[at + 7];
        char[] t0 = r0.table, t1 = r1.table, t2 = r2.table, t3 = r3.table, t4 = r4.table, t5 = r5.table, t6 = r6.table, t7 = r7.table;
        int[] k0 = r0.a.classOf, k1 = r1.a.classOf, k2 = r2.a.classOf, k3 = r3.a.classOf, k4 = r4.a.classOf, k5 = r5.a.classOf, k6 = r6.a.classOf, k7 = r7.a.classOf;
        int w0 = r0.width, w1 = r1.width, w2 = r2.width, w3 = r3.width, w4 = r4.width, w5 = r5.width, w6 = r6.width, w7 = r7.width;
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        for (byte b : symbols) {
            int sym = b & 0xff;
            int e0 = t0[s0 + k0[sym]];
            int e1 = t1[s1 + k1[sym]];
            int e2 = t2[s2 + k2[sym]];
            int e3 = t3[s3 + k3[sym]];
            int e4 = t4[s4 + k4[sym]];
            int e5 = t5[s5 + k5[sym]];
            int e6 = t6[s6 + k6[sym]];
            int e7 = t7[s7 + k7[sym]];
            if ((((e0 - 1) | (e1 - 1) | (e2 - 1) | (e3 - 1) | (e4 - 1) | (e5 - 1) | (e6 - 1) | (e7 - 1)) & SLOW) == 0) {
                s0 = (e0 - 1) * w0;
                s1 = (e1 - 1) * w1;
                s2 = (e2 - 1) * w2;
                s3 = (e3 - 1) * w3;
                s4 = (e4 - 1) * w4;
                s5 = (e5 - 1) * w5;
                s6 = (e6 - 1) * w6;
                s7 = (e7 - 1) * w7;
                continue;
            }
            s0 = r0.known(s0, k0[sym], e0, f[at + 0]);
            s1 = r1.known(s1, k1[sym], e1, f[at + 1]);
            s2 = r2.known(s2, k2[sym], e2, f[at + 2]);
            s3 = r3.known(s3, k3[sym], e3, f[at + 3]);
            s4 = r4.known(s4, k4[sym], e4, f[at + 4]);
            s5 = r5.known(s5, k5[sym], e5, f[at + 5]);
            s6 = r6.known(s6, k6[sym], e6, f[at + 6]);
            s7 = r7.known(s7, k7[sym], e7, f[at + 7]);
            t0 = r0.table;
            t1 = r1.table;
            t2 = r2.table;
            t3 = r3.table;
            t4 = r4.table;
            t5 = r5.table;
            t6 = r6.table;
            t7 = r7.table;
        }
        r0.flush(f[at + 0]);
        r1.flush(f[at + 1]);
        r2.flush(f[at + 2]);
        r3.flush(f[at + 3]);
        r4.flush(f[at + 4]);
        r5.flush(f[at + 5]);
        r6.flush(f[at + 6]);
        r7.flush(f[at + 7]);
    }

    /** scan4 for two runners (two groups left over). */
    private static void scan2(MultiPatternRunner[] r, int at, byte[] symbols, long[][] f) {
        MultiPatternRunner r0 = r[at + 0];
        MultiPatternRunner r1 = r[at + 1];
        char[] t0 = r0.table, t1 = r1.table;
        int[] k0 = r0.a.classOf, k1 = r1.a.classOf;
        int w0 = r0.width, w1 = r1.width;
        int s0 = 0, s1 = 0;
        for (byte b : symbols) {
            int sym = b & 0xff;
            int e0 = t0[s0 + k0[sym]];
            int e1 = t1[s1 + k1[sym]];
            if ((((e0 - 1) | (e1 - 1)) & SLOW) == 0) {
                s0 = (e0 - 1) * w0;
                s1 = (e1 - 1) * w1;
                continue;
            }
            s0 = r0.known(s0, k0[sym], e0, f[at + 0]);
            s1 = r1.known(s1, k1[sym], e1, f[at + 1]);
            t0 = r0.table;
            t1 = r1.table;
        }
        r0.flush(f[at + 0]);
        r1.flush(f[at + 1]);
    }

    /** The step on table entry e, known or not (the loops' rare case). */
    private int known(int row, int cls, int e, long[] found) {
        if (e == 0) return slow(row, cls, found);
        int next = (e & ~ACCEPT) - 1;
        if (e >= ACCEPT) {
            seen[next >> 6] |= 1L << next;
            seenWords |= 1L << Math.min(next >> 6, 63);
        }
        return next * width;
    }

    /** The step from the state at row offset row on class cls not made yet: made, its patterns added to found; the next row offset. */
    private int slow(int row, int cls, long[] found) {
        int next = step(row / width, cls, found);
        or(found, next);
        return next * width;
    }

    /** Adds the patterns of the accepting states seen in this scan to found, and forgets them. */
    private void flush(long[] found) {
        // only the words of seen that were written: flush runs for every runner and every text
        // (a message's paragraphs), where reading all of seen cost 3 % of the whole chain
        for (long words = seenWords; words != 0; words &= words - 1) {
            int w = Long.numberOfTrailingZeros(words);
            for (int k = w; k < (w == 63 ? seen.length : w + 1); k++) {   // bit 63: word 63 and every one after it
                for (long x = seen[k]; x != 0; x &= x - 1) or(found, k << 6 | Long.numberOfTrailingZeros(x));
                seen[k] = 0;
            }
        }
        seenWords = 0;
    }

    /** The table entry for a step to state id. */
    private char entry(int id) {
        boolean accepting = false;
        for (int w = 0; w < words; w++) accepting |= accepts[id * words + w] != 0;
        return (char) ((id + 1) | (accepting ? ACCEPT : 0));
    }

    private void or(long[] found, int state) {
        for (int w = 0, at = state * words; w < words; w++) found[w] |= accepts[at + w];
    }

    /** The state after state on a class, made (and the cache started afresh when full) if new. */
    private int step(int state, int cls, long[] found) {
        a.misses.incrementAndGet();
        int[] next = collect(sets.get(state), a.representative[cls], startStep[cls]);
        Integer known = index.get(new Key(next));
        if (known != null) {
            table[state * width + cls] = entry(known);
            return known;
        }
        boolean reset = sets.size() >= a.maxStates || bytes() >= MultiPatternAutomaton.MAX_CACHE_BYTES;
        if (reset) {
            flush(found);   // the state numbers in seen are about to mean other states
            a.weights = weights();
            a.resets.incrementAndGet();
            clear();
        }
        int id = add(next);
        if (!reset) table[state * width + cls] = entry(id);
        return id;
    }

    /**
     * For each pattern, how many different sets of its own NFA states the cached DFA states
     * hold: the states it would have alone. A pattern that keeps many partial matches alive
     * (a wide gap, a long run of a class) multiplies the states of the whole group.
     */
    private int[] weights() {
        List<java.util.Set<Integer>> seen = new ArrayList<>();
        for (int p = 0; p < a.patterns; p++) seen.add(new java.util.HashSet<>());
        for (int[] set : sets) {
            int i = 0;
            for (int p = 0; p < a.patterns && i < set.length; p++) {
                int end = p + 1 < a.patterns ? a.starts[p + 1] : Integer.MAX_VALUE;
                int from = i;
                while (i < set.length && set[i] < end) i++;
                if (i > from) seen.get(p).add(Arrays.hashCode(Arrays.copyOfRange(set, from, i)));
            }
        }
        int[] w = new int[a.patterns];
        for (int p = 0; p < a.patterns; p++) w[p] = seen.get(p).size();
        return w;
    }

    private void clear() {
        sets.clear();
        index.clear();
        setInts = 0;
        Arrays.fill(table, (char) 0);
        add(new int[0]);   // state 0: no partial match
    }

    private int add(int[] set) {
        int id = sets.size();
        sets.add(set);
        setInts += set.length;
        if ((id + 1) * words > accepts.length) accepts = Arrays.copyOf(accepts, accepts.length * 2);
        Arrays.fill(accepts, id * words, (id + 1) * words, 0L);
        for (int st : set) {
            int p = a.accepts[st];
            if (p >= 0) accepts[id * words + (p >> 6)] |= 1L << p;
        }
        index.put(new Key(set), id);
        if ((id + 1) * width > table.length) {   // by half again, never past the cache's limit
            table = Arrays.copyOf(table, Math.min(Math.max(table.length + table.length / 2, (id + 1) * width), (a.maxStates + 1) * width));
        }
        return id;
    }

    /** The NFA states reached from states on c, with extra added, sorted and distinct. */
    private int[] collect(int[] states, char c, int[] extra) {
        if (++generation == 0) { Arrays.fill(mark, 0); generation = 1; }
        int n = 0;
        char lower = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        for (int s : states) {
            char x = a.fold[s] ? lower : c;
            for (int e = a.first[s], end = a.first[s + 1]; e < end; e++) {
                if (x < a.min[e] || x > a.max[e]) continue;
                int d = a.dest[e];
                if (mark[d] == generation) continue;
                mark[d] = generation;
                if (n == buffer.length) buffer = Arrays.copyOf(buffer, n * 2);
                buffer[n++] = d;
            }
        }
        if (extra != null) {
            for (int d : extra) {
                if (mark[d] == generation) continue;
                mark[d] = generation;
                if (n == buffer.length) buffer = Arrays.copyOf(buffer, n * 2);
                buffer[n++] = d;
            }
        }
        int[] set = Arrays.copyOf(buffer, n);
        Arrays.sort(set);
        return set;
    }

    /** A set of NFA states as a map key. */
    private record Key(int[] set) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(set, k.set); }
        @Override public int hashCode() { return Arrays.hashCode(set); }
    }
}
