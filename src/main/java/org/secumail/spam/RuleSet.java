// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A loaded SpamAssassin configuration: the usable rules by type in run order, the
 * settings the scorer reads (required_score, welcome/block lists, trusted networks, Bayes
 * thresholds) and what could not be used, with why. Immutable; built by {@link #load}.
 *
 * <p>Rules are dropped when they cannot run here: a pattern Java cannot compile, an eval
 * test not implemented ({@link EvalTests#supports}), a meta rule that reads a rule which
 * does not exist (SpamAssassin 4 disables those too). Every drop is in {@link #skipped()}.
 */
public final class RuleSet {
    private final Map<Rule.Type, List<Rule>> byType;
    private final Map<String, Rule> byName;
    private final List<Rule> metas;
    private final Map<String, String> skipped;
    private final Builder conf;

    private RuleSet(Map<Rule.Type, List<Rule>> byType, Map<String, Rule> byName, List<Rule> metas, Map<String, String> skipped, Builder conf) {
        this.byType = byType;
        this.byName = byName;
        this.metas = metas;
        this.skipped = skipped;
        this.conf = conf;
    }

    /**
     * SecuMail's own rules (Hashcash), then the paths in order (files or directories; missing
     * ones are skipped), so SpamAssassin's files and local.cf can redefine or rescore them.
     */
    public static RuleSet load(List<Path> paths) throws IOException {
        Builder b = new Builder();
        RuleFileParser p = new RuleFileParser(b);
        try (var in = RuleSet.class.getResourceAsStream("secumail.cf")) {
            if (in != null) p.readLines(List.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1).split("\n")), null);
        }
        for (Path path : paths) p.read(path);
        return b.build();
    }

    /** Rule text given inline (tests, local additions), read after nothing else. */
    public static RuleSet parse(String text) {
        Builder b = new Builder();
        try {
            new RuleFileParser(b).readLines(List.of(text.split("\n")), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return b.build();
    }

    public List<Rule> rules(Rule.Type type) { return byType.getOrDefault(type, List.of()); }

    /** Meta rules in an order where each comes after every meta it reads. */
    public List<Rule> metas() { return metas; }

    public Rule rule(String name) { return byName.get(name); }

    public int size() { return byName.size(); }

    /** Rule name (or directive) to the reason it is not used. */
    public Map<String, String> skipped() { return skipped; }

    public double requiredScore() { return conf.requiredScore; }

    Builder conf() { return conf; }

    /** A setting's last value ("bayes_auto_learn_threshold_spam"), or the default. */
    public String setting(String name, String dflt) {
        String v = conf.settings.get(name);
        if (v == null) return dflt;
        int nl = v.lastIndexOf('\n');
        return nl < 0 ? v : v.substring(nl + 1);
    }

    /** A numeric setting's last value, or the default when unset or not a number. */
    public int intSetting(String name, int dflt) {
        try {
            return Integer.parseInt(setting(name, Integer.toString(dflt)).strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** Every value a list setting was given ("originating_ip_headers"), in order. */
    public List<String> settingValues(String name) {
        String v = conf.settings.get(name);
        return v == null ? List.of() : List.of(v.split("\n"));
    }

    /** What the parser collects; {@link #build} turns it into a RuleSet. */
    static final class Builder {
        final Map<String, RuleFileParser.TypedTest> defs = new LinkedHashMap<>();
        final Map<String, double[]> scores = new HashMap<>();
        final Map<String, String> describe = new HashMap<>();
        final Map<String, String> tflags = new HashMap<>();
        final Map<String, Integer> priority = new HashMap<>();
        final Map<String, String> settings = new HashMap<>();
        final Map<String, String> replaceTags = new HashMap<>();
        final Map<String, String> replacePre = new HashMap<>();
        final Map<String, String> replaceInter = new HashMap<>();
        final Map<String, String> replacePost = new HashMap<>();
        final Set<String> replaceRules = new HashSet<>();
        final Set<String> plugins = RuleFileParser.defaultPlugins();
        final List<String> welcomelistFrom = new ArrayList<>();
        final List<String> blocklistFrom = new ArrayList<>();
        final List<String> welcomelistTo = new ArrayList<>();
        final List<String> blocklistTo = new ArrayList<>();
        final List<String> moreSpamTo = new ArrayList<>();
        final List<String> allSpamTo = new ArrayList<>();
        final List<String> trustedNetworks = new ArrayList<>();
        final List<String> internalNetworks = new ArrayList<>();
        final Set<String> freemailDomains = new HashSet<>();
        private volatile Map<String, AddressGlobs> addrLists;
        private volatile AddressGlobs freemailGlobs;

        /**
         * enlist_addrlist (NAME) globs..., as the shipped rules define the BANKS, PAYPAL ...
         * lists: the globs of one list, read from the settings and compiled once.
         */
        AddressGlobs addrList(String name) {
            Map<String, AddressGlobs> m = addrLists;
            if (m == null) {
                Map<String, List<String>> lists = new HashMap<>();
                for (String line : settings.getOrDefault("enlist_addrlist", "").split("\n")) {
                    String l = line.strip();
                    int close = l.indexOf(')');
                    if (!l.startsWith("(") || close < 0) continue;
                    List<String> globs = lists.computeIfAbsent(l.substring(1, close), k -> new ArrayList<>());
                    for (String g : l.substring(close + 1).strip().split("\\s+")) if (!g.isEmpty()) globs.add(g);
                }
                m = new HashMap<>();
                for (var e : lists.entrySet()) m.put(e.getKey(), AddressGlobs.of(e.getValue()));
                addrLists = m;
            }
            return m.getOrDefault(name, AddressGlobs.NONE);
        }

        /** The freemail_domains entries with a wildcard (29 of some 2,000 in Debian's rules), compiled. */
        AddressGlobs freemailGlobs() {
            AddressGlobs g = freemailGlobs;
            if (g == null) freemailGlobs = g = AddressGlobs.of(freemailDomains.stream().filter(d -> d.indexOf('*') >= 0 || d.indexOf('?') >= 0).toList());
            return g;
        }
        final Set<String> bayesIgnoreHeaders = new HashSet<>();
        final Map<String, String> skip = new LinkedHashMap<>();
        double requiredScore = 5.0;
        int unusable;

        void define(String name, RuleFileParser.TypedTest t) {
            defs.remove(name); // a later definition replaces an earlier one, and runs in its place
            defs.put(name, t);
            skip.remove(name);
        }

        void score(String name, double[] s) { scores.put(name, s); }

        void skip(String name, String why) { skip.put(name, why); }

        RuleSet build() {
            Map<String, Rule> rules = new LinkedHashMap<>();
            // defined but never run here (an eval not implemented, like a network test with the
            // network off): they never hit, and meta rules reading them still run, as in SpamAssassin
            Set<String> inert = new HashSet<>();
            for (var e : defs.entrySet()) {
                String name = e.getKey();
                RuleFileParser.TypedTest t = e.getValue();
                Rule.Test test = t.test();
                try {
                    if (t.pattern() != null && test instanceof Rule.Match m) {
                        String re = replaceRules.contains(name) ? ReplaceTags.apply(t.pattern(), this) : t.pattern();
                        Pattern p = PerlRegex.compileRule(re);
                        test = new Rule.Match(p, m.header(), m.modifier(), m.negate(), m.ifUnset());
                    }
                } catch (RuntimeException ex) {
                    skip.put(name, "pattern not usable: " + ex.getMessage().lines().findFirst().orElse(""));
                    continue;
                }
                if (test instanceof Rule.Eval ev && !EvalTests.supports(ev.function())) {
                    skip.put(name, "eval:" + ev.function() + " not implemented (never hits)");
                    inert.add(name);
                    continue;
                }
                Set<String> flags = new LinkedHashSet<>();
                int maxhits = 0;
                String tf = tflags.get(name);
                if (tf != null) {
                    for (String f : tf.split("\\s+")) {
                        if (f.startsWith("maxhits=")) maxhits = Integer.parseInt(f.substring(8));
                        else if (!f.isEmpty()) flags.add(f.toLowerCase(Locale.ROOT));
                    }
                }
                rules.put(name, new Rule(name, t.type(), test, scores.get(name), describe.getOrDefault(name, ""), Set.copyOf(flags), maxhits, priority.getOrDefault(name, 0)));
            }
            // metas reading undefined rules are disabled, and so, in turn, are metas reading those
            boolean changed = true;
            while (changed) {
                changed = false;
                for (var it = rules.values().iterator(); it.hasNext(); ) {
                    Rule r = it.next();
                    if (!(r.test() instanceof Rule.Meta m)) continue;
                    for (String dep : m.expression().references()) {
                        if (!rules.containsKey(dep) && !inert.contains(dep)) {
                            skip.put(r.name(), "meta reads " + dep + (skip.containsKey(dep) ? " (" + skip.get(dep) + ")" : ", which is not defined"));
                            it.remove();
                            changed = true;
                            break;
                        }
                    }
                }
            }
            Map<Rule.Type, List<Rule>> byType = new HashMap<>();
            for (Rule r : rules.values()) if (r.type() != Rule.Type.META) byType.computeIfAbsent(r.type(), k -> new ArrayList<>()).add(r);
            byType.values().forEach(l -> l.sort(Comparator.comparingInt(Rule::priority)));
            return new RuleSet(byType, rules, metaOrder(rules), Map.copyOf(skip), this);
        }

        /** Metas in dependency order; a cycle (a meta reading itself through others) drops its members. */
        private List<Rule> metaOrder(Map<String, Rule> rules) {
            List<Rule> order = new ArrayList<>();
            Set<String> done = new HashSet<>();
            Set<String> visiting = new HashSet<>();
            for (Rule r : rules.values()) if (r.test() instanceof Rule.Meta) visit(r, rules, done, visiting, order);
            return List.copyOf(order);
        }

        private boolean visit(Rule r, Map<String, Rule> rules, Set<String> done, Set<String> visiting, List<Rule> order) {
            if (done.contains(r.name())) return true;
            if (!visiting.add(r.name())) {
                skip.put(r.name(), "meta dependency loop");
                return false;
            }
            boolean ok = true;
            for (String dep : ((Rule.Meta) r.test()).expression().references()) {
                Rule d = rules.get(dep);
                if (d != null && d.test() instanceof Rule.Meta) ok &= visit(d, rules, done, visiting, order);
            }
            visiting.remove(r.name());
            done.add(r.name());
            if (ok) order.add(r);
            return ok;
        }
    }
}
