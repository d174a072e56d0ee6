// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;

/**
 * The {@code eval:} tests implemented here, by the name the rule files call them, each
 * returning its hit count (0: not hit). They follow SpamAssassin's plugins of the same
 * names (HeaderEval, BodyEval, MIMEEval, HTMLEval, WLBLEval, FreeMail, RelayEval, SPF, DKIM,
 * DMARC, Bayes, ImageInfo); the exact readings are in {@link HeaderEvals}, {@link RelayEvals},
 * {@link BodyEvals} and {@link ImageEvals}.
 *
 * <p>A rule calling a function not listed here is not loaded (SpamAssassin does the same
 * when the plugin defining the function is not loaded); {@code secumail spam rules} lists
 * those with the count of rules each would enable. Network tests (DNS lists, URI lists)
 * run in the scorer, not here.
 */
final class EvalTests {
    private EvalTests() { }

    private static final Map<String, ToDoubleBiFunction<Scan, List<String>>> TESTS = new HashMap<>();

    /** An eval whose reading depends on the rule type calling it (body or rawbody text). */
    interface TypedEval {
        double apply(Scan scan, Rule.Type type, List<String> args);
    }

    private static final Map<String, TypedEval> TYPED = new HashMap<>();

    static {
        HeaderEvals.register(TESTS);
        RelayEvals.register(TESTS);
        FreemailEvals.register(TESTS);
        BodyEvals.register(TESTS);
        HtmlEvals.register(TESTS);
        ImageEvals.register(TESTS, TYPED);
    }

    static boolean supports(String function) { return TESTS.containsKey(function) || TYPED.containsKey(function); }

    static Set<String> names() {
        Set<String> all = new java.util.HashSet<>(TESTS.keySet());
        all.addAll(TYPED.keySet());
        return Set.copyOf(all);
    }

    static double run(String function, Scan scan, Rule.Type type, List<String> args) {
        TypedEval t = TYPED.get(function);
        if (t != null) return t.apply(scan, type, args);
        ToDoubleBiFunction<Scan, List<String>> f = TESTS.get(function);
        return f == null ? 0 : f.applyAsDouble(scan, args);
    }

    static double hit(boolean b) { return b ? 1 : 0; }

    /** An argument as a number; "undef", "inf" or missing give the fallback. */
    static double num(List<String> args, int i, double fallback) {
        if (i >= args.size()) return fallback;
        String a = args.get(i).strip();
        if (a.isEmpty() || a.equals("undef")) return fallback;
        if (a.equals("inf")) return Double.POSITIVE_INFINITY;
        try {
            return Double.parseDouble(a);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    static String str(List<String> args, int i) { return i < args.size() ? args.get(i) : ""; }
}
