// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.num;
import static org.secumail.spam.EvalTests.str;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Body eval tests: BodyEval and MIMEEval, over what {@link MessageView} gathered (HTMLEval: {@link HtmlEvals}). */
final class BodyEvals {
    private BodyEvals() { }

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t) {
        t.put("check_for_mime", (s, a) -> mime(s.view().mime, str(a, 0)));
        t.put("multipart_alternative_difference", (s, a) -> {
            double d = alternativeDifference(s.view());
            double min = num(a, 0, 0);
            return hit((min == 0 || d > min) && (str(a, 1).equals("undef") || d <= num(a, 1, Double.POSITIVE_INFINITY)));
        });
        t.put("check_for_ascii_text_illegal", (s, a) -> hit(s.view().mime.asciiTextIllegal > 0));
        // of the parser's flags only the epilogue is recorded here; the missing-separator and
        // truncated-header flags are not, so rules on them never hit
        t.put("check_msg_parse_flags", (s, a) -> hit(a.contains("mime_epilogue_exists") && s.view().mime.epilogue));
        t.put("check_for_mime_html", (s, a) -> hit(s.view().mime.htmlPart));
        t.put("check_for_mime_html_only", (s, a) -> hit(s.view().mime.htmlPart && !s.view().mime.plainPart));
        t.put("check_base64_length", (s, a) -> {
            int len = s.view().mime.base64MaxLine;
            return hit(s.view().mime.base64Count > 0 && len >= num(a, 0, 0) && len <= num(a, 1, Double.POSITIVE_INFINITY));
        });
        t.put("check_body_length", (s, a) -> hit(bodyLength(s) < num(a, 0, 0)));
        // the shipped rules ask each of these for several ranges: worked out once per message
        t.put("check_for_uppercase", (s, a) -> {
            double pct = (Double) s.view().memo.computeIfAbsent("uppercase-percent", k -> uppercasePercent(s.view().text));
            return hit(pct >= num(a, 0, 0) && pct <= num(a, 1, 100));
        });
        t.put("check_abundant_unicode_ratio", (s, a) -> {
            String body = s.view().text;
            if (body.isEmpty()) return 0;
            int n = (Integer) s.view().memo.computeIfAbsent("numeric-entities", k -> numericEntities(body));
            return hit(n > 0 && (double) n / body.length() > num(a, 0, 0));
        });
        t.put("check_ma_non_text", (s, a) -> {
            // a multipart/alternative without a text/* part: SpamAssassin's MIMEEval
            boolean text = s.view().mime.parts.stream().anyMatch(p -> p.type().startsWith("text/"));
            return hit(s.view().mime.multipart && !text);
        });
        t.put("check_body_8bits", (s, a) -> {
            for (String p : s.view().paragraphs) {
                int run = 0;
                for (int i = 0; i < p.length(); i++) {
                    run = p.charAt(i) >= 0x80 ? run + 1 : 0;
                    if (run >= 12) return 1;
                }
            }
            return 0;
        });
        t.put("check_blank_line_ratio", (s, a) -> {
            List<String> lines = s.view().rawLines;
            if (lines.size() < num(a, 2, 1)) return 0;
            long blank = lines.stream().filter(String::isBlank).count();
            double pct = 100.0 * blank / lines.size();
            return hit(pct >= num(a, 0, 0) && pct <= num(a, 1, 100));
        });
    }

    /**
     * BodyEval's multipart_alternative_difference: for each multipart/alternative, the share
     * (in percent) of the HTML alternative's distinct words that the plain-text alternative
     * does not have as often; the largest over the message. Spam often sends text that
     * differs from the HTML a reader sees.
     */
    static double alternativeDifference(MessageView v) {
        double max = 0;
        for (int alt = 1; alt <= v.mime.alternativeCount; alt++) {
            Map<String, Integer> html = new HashMap<>();
            Map<String, Integer> text = new HashMap<>();
            for (MessageView.AlternativeText t : v.alternativeTexts) {
                if (!t.alternatives().contains(alt)) continue;
                Map<String, Integer> into = t.html() ? html : text;
                for (String w : t.rendered().split("\\s+")) if (WORD.matcher(w).find()) into.merge(w, 1, Integer::sum);
                if (t.html() && html.isEmpty() && t.image()) html.put("\n", 1); // an image-only HTML part counts as one word
            }
            int orig = html.size();
            if (orig == 0) continue;
            text.forEach((w, n) -> { Integer h = html.get(w); if (h != null && h - n < 1) html.remove(w); });
            max = Math.max(max, 100.0 * html.size() / orig);
        }
        return max;
    }

    private static final Pattern WORD = Pattern.compile("\\w");
    private static final Pattern NUMERIC_ENTITY = Pattern.compile("&#(?:\\d{3,}|x[0-9a-fA-F]{3,});");

    private static double mime(MimeStats m, String what) {
        return switch (what) {
            case "mime_base64_count" -> m.base64Count;
            case "mime_qp_count" -> m.qpCount;
            case "mime_base64_encoded_text" -> hit(m.base64Text > 0);
            case "mime_qp_long_line" -> hit(m.qpLongLine);
            case "mime_attachment" -> hit(m.attachment);
            case "mimepart_limit_exceeded" -> hit(m.partLimit);
            case "mime_bad_iso_charset" -> hit(m.badIsoCharset);
            case "mime_ascii_text_illegal" -> hit(m.asciiTextIllegal > 0);
            default -> 0;
        };
    }

    private static int bodyLength(Scan s) {
        int n = 0;
        for (int i = 1; i < s.view().paragraphs.size(); i++) n += s.view().paragraphs.get(i).length();
        return n;
    }

    /**
     * The numeric character references in the text, counted as find() would count them: a
     * match begins with "&#", so only those places are tried (find() tries every position).
     */
    static int numericEntities(String text) {
        int n = 0;
        Matcher m = NUMERIC_ENTITY.matcher(text);
        for (int at = text.indexOf("&#"); at >= 0; ) {
            m.region(at, text.length());
            if (m.lookingAt()) {
                n++;
                at = text.indexOf("&#", m.end());
            } else {
                at = text.indexOf("&#", at + 1);
            }
        }
        return n;
    }

    /** Upper-case letters as a percentage of all letters, over text of at least 200 letters. */
    private static double uppercasePercent(String text) {
        int upper = 0;
        int letters = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z') { upper++; letters++; } else if (c >= 'a' && c <= 'z') letters++;
        }
        return letters < 200 ? -1 : 100.0 * upper / letters;
    }
}
