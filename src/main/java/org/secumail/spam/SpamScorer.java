// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a {@link RuleSet} over one message, as SpamAssassin's Check plugin does: header,
 * mimeheader, body, rawbody, uri and full rules in priority order, eval tests, then meta
 * rules in dependency order; the hits' scores from the score set in use (network tests
 * on or off, Bayes usable or not) are summed.
 *
 * <p>Each pattern match has a step budget ({@link BudgetedText}): a pattern that would
 * backtrack catastrophically on this message stops, counts as not hit, and is named in the
 * report's {@code skipped} list. The whole scan also stops taking new rules at its deadline.
 * Rules whose score is 0 in the set in use run only when a meta rule that can count reads them.
 */
public final class SpamScorer {
    /** Characters one pattern may read per character of input, plus a fixed allowance. */
    static final long STEPS_PER_CHAR = 200;
    static final long STEPS_FIXED = 200_000;

    private final RuleSet rules;
    /**
     * Per score set, the rules whose result can count: those with a score there, and the
     * inputs of such meta rules, transitively. A rule outside it (no score, read only by meta
     * rules that cannot count either) is not run, and such a meta is not evaluated.
     */
    private final List<Set<String>> needed = new ArrayList<>();
    /** Per score set, per meta rule (in {@link RuleSet#metas()} order): not needed there. */
    private final boolean[][] metaIdle = new boolean[4][];
    /**
     * The meta rules bound to slots ({@link MetaExpression#bind}): every name a meta reads or
     * sets has a slot, so the thousand-odd metas of each message read an array, not a map.
     */
    private final Map<String, Integer> metaSlots = new HashMap<>();
    private final MetaExpression[] boundMetas;
    private final int[] metaSlot;
    /**
     * What each meta gives when every slot it reads is 0, and by slot the metas that read it
     * (indexes in {@link #boundMetas}). A message hits a few dozen of the thousands of rules,
     * so most metas read only zeros: only those reading a slot that is not are evaluated,
     * which spared the scorer walking a thousand expression trees per message.
     */
    private final double[] metaAtZero;
    private final int[][] metaReaders;
    /** With -Dsecumail.spam.profile=true: CPU nanoseconds per rule, summed over every message scored. */
    static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> PROFILE =
            Boolean.getBoolean("secumail.spam.profile") ? new java.util.concurrent.ConcurrentHashMap<>() : null;

    /**
     * The literal prefilter of the body, rawbody and full rules; each is dropped once its
     * type's pattern set is built, which says no wherever it would (a pattern's automaton
     * holds its literals) and more often, so its tables (megabytes) are not kept for nothing.
     */
    private final Map<Rule.Type, LiteralPrefilter> prefilters = new java.util.concurrent.ConcurrentHashMap<>();
    /** Body, rawbody and full rules tried only where a match can begin ({@link StartChars}). */
    private final Map<String, StartChars> startChars = new HashMap<>();
    private static final List<Rule.Type> TYPES = List.of(Rule.Type.HEADER, Rule.Type.MIMEHEADER, Rule.Type.BODY, Rule.Type.RAWBODY, Rule.Type.URI, Rule.Type.FULL);

    /**
     * What scoring one rule needs besides the rule, worked out once at load rather than
     * looked up by name for every rule of every message.
     *
     * @param literals   for a header rule, its header's literal prefilter, or null
     * @param headerSlot for a header rule with a literal prefilter: its header's (and modifier's) slot
     *                   in a message's array of literals found, else -1
     * @param memoKey    for a header rule: the key of its header in the message's memo
     * @param readsAuth  an eval of the earlier checks' results, run last ({@link Scan#readsAuth})
     * @param idle       per score set: the rule has no score there and no meta reads it, so it does not run
     */
    private record Plan(Rule rule, boolean net, LiteralPrefilter literals, int[] literalIds, LiteralPrefilter typeFilter,
                        int[] typeLiteralIds, int headerSlot,
                        String memoKey, StartChars start, int setIndex, boolean readsAuth, boolean[] idle) { }

    private final Map<Rule.Type, List<Plan>> plans = new java.util.EnumMap<>(Rule.Type.class);

    /**
     * The plans a pass runs, with each one's setIndex beside it: most pattern rules are ruled
     * out by the type's pattern set, and deciding that from this array, without reading the
     * plan, its rule and their fields (scattered over the heap, and out of the processor's
     * caches after the set scan has streamed megabytes of tables through them), is cheaper:
     * reading them for every rule was 5 % of the whole chain's JFR samples.
     */
    private record Selection(Plan[] plans, int[] setIndex) { }
    /** {@link #selected}'s arrays, by type, score set, network, kind and pass. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Selection> selections =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(Rule.Type.values().length * 4 * 2 * 3 * 2);

    /**
     * Dense rows of a header's literal automaton: a header is a few hundred characters, read
     * once per message, where the full 4,096 rows (4 MiB) of each of dozens of headers would
     * cost memory and save nothing measurable.
     */
    static final int HEADER_DENSE_STATES = 64;

    /** The slot of each header (and modifier) with a literal prefilter, in a message's array of what they found. */
    private final Map<String, Integer> headerSlots = new HashMap<>();
    /** Header rules by header and modifier: the literal prefilter of each header's rules. */
    private final Map<String, LiteralPrefilter> headerPrefilters = new HashMap<>();
    /**
     * The patterns of each type read together by linear-time automata, one pass over each text
     * ({@link PatternSetFilter}): the body, rawbody and full rules, and the header rules on
     * ALL (the whole header, kilobytes long). Built by a background thread: building them
     * takes a few seconds, which neither start-up nor a reload should wait for (the rules run
     * unfiltered until then). A plan's setIndex is its pattern's index in its type's filter.
     */
    private final Thread automatonBuilder;
    private final Map<Rule.Type, AtomicReference<PatternSetFilter>> setFilters = new java.util.EnumMap<>(Rule.Type.class);
    private final Map<Rule.Type, List<java.util.regex.Pattern>> setPatterns = new java.util.EnumMap<>(Rule.Type.class);
    private static final List<Rule.Type> SET_TYPES = List.of(Rule.Type.HEADER, Rule.Type.BODY, Rule.Type.RAWBODY, Rule.Type.FULL);
    private static final String ALL_MEMO = MessageView.headerMemoKey("ALL", "");

    public SpamScorer(RuleSet rules) {
        this(rules, !"false".equals(System.getProperty("secumail.spam.prefilter")));
    }

    /** With prefilter false every rule runs (-Dsecumail.spam.prefilter=false; tests compare both). */
    SpamScorer(RuleSet rules, boolean prefilter) {
        this.rules = rules;
        for (int set = 0; set < 4; set++) needed.add(needed(rules, set));
        List<Rule> metas = rules.metas();
        boundMetas = new MetaExpression[metas.size()];
        metaSlot = new int[metas.size()];
        for (int i = 0; i < metas.size(); i++) {
            boundMetas[i] = ((Rule.Meta) metas.get(i).test()).expression().bind(this::metaSlot);
            metaSlot[i] = metaSlot(metas.get(i).name());
        }
        metaAtZero = new double[metas.size()];
        List<List<Integer>> readers = new ArrayList<>();
        for (int k = 0; k < metaSlots.size(); k++) readers.add(new ArrayList<>());
        double[] zeros = new double[metaSlots.size()];
        for (int i = 0; i < boundMetas.length; i++) {
            metaAtZero[i] = boundMetas[i].evaluate(zeros);
            for (int k : boundMetas[i].slots()) readers.get(k).add(i);
        }
        metaReaders = new int[readers.size()][];
        for (int k = 0; k < metaReaders.length; k++) metaReaders[k] = readers.get(k).stream().mapToInt(Integer::intValue).toArray();
        for (int set = 0; set < 4; set++) {
            metaIdle[set] = new boolean[metas.size()];
            for (int i = 0; i < metas.size(); i++) metaIdle[set][i] = !needed.get(set).contains(metas.get(i).name());
        }
        if (prefilter) {
            for (Rule.Type t : List.of(Rule.Type.BODY, Rule.Type.RAWBODY, Rule.Type.FULL, Rule.Type.HEADER)) {
                if (t != Rule.Type.HEADER) prefilters.put(t, LiteralPrefilter.of(rules.rules(t)));
                for (Rule r : rules.rules(t)) {
                    if (!(r.test() instanceof Rule.Match m) || m.pattern() == null) continue;
                    StartChars sc = StartChars.of(m.pattern());
                    if (sc != null) startChars.put(r.name(), sc);
                }
            }
            Map<String, List<Rule>> byHeader = new HashMap<>();
            for (Rule r : rules.rules(Rule.Type.HEADER)) {
                if (headerKey(r) != null) byHeader.computeIfAbsent(headerKey(r), k -> new ArrayList<>()).add(r);
            }
            byHeader.forEach((k, list) -> {
                LiteralPrefilter lp = LiteralPrefilter.of(list, HEADER_DENSE_STATES);
                if (lp.filtered() > 0) headerPrefilters.put(k, lp);
            });
            for (Rule.Type t : SET_TYPES) {
                setFilters.put(t, new AtomicReference<>());
                setPatterns.put(t, new ArrayList<>());
            }
        }
        for (Rule.Type t : TYPES) {
            List<Plan> list = new ArrayList<>();
            List<java.util.regex.Pattern> set = setPatterns.get(t);
            for (Rule r : rules.rules(t)) {
                int setIndex = -1;
                boolean[] idle = idle(r);
                // a rule idle in every score set never runs: its pattern would only cost the
                // set's automata states (and the splits that make more groups to read)
                boolean runs = !(idle[0] && idle[1] && idle[2] && idle[3]);
                if (set != null && runs && r.test() instanceof Rule.Match m && m.pattern() != null && !m.negate()
                        && (t != Rule.Type.HEADER || ALL_MEMO.equals(MessageView.headerMemoKey(m.header(), m.modifier())) && m.ifUnset() == null)) {
                    setIndex = set.size();
                    set.add(m.pattern());
                }
                String hk = t == Rule.Type.HEADER ? headerKey(r) : null;
                LiteralPrefilter lp = t == Rule.Type.HEADER && hk != null ? headerPrefilters.get(hk) : null;
                String memo = r.test() instanceof Rule.Match m && t == Rule.Type.HEADER ? MessageView.headerMemoKey(m.header(), m.modifier()) : null;
                LiteralPrefilter tp = prefilters.get(t);
                list.add(new Plan(r, r.tflags().contains("net"), lp, lp == null ? null : lp.ids(r), tp, tp == null ? null : tp.ids(r),
                        lp == null ? -1 : headerSlots.computeIfAbsent(hk, k -> headerSlots.size()), memo,
                        startChars.get(r.name()), setIndex, r.test() instanceof Rule.Eval e && Scan.readsAuth(e.function()), idle));
            }
            plans.put(t, list);
        }
        automatonBuilder = setPatterns.isEmpty() ? null
                : Thread.ofPlatform().daemon().priority(Thread.MIN_PRIORITY).name("spam-automata").start(this::buildAutomata);
    }

    /** The names of the rules whose result can count in a score set (see {@link #needed}). */
    private static Set<String> needed(RuleSet rules, int set) {
        Set<String> out = new HashSet<>();
        java.util.ArrayDeque<String> metas = new java.util.ArrayDeque<>();
        for (Rule.Type t : Rule.Type.values()) {
            for (Rule r : t == Rule.Type.META ? rules.metas() : rules.rules(t)) {
                if (r.score(set) != 0 && out.add(r.name()) && r.test() instanceof Rule.Meta) metas.add(r.name());
            }
        }
        while (!metas.isEmpty()) {
            Rule m = rules.rule(metas.poll());
            if (m == null || !(m.test() instanceof Rule.Meta meta)) continue;
            for (String in : meta.expression().references()) {
                Rule r = rules.rule(in);
                if (out.add(in) && r != null && r.test() instanceof Rule.Meta) metas.add(in);
            }
        }
        return out;
    }

    /** For each score set, whether the rule need not run there: its result cannot count (see {@link #needed}). */
    private boolean[] idle(Rule r) {
        boolean[] idle = new boolean[4];
        for (int set = 0; set < 4; set++) idle[set] = !needed.get(set).contains(r.name());
        return idle;
    }

    private int metaSlot(String name) {
        return metaSlots.computeIfAbsent(name, n -> metaSlots.size());
    }

    private void buildAutomata() {
        long bytes = 0;
        for (Rule.Type t : SET_TYPES) {
            List<java.util.regex.Pattern> set = setPatterns.get(t);
            if (set.isEmpty()) continue;
            PatternSetFilter f = PatternSetFilter.of(set);
            setFilters.get(t).set(f);
            prefilters.remove(t);
            bytes += f.bytes();
        }
        if (PROFILE != null) {
            System.err.println("spam: pattern sets built, " + bytes / 1024 + " KiB");
            profiled = setFilters;
        }
        // Building them leaves tens of megabytes of garbage (Lucene's intermediate automata),
        // which would keep the heap, and the resident size, that much larger until a full
        // collection: collect once now, while the server is idle at start or reload.
        System.gc();
    }

    /** With the profile on: the set filters of the last scorer built, for {@link #setFilterStats()}. */
    private static volatile Map<Rule.Type, AtomicReference<PatternSetFilter>> profiled;

    /** For the profile: each type's set filter, its groups and caches. */
    static String setFilterStats() {
        StringBuilder sb = new StringBuilder();
        Map<Rule.Type, AtomicReference<PatternSetFilter>> m = profiled;
        if (m != null) m.forEach((t, f) -> { if (f.get() != null) sb.append(t.name().toLowerCase()).append(": ").append(f.get().stats()).append("; "); });
        return sb.toString();
    }

    /** Waits until every automaton is built (tests, and the profile of "spam check"). */
    void awaitAutomata() throws InterruptedException {
        if (automatonBuilder != null) automatonBuilder.join();
    }


    /**
     * The header and modifier a header rule reads, when the literal prefilter may skip it:
     * not for "!~" (a rule that hits where its pattern is absent) nor with an if-unset text.
     */
    private static String headerKey(Rule r) {
        if (!(r.test() instanceof Rule.Match m) || m.pattern() == null || m.negate() || m.ifUnset() != null) return null;
        return m.header() + "\0" + m.modifier();
    }

    /** Whether a header rule may hit: its literals occur in the header it reads (scanned once per header). */
    private static boolean headerMayHit(Plan p, MessageView v, boolean[][] found) {
        boolean[] f = found[p.headerSlot()];
        if (f == null) {
            Rule.Match m = (Rule.Match) p.rule().test();
            String value = v.header(p.memoKey(), m.header(), m.modifier());
            f = found[p.headerSlot()] = p.literals().scan(List.of(value == null ? "" : value));
        }
        return LiteralPrefilter.mayHit(p.literalIds(), f);
    }

    private static List<String> texts(Rule.Type t, MessageView v) {
        return switch (t) {
            case BODY -> v.paragraphs;
            case RAWBODY -> v.rawChunks;
            case HEADER -> {
                String all = v.header(ALL_MEMO, "ALL", "");
                yield List.of(all == null ? "" : all);
            }
            default -> List.of(v.full);
        };
    }

    public RuleSet rules() { return rules; }

    /**
     * @param network whether network tests run (and score set 1/3 applies)
     * @param deadlineNanos System.nanoTime() after which no further rule starts
     */
    static final boolean PARALLEL = !"false".equals(System.getProperty("secumail.spam.parallel"));

    SpamReport score(Scan scan, boolean network, long deadlineNanos) {
        int set = (network ? 1 : 0) + (Double.isNaN(scan.bayes()) ? 0 : 2);
        // The body patterns, about half the work, run on a second thread while this one runs
        // the rest: on an idle server a message is scored in little more than half the time,
        // under load the total work is the same. They read only the message's paragraphs;
        // evals, which share the message's memo, stay on this thread.
        Results body = new Results();
        Thread bodyThread = scan.view().paragraphs.isEmpty() || !PARALLEL ? null : Thread.ofVirtual().start(() -> {
            try {
                runRules(Rule.Type.BODY, scan, network, set, deadlineNanos, body, null, true, false);
            } catch (Throwable e) {
                body.skipped.add("body patterns (" + e.getClass().getSimpleName() + ")");
            }
        });
        Results main = new Results();
        boolean[][] headerFound = new boolean[headerSlots.size()][];   // by header slot: its literals found
        for (Rule.Type type : TYPES) {
            if (type == Rule.Type.BODY && bodyThread != null) runRules(type, scan, network, set, deadlineNanos, main, headerFound, false, false);
            else runRules(type, scan, network, set, deadlineNanos, main, headerFound, null, false);
        }
        if (bodyThread != null) {
            joinUninterruptibly(bodyThread);
            main.counts.putAll(body.counts);
            main.details.putAll(body.details);
            main.skipped.addAll(body.skipped);
        }
        // last, the tests of the earlier checks' results (DKIM, DMARC): reading them may wait
        // for those checks, which the rest of the scoring overlaps (Scan#auth)
        for (Rule.Type type : TYPES) runRules(type, scan, network, set, deadlineNanos, main, headerFound, null, true);
        Map<String, Double> counts = main.counts;
        Map<String, String> details = main.details;
        List<String> skipped = main.skipped;
        double[] slots = new double[metaSlots.size()];
        boolean[] reads = new boolean[boundMetas.length];   // the metas reading a slot that is not 0
        for (var e : counts.entrySet()) {
            Integer i = metaSlots.get(e.getKey());
            if (i == null || e.getValue() == 0) continue;
            slots[i] = e.getValue();
            for (int m : metaReaders[i]) reads[m] = true;
        }
        List<Rule> metas = rules.metas();
        boolean[] skipMeta = metaIdle[set];
        // in order, as before: a meta reads the metas listed before it as they came out, and
        // those after it as 0 (metaAtZero assumes the same of a meta none of whose slots is set)
        for (int i = 0; i < boundMetas.length; i++) {
            if (skipMeta[i] || (reads[i] ? boundMetas[i].evaluate(slots) : metaAtZero[i]) == 0) continue;
            slots[metaSlot[i]] = 1;
            for (int m : metaReaders[metaSlot[i]]) reads[m] = true;
            counts.put(metas.get(i).name(), 1.0);
        }
        List<SpamReport.Hit> hits = new ArrayList<>();
        double total = 0;
        for (var e : counts.entrySet()) {
            Rule r = rules.rule(e.getKey());
            if (r == null || r.name().startsWith("__")) continue;
            double s = r.score(set);
            if (s == 0) continue;
            int times = r.tflags().contains("multiple") ? (int) Math.round(e.getValue()) : 1;
            double pts = s * times;
            total += pts;
            hits.add(new SpamReport.Hit(r.name(), pts, r.describe(), details.getOrDefault(r.name(), "")));
        }
        hits.sort((a, b) -> a.name().compareTo(b.name()));
        return new SpamReport(Math.round(total * 1000) / 1000.0, rules.requiredScore(), hits, scan.bayes(), set, skipped);
    }

    /** What one pass over some of the rules found: hits, what triggered them, the rules not run. */
    private static final class Results {
        final Map<String, Double> counts = new HashMap<>();
        final Map<String, String> details = new HashMap<>();
        final List<String> skipped = new ArrayList<>();
        boolean late;
        int started;
    }

    /**
     * Runs the rules of one type into out: all of them when patterns is null, else only the
     * pattern rules (true) or only the others (false); the evals that read the earlier checks'
     * results when authPass, else all but those.
     */
    private void runRules(Rule.Type type, Scan scan, boolean network, int set, long deadlineNanos, Results out,
                          boolean[][] headerFound, Boolean patterns, boolean authPass) {
        AtomicReference<PatternSetFilter> setRef = setFilters.get(type);
        PatternSetFilter setFilter = setRef == null ? null : setRef.get();
        LiteralPrefilter pre = setFilter == null ? prefilters.get(type) : null;
        boolean[] found = null;
        long[][] setBits = null;
        long[] setAny = null;   // the union of setBits over the texts
        Selection sel = selected(type, set, network, patterns, authPass);
        Plan[] selPlans = sel.plans();
        int[] selSet = sel.setIndex();
        for (int q = 0; q < selPlans.length; q++) {
            int setIndex = selSet[q];
            if (setFilter != null && setIndex >= 0) {
                if (setBits == null) {
                    if (out.late) { out.skipped.add(selPlans[q].rule().name() + " (time limit)"); continue; }
                    setBits = setBits(type, setFilter, texts(type, scan.view()));   // once, at the first pattern rule
                    setAny = union(setBits);
                }
                // a rule with a setIndex hits only where its pattern matches (no "!~"): none may here
                if ((setIndex >> 6) >= setAny.length || !PatternSetFilter.has(setAny, setIndex)) continue;
            }
            Plan p = selPlans[q];
            Rule r = p.rule();
            boolean pattern = r.test() instanceof Rule.Match;
            if (pre != null && pattern) {
                if (found == null) found = pre.scan(texts(type, scan.view()));   // once, at the first pattern rule
                if (!(p.typeFilter() == pre ? LiteralPrefilter.mayHit(p.typeLiteralIds(), found) : pre.mayHit(r, found))) continue;
            }
            if (p.headerSlot() >= 0 && !headerMayHit(p, scan.view(), headerFound)) continue;
            // the clock is read every 16 rules: reading it costs more than most rules
            if (!out.late && (out.started++ & 15) == 0 && System.nanoTime() > deadlineNanos) out.late = true;
            if (out.late) { out.skipped.add(r.name() + " (time limit)"); continue; }
            try {
                long t0 = PROFILE == null ? 0 : System.nanoTime();   // after the set scan, which the profile counts apart
                double n = run(p, scan, out.details, setBits);
                if (PROFILE != null) PROFILE.computeIfAbsent(r.type() + " " + r.name() + (n > 0 ? "" : " (no hit)"), k -> new java.util.concurrent.atomic.LongAdder()).add(System.nanoTime() - t0);
                if (n > 0) out.counts.put(r.name(), n);
            } catch (BudgetedText.BudgetExceeded e) {
                out.skipped.add(r.name() + " (pattern step budget)");
            } catch (RuntimeException e) {
                out.skipped.add(r.name() + " (" + e.getClass().getSimpleName() + ")");
            }
        }
    }

    /**
     * The plans of one type that a pass runs, in priority order: those of its kind (patterns
     * or not, or both when patterns is null), of its pass (authPass), not idle in the score set
     * and, without network tests, not "net". Worked out once per combination: walking every
     * plan of the type for each pass of each message cost more than some of the rules.
     */
    private Selection selected(Rule.Type type, int set, boolean network, Boolean patterns, boolean authPass) {
        int kind = patterns == null ? 0 : patterns ? 1 : 2;
        int i = (((type.ordinal() * 4 + set) * 2 + (network ? 1 : 0)) * 3 + kind) * 2 + (authPass ? 1 : 0);
        Selection out = selections.get(i);
        if (out != null) return out;
        List<Plan> list = new ArrayList<>();
        for (Plan p : plans.get(type)) {
            boolean pattern = p.rule().test() instanceof Rule.Match;
            if (patterns != null && patterns != pattern) continue;
            if (p.readsAuth() != authPass || p.idle()[set] || !network && p.net()) continue;
            list.add(p);
        }
        Plan[] array = list.toArray(new Plan[0]);
        int[] setIndex = new int[array.length];
        for (int k = 0; k < array.length; k++) setIndex[k] = array[k].setIndex();
        out = new Selection(array, setIndex);
        selections.set(i, out);
        return out;
    }

    /** The union of the texts' bits (no words when there is no text). */
    private static long[] union(long[][] bits) {
        if (bits.length == 0) return new long[0];
        long[] any = bits[0].clone();
        for (int t = 1; t < bits.length; t++) for (int w = 0; w < any.length; w++) any[w] |= bits[t][w];
        return any;
    }

    /** For each text, the patterns of the type's set that may match in it. */
    private static long[][] setBits(Rule.Type type, PatternSetFilter set, List<String> texts) {
        long t0 = PROFILE == null ? 0 : System.nanoTime();
        long[][] bits = set.scan(texts);
        if (PROFILE != null) PROFILE.computeIfAbsent("SET scan " + type, k -> new java.util.concurrent.atomic.LongAdder()).add(System.nanoTime() - t0);
        return bits;
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static double run(Plan p, Scan scan, Map<String, String> details, long[][] setBits) {
        Rule r = p.rule();
        StartChars start = p.start();
        MessageView v = scan.view();
        return switch (r.test()) {
            case Rule.Eval e -> {
                double n = EvalTests.run(e.function(), scan, r.type(), e.args());
                if (n > 0) details.put(r.name(), evalDetail(e, scan));
                yield n;
            }
            case Rule.Exists x -> v.header(x.header(), "") != null ? 1 : 0;
            case Rule.Meta m -> 0;
            case Rule.Match m -> switch (r.type()) {
                case HEADER -> header(r, m, p.memoKey(), v, details, setBits == null || p.setIndex() < 0 || PatternSetFilter.has(setBits[0], p.setIndex()), start);
                case MIMEHEADER -> mimeHeader(r, m, v, details);
                case BODY, RAWBODY, FULL -> lines(r, m.pattern(), texts(r.type(), v), details, start, setBits, p.setIndex());
                case URI -> lines(r, m.pattern(), v.uris, details, null, null, -1);
                case META -> 0;
            };
        };
    }

    /** What triggered an eval hit: the stamp, the list and its answer, or the call itself. */
    private static String evalDetail(Rule.Eval e, Scan scan) {
        String f = e.function();
        if (f.startsWith("check_hashcash")) return scan.hashcash().detail();
        if (f.equals("check_rbl") || f.equals("check_rbl_sub")) {
            String set = e.args().get(0);
            String sub = f.equals("check_rbl") ? (e.args().size() > 2 ? e.args().get(2) : "") : e.args().size() > 1 ? e.args().get(1) : "";
            List<String[]> answers = f.equals("check_rbl") ? scan.net().rbl().get(set) : NetworkTests.setAnswers(scan.net(), set);
            String zone = f.equals("check_rbl") && e.args().size() > 1 ? e.args().get(1).replaceAll("\\.$", "") : set;
            return zone + ": " + String.join(", ", NetworkTests.hits(answers, sub));
        }
        if (f.equals("check_uridnsbl") && !e.args().isEmpty()) {
            NetworkTests.UriList l = scan.net().uriRules().get(e.args().get(0));
            if (l != null) return "URIs in " + l.zone() + ": " + String.join(", ", NetworkTests.hits(scan.net().uri().get(l.rule()), l.subtest()));
        }
        return f + "(" + String.join(", ", e.args()) + ")";
    }

    /** @param mayMatch false when the type's pattern set says the pattern cannot match (rules without "!~" only) */
    private static double header(Rule r, Rule.Match m, String memoKey, MessageView v, Map<String, String> details, boolean mayMatch,
                                 StartChars start) {
        String value = v.header(memoKey, m.header(), m.modifier());
        if (value == null) value = m.ifUnset() != null ? m.ifUnset() : "";
        if (!mayMatch) return 0;
        Matcher x = m.pattern().matcher(budgeted(value));
        boolean found = start == null ? x.find() : findFrom(x, value, start, 0);
        if (found != m.negate()) {
            details.put(r.name(), m.header() + (m.negate() ? " !~ " : ": ") + (found ? snippet(x.group()) : snippet(value)));
            return 1;
        }
        return 0;
    }

    private static double mimeHeader(Rule r, Rule.Match m, MessageView v, Map<String, String> details) {
        for (MimeStats.Part p : v.mime.parts) {
            for (String[] f : p.headers()) {
                if (!f[0].equalsIgnoreCase(m.header())) continue;
                String value = MessageView.octets(f[1]);
                Matcher x = m.pattern().matcher(budgeted(value));
                if (x.find() != m.negate()) {
                    details.put(r.name(), "part " + p.type() + " " + f[0] + ": " + snippet(value));
                    return 1;
                }
            }
        }
        return 0;
    }

    /**
     * @param setBits for each text, the patterns of the type's {@link PatternSetFilter} that
     *                may match in it (null: no filter), this rule's at setIndex
     */
    private static double lines(Rule r, Pattern p, List<String> texts, Map<String, String> details, StartChars start,
                                long[][] setBits, int setIndex) {
        boolean multiple = r.tflags().contains("multiple");
        int max = r.maxhits() > 0 ? r.maxhits() : Integer.MAX_VALUE;
        int n = 0;
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            if (setBits != null && setIndex >= 0 && !PatternSetFilter.has(setBits[i], setIndex)) continue;
            n = matches(r, p, t, n, multiple, max, details, start);
            if (n > 0 && (!multiple || n >= max)) return n;
        }
        return n;
    }

    /**
     * What find() does from a position, trying only the positions a match can begin at (the
     * first candidate where the pattern matches, left to right, is find()'s first match): x is
     * left on the match. x must read t with transparent, non-anchoring bounds.
     */
    private static boolean findFrom(Matcher x, String t, StartChars start, int from) {
        x.useTransparentBounds(true).useAnchoringBounds(false);
        while (true) {
            int pos = start.next(t, from);
            if (pos < 0) return false;
            x.region(pos, t.length());
            if (x.lookingAt()) return true;
            from = pos + 1;
        }
    }

    /** The hits in one text added to n, stopping at the first unless multiple, or at max. */
    private static int matches(Rule r, Pattern p, String t, int n, boolean multiple, int max, Map<String, String> details, StartChars start) {
        Matcher x = p.matcher(budgeted(t));
        if (start != null) {
            int from = 0;
            while (findFrom(x, t, start, from)) {
                if (n == 0) details.put(r.name(), snippet(x.group()));
                n++;
                if (!multiple || n >= max) return n;
                from = Math.max(x.end(), x.regionStart() + 1);   // StartChars refuses patterns matching empty
            }
            return n;
        }
        while (x.find()) {
            if (n == 0) details.put(r.name(), (r.type() == Rule.Type.URI ? t : snippet(x.group())));
            n++;
            if (!multiple || n >= max) return n;
            if (x.end() == x.start() && x.end() >= t.length()) break;
        }
        return n;
    }

    private static CharSequence budgeted(String s) {
        return new BudgetedText(s, STEPS_FIXED + STEPS_PER_CHAR * s.length());
    }

    /** A matched text for the report: printable, at most 60 characters. */
    static String snippet(String s) {
        // runs of CR, LF and TAB become one space (a loop: this runs for every hit)
        StringBuilder collapsed = new StringBuilder(Math.min(s.length(), 256));
        boolean run = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean space = c == '\r' || c == '\n' || c == '\t';
            if (!space) collapsed.append(c);
            else if (!run) collapsed.append(' ');
            run = space;
        }
        String t = collapsed.toString().strip();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < t.length() && sb.length() < 60; i++) {
            char c = t.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (t.length() > 60) sb.append("...");
        return sb.toString();
    }
}
