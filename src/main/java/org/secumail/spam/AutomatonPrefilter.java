// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.regex.Pattern;
import org.apache.lucene.util.automaton.Automaton;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
        boolean multiline = (p.flags() & Pattern.MULTILINE) != 0 || Pattern.compile("\\(\\?[a-zA-Z]*m").matcher(p.pattern()).find();
        for (int exact : new int[] {3, 2, 1}) {   // fewer exact repetitions, a smaller automaton
            Automaton search = RegexAutomaton.search(p.pattern(), fold, multiline, exact);
            if (search == null) return null;   // a construct not handled: the rule runs without
            if (search.ramBytesUsed() <= MAX_BYTES) return new AutomatonPrefilter(search, fold);
        }
        return null;
    }
}
