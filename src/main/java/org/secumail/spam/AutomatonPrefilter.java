// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.util.automaton.Operations;

/**
 * An automaton that reads a text once, in linear time, and says whether a pattern
 * <em>could</em> match somewhere in it: it accepts a superset of the pattern's language, so
 * "no" is certain and "maybe" means the Java pattern runs as before. SpamAssassin's
 * form-filling and obfuscation rules ({@code __FILL_THIS_FORM_*}, {@code __PAY_ME},
 * {@code __MY_MALWARE}) have no literal a match cannot do without and can begin at most
 * letters, so Java's backtracking matcher tries dozens of alternatives at nearly every
 * position of every paragraph; the automaton does one cached step per character. (sa-compile
 * and Hyperscan do the same for SpamAssassin with re2c and DFAs.)
 *
 * <p>The superset is built with Lucene's automata by dropping what an automaton cannot
 * express: anchors, {@code \b} and lookarounds match the empty string, a back-reference
 * matches any string, atomic groups and possessive quantifiers become ordinary ones,
 * {@code .}, {@code \h}, {@code \v} and {@code \p{..}} match any character, a counted
 * repetition above a few times becomes "at least min(n, a few) times" (fewer when the
 * automaton would be too large), and case folding (ASCII, as Java's without UNICODE_CASE)
 * applies to the whole pattern when any part of it folds. Only US-ASCII is modelled: a text
 * with any other character is always "maybe". A construct not understood here gives no
 * automaton, and the rule runs as before.
 *
 * <p>The automaton is a lazily determinized NFA (Lucene's NFARunAutomaton): states are
 * built when a text first reaches them and then cached, so loading costs nothing and
 * ordinary mail runs on cached states. Crafted text can only make new states, and the
 * caches of all rules together hold at most {@link #MAX_CACHED_STATES}.
 */
final class AutomatonPrefilter {
    /** The largest automaton (Lucene's own accounting) kept for one rule. */
    static final long MAX_BYTES = 1L << 20;
    /**
     * Determinized states the runners of all rules may cache together; the runner whose scan
     * goes past it starts afresh, so memory stays bounded (about a kilobyte a state with
     * Lucene's own) while the states ordinary mail visits stay cached (16,500 for all rules
     * after the 400 corpus messages of the tests).
     */
    static final int MAX_CACHED_STATES = 16_000;
    private static final AtomicLong CACHED = new AtomicLong();

    /** The automaton; null once switched off. */
    private volatile Automaton nfa;
    /** The pattern folds case: the automaton knows lower case only, and reads the text so. */
    private final boolean lower;
    /**
     * The one runner, taken by a scan and put back after it. A scan that finds it taken (two
     * messages at the same rule at the same moment, rare with hundreds of rules) says maybe
     * rather than wait or keep a second cache: memory matters more than those few patterns.
     * Null for good once the trial switched the automaton off, so its memory goes.
     */
    private final AtomicReference<AutomatonRunner> runner = new AtomicReference<>();

    private AutomatonPrefilter(Automaton nfa, boolean lower) {
        this.nfa = nfa;
        this.lower = lower;
        runner.set(new AutomatonRunner(nfa, lower));
        CACHED.addAndGet(runner.get().size());
    }

    /** Scans before the automaton judges whether it pays. */
    static final int TRIAL_SCANS = 300;

    private final AtomicInteger scans = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger patternRuns = new AtomicInteger();
    private final AtomicLong scanNanos = new AtomicLong();
    private final AtomicLong patternNanos = new AtomicLong();
    private volatile boolean off;

    /**
     * False when no match of the pattern can occur in the text; true when one may (also when
     * the text is not US-ASCII, every runner is busy with another message, or the automaton
     * was switched off because it did not pay: see {@link #judge()}).
     */
    boolean mayMatch(CharSequence text) {
        if (off) return true;
        if (!inTrial()) return scan(text);
        long t0 = System.nanoTime();
        boolean maybe = scan(text);
        scanNanos.addAndGet(System.nanoTime() - t0);
        if (!maybe) refused.incrementAndGet();
        if (scans.incrementAndGet() == TRIAL_SCANS) judge();
        return maybe;
    }

    /** Whether the first {@link #TRIAL_SCANS} scans, which are timed, are still going on. */
    boolean inTrial() { return scans.get() < TRIAL_SCANS && !off; }

    /** During the trial: what running the pattern cost after a "maybe", in nanoseconds. */
    void patternRan(long nanos) {
        patternRuns.incrementAndGet();
        patternNanos.addAndGet(nanos);
    }

    /**
     * At the end of the trial: the pattern runs the automaton spared, each priced at what a
     * run cost in the trial, against the time its scans took. A superset so loose that it
     * rarely says no, or a pattern that fails fast anyway, is not worth a scan of every
     * paragraph: the automaton is switched off. (Refusing everything leaves no price: kept.)
     */
    private void judge() {
        if (patternRuns.get() == 0) return;
        double perRun = (double) patternNanos.get() / patternRuns.get();
        if (refused.get() * perRun < scanNanos.get()) {
            off = true;
            OFF.incrementAndGet();
            nfa = null;
            AutomatonRunner r = runner.getAndSet(null);   // (a scan holding it drops it itself)
            if (r != null) CACHED.addAndGet(-r.size());
        }
    }

    /** Whether the trial switched this automaton off. */
    boolean off() { return off; }

    private boolean scan(CharSequence text) {
        AutomatonRunner run = runner.getAndSet(null);
        if (run == null) return true;
        int before = run.size();
        try {
            return run.mayMatch(text);
        } finally {
            int size = run.size();
            if (off) {
                CACHED.addAndGet(-before);   // switched off meanwhile: not put back
            } else {
                if (CACHED.addAndGet(size - before) > MAX_CACHED_STATES || size >= AutomatonRunner.MAX_STATES) {
                    RESETS.incrementAndGet();
                    CACHED.addAndGet(-size);
                    run = new AutomatonRunner(nfa, lower);
                    CACHED.addAndGet(run.size());
                }
                runner.set(run);
            }
        }
    }

    private static final AtomicLong RESETS = new AtomicLong();
    private static final AtomicLong OFF = new AtomicLong();

    /** How many automata their trial switched off. */
    static long switchedOff() { return OFF.get(); }

    /** How many times a runner started afresh because all caches together were full. */
    static long resets() { return RESETS.get(); }

    /** States the runners of all rules have cached now. */
    static long cachedStates() { return CACHED.get(); }

    /** Memory held: the automaton and what its runners have determinized so far. */
    long bytes() {
        AutomatonRunner r = runner.get();
        Automaton a = nfa;
        return (a == null ? 0 : a.ramBytesUsed()) + (r == null ? 0 : r.bytes() + 700L * r.size());   // the table, and Lucene's states
    }

    /** The prefilter for a pattern, or null when none could be made within the limits. */
    static AutomatonPrefilter of(Pattern p) {
        int bad = Pattern.COMMENTS | Pattern.LITERAL | Pattern.UNICODE_CASE | Pattern.CANON_EQ | Pattern.UNICODE_CHARACTER_CLASS;
        if ((p.flags() & bad) != 0) return null;
        boolean fold = (p.flags() & Pattern.CASE_INSENSITIVE) != 0 || Pattern.compile("\\(\\?[a-zA-Z]*i").matcher(p.pattern()).find();
        for (int exact : new int[] {3, 2, 1}) {
            try {
                Builder b = new Builder(p.pattern(), fold, exact);
                Automaton a = b.alternation();
                if (b.i != b.re.length()) return null;
                Automaton search = nz(Operations.concatenate(ANY_STRING, a));
                if (search.ramBytesUsed() <= MAX_BYTES) return new AutomatonPrefilter(search, fold);
            } catch (RuntimeException | StackOverflowError e) {
                return null;   // a construct not handled here: the rule runs without
            }
        }
        return null;
    }

    private static final Automaton ANY_CHAR = Automata.makeCharRange(0, 0x7f);
    private static final Automaton ANY_STRING = Operations.repeat(ANY_CHAR);
    /** The empty language (a pattern that needs characters above U+007F), with a start state. */
    private static final Automaton NOTHING = nothing();

    /**
     * Lucene gives the empty language as an automaton without states, which its own union and
     * run then cannot start from: the empty language here always has its start state.
     */
    static Automaton nz(Automaton a) { return a.getNumStates() == 0 ? NOTHING : a; }

    private static Automaton nothing() {
        Automaton a = new Automaton();
        a.createState();
        a.finishState();
        return a;
    }

    /** Recursive descent over Java's pattern syntax, building the superset automaton. */
    private static final class Builder {
        final String re;
        final boolean fold;
        final int exactUpTo;
        int i;

        Builder(String re, boolean fold, int exactUpTo) {
            this.re = re;
            this.fold = fold;
            this.exactUpTo = exactUpTo;
        }

        Automaton alternation() {
            List<Automaton> alts = new ArrayList<>();
            while (true) {
                alts.add(sequence());
                if (i < re.length() && re.charAt(i) == '|') { i++; continue; }
                return alts.size() == 1 ? alts.get(0) : nz(Operations.union(alts));
            }
        }

        Automaton sequence() {
            List<Automaton> parts = new ArrayList<>();
            while (i < re.length() && re.charAt(i) != '|' && re.charAt(i) != ')') {
                Automaton a = atom();
                parts.add(quantified(a));
            }
            return parts.isEmpty() ? Automata.makeEmptyString() : parts.size() == 1 ? parts.get(0) : nz(Operations.concatenate(parts));
        }

        private Automaton quantified(Automaton a) {
            if (i >= re.length()) return a;
            char c = re.charAt(i);
            int min;
            int max;
            if (c == '?') { min = 0; max = 1; }
            else if (c == '*') { min = 0; max = -1; }
            else if (c == '+') { min = 1; max = -1; }
            else if (c == '{' && re.indexOf('}', i) > i && re.substring(i + 1, re.indexOf('}', i)).matches("\\s*\\d+\\s*(,\\s*\\d*\\s*)?")) {
                int end = re.indexOf('}', i);
                String[] mm = re.substring(i + 1, end).split(",", -1);
                min = Integer.parseInt(mm[0].strip());
                max = mm.length == 1 ? min : mm[1].isBlank() ? -1 : Integer.parseInt(mm[1].strip());
                i = end;
            } else {
                return a;
            }
            i++;
            if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) i++;   // lazy, possessive: same or fewer matches
            if (max == 1) return min == 0 ? Operations.optional(a) : a;
            if (max >= 0 && max <= exactUpTo) return nz(Operations.repeat(a, min, max));
            return nz(Operations.repeat(a, Math.min(min, exactUpTo)));   // at least min(n, exactUpTo): a superset
        }

        private Automaton atom() {
            char c = re.charAt(i);
            if (c == '\\') return escape();
            if (c == '[') return chars(charClass());
            if (c == '(') return group();
            i++;
            if (c == '^' || c == '$') return Automata.makeEmptyString();
            if (c == '.') return ANY_CHAR;
            return chars(one(c));
        }

        private Automaton group() {
            i++;
            Automaton a;
            if (re.startsWith("?=", i) || re.startsWith("?!", i) || re.startsWith("?<=", i) || re.startsWith("?<!", i)) {
                i += re.charAt(i + 1) == '<' ? 3 : 2;
                alternation();                       // zero-width: matches the empty string
                a = Automata.makeEmptyString();
            } else {
                if (re.charAt(i) == '?') {
                    int j = i + 1;
                    if (re.startsWith("<", j)) {
                        j = re.indexOf('>', j) + 1;  // named group
                    } else {
                        int flags = j;
                        while (j < re.length() && "imsxdu-U".indexOf(re.charAt(j)) >= 0) j++;
                        String f = re.substring(flags, j);
                        if (f.contains("x") || f.contains("u") || f.contains("U")) throw new IllegalStateException("flags " + f);
                        if (j < re.length() && re.charAt(j) == ')') {   // inline flags alone: no group
                            i = j + 1;
                            return Automata.makeEmptyString();
                        }
                        if (j < re.length() && (re.charAt(j) == ':' || re.charAt(j) == '>')) j++;
                        else throw new IllegalStateException("group " + re.substring(i));
                    }
                    i = j;
                }
                a = alternation();
            }
            if (i >= re.length() || re.charAt(i) != ')') throw new IllegalStateException("unclosed group");
            i++;
            return a;
        }

        /** An escape outside a class. */
        private Automaton escape() {
            char d = re.charAt(i + 1);
            switch (d) {
                case 'b', 'B', 'A', 'z', 'Z', 'G' -> { i += 2; return Automata.makeEmptyString(); }
                case 'k' -> { i = re.indexOf('>', i) + 1; return ANY_STRING; }
                case 'Q' -> {
                    int e = re.indexOf("\\E", i + 2);
                    String lit = e < 0 ? re.substring(i + 2) : re.substring(i + 2, e);
                    i = e < 0 ? re.length() : e + 2;
                    List<Automaton> parts = new ArrayList<>();
                    for (char c : lit.toCharArray()) parts.add(chars(one(c)));
                    return parts.isEmpty() ? Automata.makeEmptyString() : nz(Operations.concatenate(parts));
                }
                default -> {
                    if (d >= '1' && d <= '9') {            // back-reference: any string
                        i += 2;
                        while (i < re.length() && Character.isDigit(re.charAt(i))) i++;
                        return ANY_STRING;
                    }
                    return chars(classEscape());
                }
            }
        }

        /** An escape standing for characters (in or out of a class), consumed. */
        private BitSet classEscape() {
            char d = re.charAt(i + 1);
            i += 2;
            BitSet s = new BitSet(0x10000);
            switch (d) {
                case 'd' -> s.set('0', '9' + 1);
                case 'D' -> { s.set('0', '9' + 1); s.flip(0, 0x10000); }
                case 's' -> space(s);
                case 'S' -> { space(s); s.flip(0, 0x10000); }
                case 'w' -> word(s);
                case 'W' -> { word(s); s.flip(0, 0x10000); }
                case 'h', 'H', 'v', 'V', 'p', 'P' -> {
                    if ((d == 'p' || d == 'P') && i < re.length()) {
                        if (re.charAt(i) == '{') i = re.indexOf('}', i) + 1; else i++;
                    }
                    s.set(0, 0x10000);                   // not worked out: any character
                }
                case 'x' -> s.set(hex());
                case 'u' -> { s.set(Integer.parseInt(re.substring(i, i + 4), 16)); i += 4; }
                case '0' -> {
                    int j = i;
                    while (j < re.length() && j < i + 3 && re.charAt(j) >= '0' && re.charAt(j) <= '7') j++;
                    s.set(Integer.parseInt(re.substring(i, j), 8));
                    i = j;
                }
                case 'c' -> s.set(re.charAt(i++) ^ 64);
                case 't' -> s.set('\t');
                case 'n' -> s.set('\n');
                case 'r' -> s.set('\r');
                case 'f' -> s.set('\f');
                case 'a' -> s.set(7);
                case 'e' -> s.set(0x1b);
                default -> {
                    if (Character.isLetterOrDigit(d)) throw new IllegalStateException("escape \\" + d);
                    s.set(d);
                }
            }
            return s;
        }

        private int hex() {
            int cp;
            if (re.charAt(i) == '{') {
                int e = re.indexOf('}', i);
                cp = Integer.parseInt(re.substring(i + 1, e), 16);
                i = e + 1;
            } else {
                cp = Integer.parseInt(re.substring(i, i + 2), 16);
                i += 2;
            }
            if (cp > 0xffff) throw new IllegalStateException("supplementary");
            return cp;
        }

        /** [...] at i, consumed: negation, ranges, escapes and nested classes (union); no "&&". */
        private BitSet charClass() {
            i++;
            boolean negate = i < re.length() && re.charAt(i) == '^';
            if (negate) i++;
            BitSet s = new BitSet(0x10000);
            boolean first = true;
            while (i < re.length() && (re.charAt(i) != ']' || first)) {
                first = false;
                char c = re.charAt(i);
                if (re.startsWith("&&", i)) throw new IllegalStateException("class intersection");
                if (c == '[') { s.or(charClass()); continue; }
                int lo;
                if (c == '\\') {
                    BitSet e = classEscape();
                    if (e.cardinality() != 1 || !(re.charAt(i) == '-' && i + 1 < re.length() && re.charAt(i + 1) != ']')) {
                        s.or(e);
                        continue;
                    }
                    lo = e.nextSetBit(0);
                } else {
                    lo = c;
                    i++;
                }
                if (i + 1 < re.length() && re.charAt(i) == '-' && re.charAt(i + 1) != ']' && re.charAt(i + 1) != '[') {
                    i++;
                    int hi;
                    if (re.charAt(i) == '\\') {
                        BitSet e = classEscape();
                        if (e.cardinality() != 1) throw new IllegalStateException("range to a class");
                        hi = e.nextSetBit(0);
                    } else {
                        hi = re.charAt(i++);
                    }
                    if (hi < lo) throw new IllegalStateException("bad range");
                    s.set(lo, hi + 1);
                } else {
                    s.set(lo);
                }
            }
            if (i >= re.length()) throw new IllegalStateException("unclosed class");
            i++;
            if (negate) {
                if (fold) fold(s);   // Java folds before negating: [^a] under (?i) excludes A too
                s.flip(0, 0x10000);
            }
            return s;
        }

        private static BitSet one(char c) {
            BitSet s = new BitSet(0x10000);
            s.set(c);
            return s;
        }

        private static void space(BitSet s) { for (char c : " \t\n\u000b\f\r".toCharArray()) s.set(c); }

        private static void word(BitSet s) {
            s.set('a', 'z' + 1);
            s.set('A', 'Z' + 1);
            s.set('0', '9' + 1);
            s.set('_');
        }

        private static void fold(BitSet s) {
            for (char c = 'a'; c <= 'z'; c++) {
                char u = (char) (c - 32);
                if (s.get(c) || s.get(u)) { s.set(c); s.set(u); }
            }
        }

        /**
         * One step over a set of characters (ASCII-folded when the pattern folds), US-ASCII
         * only: the automaton is asked about US-ASCII texts only, where a match cannot use
         * anything else. This drops the dozens of Latin-1 and UTF-8 look-alikes the
         * obfuscation rules spell out for each letter, which make determinization explode.
         */
        private Automaton chars(BitSet s) {
            if (fold) {
                for (char c = 'A'; c <= 'Z'; c++) if (s.get(c)) s.set(c + 32);
                s.clear('A', 'Z' + 1);
            }
            s.clear(0x80, 0x10000);
            List<int[]> ranges = new ArrayList<>();
            for (int a = s.nextSetBit(0); a >= 0; a = s.nextSetBit(a)) {
                int b = s.nextClearBit(a);
                ranges.add(new int[] {a, b - 1});
                a = b;
            }
            if (ranges.isEmpty()) return NOTHING;   // Lucene's makeEmpty() has no state and breaks concatenation
            int[] starts = new int[ranges.size()];
            int[] ends = new int[ranges.size()];
            for (int k = 0; k < ranges.size(); k++) { starts[k] = ranges.get(k)[0]; ends[k] = ranges.get(k)[1]; }
            return Automata.makeCharClass(starts, ends);
        }
    }
}
