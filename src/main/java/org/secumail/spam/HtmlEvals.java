// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.num;
import static org.secumail.spam.EvalTests.str;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleBiFunction;
import java.util.regex.Pattern;

/**
 * SpamAssassin's HTMLEval tests over the rendered HTML parts ({@link HtmlText}). As in
 * HTMLEval.pm each test looks at every HTML part on its own and hits when one part does;
 * values are not summed over parts. A value SpamAssassin leaves undefined (a ratio over no
 * tags) makes its test not hit.
 */
final class HtmlEvals {
    private HtmlEvals() { }

    private static final Pattern EXPR = Pattern.compile("^\\s*(<=|>=|==|!=|<|>)\\s*([-+]?\\d+(?:\\.\\d+)?)\\s*$");

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t) {
        t.put("html_test", (s, a) -> any(s, h -> test(h, str(a, 0))));
        t.put("html_tag_exists", (s, a) -> any(s, h -> h.hasTag(str(a, 0))));
        t.put("html_range", (s, a) -> {
            double min = num(a, 1, 0);
            double max = num(a, 2, Double.POSITIVE_INFINITY);
            return any(s, h -> {
                double v = value(h, str(a, 0));
                return !Double.isNaN(v) && v > min && v <= max; // SpamAssassin: min < value <= max
            });
        });
        t.put("html_eval", (s, a) -> any(s, h -> compare(value(h, str(a, 0)), str(a, 1))));
        t.put("html_tag_balance", (s, a) -> any(s, h -> h.inside.containsKey(str(a, 0)) && compare(h.inside.get(str(a, 0)), str(a, 1))));
        // the length of the HTML as written, with an <img> anywhere
        t.put("html_image_only", (s, a) -> any(s, h -> h.hasTag("img") && h.length > num(a, 0, 0) && h.length <= num(a, 1, 0)));
        t.put("html_image_ratio", (s, a) -> any(s, h -> {
            if (h.imageArea <= 0) return false;
            double r = (double) h.nonSpaceLen / h.imageArea;
            return r > num(a, 0, 0) && r <= num(a, 1, 0);
        }));
        t.put("html_text_match", (s, a) -> {
            Pattern p = PerlRegex.cached(str(a, 1));
            return any(s, h -> texts(h, str(a, 0)).stream().anyMatch(x -> p.matcher(x).find()));
        });
        t.put("html_text_not_match", (s, a) -> {
            Pattern p = PerlRegex.cached(str(a, 1));
            return any(s, h -> texts(h, str(a, 0)).stream().anyMatch(x -> !p.matcher(x).find()));
        });
        t.put("html_title_subject_ratio", (s, a) -> {
            String subject = s.view().header("Subject", "");
            if (subject == null || subject.isEmpty()) return 0;
            double ratio = num(a, 0, 0);
            return any(s, h -> h.titles.stream().anyMatch(x -> !x.isEmpty() && !x.equals("0") && (double) x.length() / subject.length() > ratio));
        });
        // SpamAssassin's default ok_locales is "all", which this test never hits with
        t.put("html_charset_faraway", (s, a) -> 0);
        t.put("check_iframe_src", (s, a) -> any(s, h -> h.iframeSrc));
    }

    private static double any(Scan s, Predicate<HtmlText> p) {
        for (HtmlText h : s.view().html) if (h.parsed && p.test(h)) return 1;
        return 0;
    }

    private static boolean test(HtmlText h, String what) {
        return switch (what) {
            case "html" -> true;
            case "embeds" -> h.embeds;
            case "form_action_mailto" -> h.formActionMailto;
            case "font_low_contrast" -> h.fontLowContrast;
            case "font_invalid_color" -> h.fontInvalidColor;
            case "font_face_bad" -> h.fontFaceBad;
            default -> value(h, what) > 0;
        };
    }

    private static List<String> texts(HtmlText h, String what) {
        return switch (what) {
            case "title" -> h.titles;
            case "comment" -> h.comments;
            case "anchor" -> h.anchors;
            default -> List.of();
        };
    }

    /** A value of HTML.pm's results, NaN where SpamAssassin leaves it undefined. */
    static double value(HtmlText h, String what) {
        return switch (what) {
            case "length" -> h.length;
            case "non_space_len" -> h.nonSpaceLen;
            case "image_area" -> h.imageArea;
            case "max_size" -> h.sizes.max;
            case "min_size" -> h.sizes.min;
            case "closed_extra_ratio" -> h.tags > 0 ? (double) h.closedExtra / h.tags : Double.NaN;
            case "bad_tag_ratio" -> h.elements > 0 && h.tags > 0 ? (double) (h.tags - h.elements) / h.tags : Double.NaN;
            case "non_element_ratio" -> h.elementsSeen > 0 && h.tagsSeen > 0 ? (double) (h.tagsSeen - h.elementsSeen) / h.tagsSeen : Double.NaN;
            case "obfuscation_ratio" -> h.tags > 0 && h.obfuscation > 0 ? (double) h.obfuscation / h.tags : Double.NaN;
            default -> Double.NaN;
        };
    }

    /** "value op number" as HTMLEval evaluates its expression argument. */
    private static boolean compare(double v, String expr) {
        var m = EXPR.matcher(expr);
        if (Double.isNaN(v) || !m.find()) return false;
        double x = Double.parseDouble(m.group(2));
        return switch (m.group(1)) {
            case "<" -> v < x;
            case "<=" -> v <= x;
            case ">" -> v > x;
            case ">=" -> v >= x;
            case "==" -> v == x;
            default -> v != x;
        };
    }
}
