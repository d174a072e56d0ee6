// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.content.HeaderField;

/**
 * The header fields SpamAssassin adds, in its format, so that filters written for them
 * (Sieve, procmail, mail clients) keep working: X-Spam-Flag (only on spam), X-Spam-Score,
 * X-Spam-Level (one "*" per point), X-Spam-Status ("Yes, score=7.2 required=5.0 tests=...
 * autolearn=... version=..."), and X-Spam-Report with every hit, its points, description and,
 * on the line below, what triggered it.
 */
public final class SpamHeaders {
    private SpamHeaders() { }

    public static final String VERSION = "SecuMail";

    public static List<HeaderField> fields(SpamReport r, double required, Bayes.Result bayes, String autolearn, boolean report) {
        boolean spam = r.score() >= required;
        List<HeaderField> out = new ArrayList<>();
        if (spam) out.add(HeaderField.of("X-Spam-Flag", "YES"));
        out.add(HeaderField.of("X-Spam-Score", SpamReport.fmt(r.score())));
        int stars = (int) Math.min(50, Math.max(0, Math.floor(r.score())));
        if (stars > 0) out.add(HeaderField.of("X-Spam-Level", "*".repeat(stars)));
        out.add(HeaderField.of("X-Spam-Status", fold((spam ? "Yes" : "No") + ", score=" + SpamReport.fmt(r.score()) + " required=" + SpamReport.fmt(required)
                + " tests=" + r.testNames() + " autolearn=" + autolearn + " version=" + VERSION)));
        if (report) {
            StringBuilder sb = new StringBuilder();
            for (String line : reportLines(r, bayes)) sb.append("\r\n\t").append(line);
            out.add(HeaderField.of("X-Spam-Report", sb.toString()));
        }
        return out;
    }

    /** The report: " 2.5 NAME  description" and "      [detail]" lines, highest points first. */
    public static List<String> reportLines(SpamReport r, Bayes.Result bayes) {
        List<String> lines = new ArrayList<>();
        List<SpamReport.Hit> hits = new ArrayList<>(r.hits());
        hits.sort((a, b) -> Double.compare(Math.abs(b.points()), Math.abs(a.points())));
        for (SpamReport.Hit h : hits) {
            lines.add(String.format(Locale.ROOT, "*%5.1f %-22s %s", h.points(), h.name(), printable(h.describe())));
            String detail = h.detail();
            if (h.name().startsWith("BAYES_") && !Double.isNaN(r.bayes())) detail = String.format(Locale.ROOT, "score: %.4f", r.bayes());
            if (!detail.isEmpty()) lines.add("*      [" + printable(detail) + "]");
        }
        if (bayes != null && Double.isNaN(bayes.probability()) && !bayes.note().isEmpty()) {
            lines.add("*  0.0 (Bayes)                " + bayes.note());
        }
        if (lines.isEmpty()) lines.add("*  0.0 (no tests hit)");
        return lines;
    }

    /** ASCII only, for header fields: octets above 0x7e as "?". */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c > 0x7e ? '?' : c);
        }
        return sb.toString();
    }

    private static final java.util.regex.Pattern WORD_ENDS = java.util.regex.Pattern.compile("(?<=[ ,])");

    /** Folds a long value at spaces and commas (RFC 5322 section 2.2.3), lines under 78 characters. */
    static String fold(String v) {
        StringBuilder out = new StringBuilder();
        int lineLen = 16;
        for (String word : WORD_ENDS.split(v)) {
            if (lineLen + word.length() > 76 && lineLen > 1) {
                out.append("\r\n\t");
                lineLen = 1;
            }
            out.append(word);
            lineLen += word.length();
        }
        return out.toString().replace(" \r\n", "\r\n");
    }
}
