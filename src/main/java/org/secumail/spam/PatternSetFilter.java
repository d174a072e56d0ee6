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
 * adapt to the mail: they start {@link #GROUP} patterns each, and a group whose cache fills
 * up ({@link MultiPatternAutomaton#MAX_STATES}) is split in two, until the patterns that
 * explode are alone or nearly, and the others share a few large groups. The answers never
 * change, only what they cost; a pattern with no automaton is always "maybe".
 */
final class PatternSetFilter {
    /** Patterns per group at the start. */
    static final int GROUP = 32;

    /** A group: its automaton and the index, among all patterns, of each of its patterns. */
    private record Group(MultiPatternAutomaton automaton, int[] members, List<MultiPatternAutomaton.PatternNfa> nfas) { }

    private final int patterns;
    private final boolean[] always;
    private volatile Group[] groups;
    private final AtomicLong splits = new AtomicLong();

    private final int maxStates;

    private PatternSetFilter(int patterns, boolean[] always, Group[] groups, int maxStates) {
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
        for (int p = 0; p < patterns.size(); p++) {
            MultiPatternAutomaton.PatternNfa n = MultiPatternAutomaton.PatternNfa.of(patterns.get(p));
            if (n == null) { always[p] = true; continue; }
            members.add(p);
            nfas.add(n);
            if (nfas.size() == GROUP) { groups.add(group(members, nfas, maxStates)); members.clear(); nfas.clear(); }
        }
        if (!nfas.isEmpty()) groups.add(group(members, nfas, maxStates));
        return new PatternSetFilter(patterns.size(), always, groups.toArray(new Group[0]), maxStates);
    }

    private static Group group(List<Integer> members, List<MultiPatternAutomaton.PatternNfa> nfas, int maxStates) {
        return new Group(new MultiPatternAutomaton(List.copyOf(nfas), maxStates), members.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(nfas));
    }

    /** Whether a pattern is filtered at all (else always "maybe"). */
    boolean filters(int p) { return !always[p]; }

    /** The patterns that may match in the text, as bits over their indexes. */
    long[] scan(CharSequence text) {
        long[] bits = new long[(patterns + 63) >> 6];
        byte[] symbols = MultiPatternAutomaton.symbols(text);
        for (int p = 0; p < patterns; p++) if (always[p] || symbols == null) bits[p >> 6] |= 1L << p;   // NUL: all maybe
        if (symbols == null) return bits;
        for (Group g : groups) {
            long before = g.automaton().resets.get();
            long[] local = g.automaton().scan(symbols);
            int[] m = g.members();
            for (int w = 0; w < local.length; w++) {
                for (long x = local[w]; x != 0; x &= x - 1) {
                    int p = m[w << 6 | Long.numberOfTrailingZeros(x)];
                    bits[p >> 6] |= 1L << p;
                }
            }
            if (g.automaton().resets.get() != before && m.length > 1) split(g);
        }
        return bits;
    }

    static boolean has(long[] bits, int p) { return (bits[p >> 6] & 1L << p) != 0; }

    /** Replaces a group whose cache filled up with its two halves (once: others may race). */
    private synchronized void split(Group g) {
        Group[] now = groups;
        int at = Arrays.asList(now).indexOf(g);
        if (at < 0) return;
        int half = g.members().length / 2;
        List<Integer> members = Arrays.stream(g.members()).boxed().toList();
        Group[] next = new Group[now.length + 1];
        System.arraycopy(now, 0, next, 0, at);
        next[at] = group(members.subList(0, half), g.nfas().subList(0, half), maxStates);
        next[at + 1] = group(members.subList(half, members.size()), g.nfas().subList(half, members.size()), maxStates);
        System.arraycopy(now, at + 1, next, at + 2, now.length - at - 1);
        groups = next;
        splits.incrementAndGet();
    }

    /** Groups now, splits so far, DFA states cached, caches started afresh: for the profile. */
    String stats() {
        long states = 0;
        long resets = 0;
        long bytes = 0;
        for (Group g : groups) {
            states += g.automaton().cachedStates();
            resets += g.automaton().resets.get();
            bytes += g.automaton().bytes();
        }
        return groups.length + " groups (" + splits.get() + " splits), " + states + " states cached, " + resets + " restarts, " + bytes / 1024 + " KiB";
    }

    /** Memory held by the automata and their caches. */
    long bytes() {
        long b = 0;
        for (Group g : groups) b += g.automaton().bytes();
        return b;
    }
}
