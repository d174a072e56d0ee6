// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One SpamAssassin test as the rule files define it: {@code header}, {@code mimeheader},
 * {@code body}, {@code rawbody}, {@code uri}, {@code full} (each a pattern or an
 * {@code eval:} call) or {@code meta}, with the attributes that other lines give it
 * ({@code score}, {@code describe}, {@code tflags}, {@code priority}).
 *
 * @param name     the test's name (BAYES_99, __HAS_URL ...)
 * @param type     which part of the message it reads
 * @param test     what it does with that part
 * @param scores   the four score sets (no net/no Bayes, net, Bayes, net+Bayes), or null for
 *                 the default (1.0; 0 for "__" subrules; 0.01 for "T_" tests; -1.0 with "nice")
 * @param describe the one-line description, or ""
 * @param tflags   the test flags (net, nice, learn, multiple, noautolearn, userconf ...)
 * @param maxhits  with tflags multiple, how many hits count (0: no limit)
 * @param priority the run order (lower first), as SpamAssassin's priority
 */
public record Rule(String name, Type type, Test test, double[] scores, String describe, Set<String> tflags, int maxhits, int priority) {
    public enum Type { HEADER, MIMEHEADER, BODY, RAWBODY, URI, FULL, META }

    /** What a rule tests. */
    public sealed interface Test permits Match, Exists, Eval, Meta { }

    /**
     * A pattern over the part the rule type names; for header rules, over the value of
     * {@code header} (with its :raw/:addr/:name modifier), negated with {@code !~}.
     */
    public record Match(Pattern pattern, String header, String modifier, boolean negate, String ifUnset) implements Test { }

    /** {@code header NAME exists:Header-Name}. */
    public record Exists(String header) implements Test { }

    /** {@code eval:function(args)}: a built-in test implemented in {@link EvalTests}. */
    public record Eval(String function, List<String> args) implements Test { }

    /** {@code meta NAME expression}. */
    public record Meta(MetaExpression expression) implements Test { }

    /** This rule's score in score set 0-3. */
    public double score(int set) {
        if (scores != null) return scores[set];
        if (name.startsWith("__")) return 0;
        if (name.startsWith("T_")) return 0.01;
        if (tflags.contains("nice")) return -1.0;
        return 1.0;
    }

    public Rule withScores(double[] s) { return new Rule(name, type, test, s, describe, tflags, maxhits, priority); }

    public Rule withDescribe(String d) { return new Rule(name, type, test, scores, d, tflags, maxhits, priority); }

    public Rule withTflags(Set<String> t, int max) { return new Rule(name, type, test, scores, describe, t, max, priority); }

    public Rule withPriority(int p) { return new Rule(name, type, test, scores, describe, tflags, maxhits, p); }

    public Rule withTest(Type t, Test x) { return new Rule(name, t, x, scores, describe, tflags, maxhits, priority); }
}
