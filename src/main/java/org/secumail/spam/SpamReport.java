// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.List;
import java.util.Locale;

/**
 * A message's score: every hit with its points and what triggered it, the sum against
 * required_score, the Bayes probability, and the rules that could not run on it.
 *
 * @param score    the sum of the hits' points
 * @param required required_score
 * @param hits     the scored hits, by name
 * @param bayes    the Bayes probability, or NaN when Bayes did not classify
 * @param scoreSet the SpamAssassin score set used (0-3)
 * @param skipped  rules stopped on this message (step budget, time limit), with why
 */
public record SpamReport(double score, double required, List<Hit> hits, double bayes, int scoreSet, List<String> skipped) {
    /** One scored test: name, points, description, and the detail that triggered it. */
    public record Hit(String name, double points, String describe, String detail) { }

    public SpamReport {
        hits = List.copyOf(hits);
        skipped = List.copyOf(skipped);
    }

    public boolean isSpam() { return score >= required; }

    /** "A,B,C" as in X-Spam-Status tests=. */
    public String testNames() {
        StringBuilder sb = new StringBuilder();
        for (Hit h : hits) {
            if (sb.length() > 0) sb.append(',');
            sb.append(h.name());
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }

    /** A score as SpamAssassin prints it: one decimal. */
    public static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** Points with three decimals at most, without trailing zeros: "3.5", "-0.001", "2". */
    static String points(double p) {
        String s = String.format(Locale.ROOT, "%.3f", p);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '0') end--;
        if (end > 0 && s.charAt(end - 1) == '.') end--;
        return s.substring(0, end);
    }

    /** The hits as name=points pairs for a log line: "BAYES_99=3.5 URIBL_DBL_SPAM=2.5". */
    public String logHits() {
        StringBuilder sb = new StringBuilder();
        for (Hit h : hits) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(h.name()).append('=').append(points(h.points()));
        }
        return sb.toString();
    }
}
