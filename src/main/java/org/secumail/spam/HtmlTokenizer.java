// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jsoup.nodes.Entities;

/**
 * Splits HTML into the event stream SpamAssassin's renderer is fed by HTML::Parser (3.x, as
 * SpamAssassin configures it: marked sections on, comments not strict): start and end tags
 * with lower-cased names and attributes, text with entities decoded, comments and
 * declarations as written. No tree is built and nothing is repaired: the HTML eval tests
 * count tags as written ({@code html_tag_balance}, {@code bad_tag_ratio}), so an implied
 * {@code <body>} or a dropped stray {@code </td>} would change their values.
 *
 * <p>HTML::Parser's readings kept here because messages depend on them: a tag name runs to
 * white space or {@code >} ({@code <p/} is the tag "p/"); a {@code <} that starts no markup
 * begins a new text event; {@code <!doctype} is the only declaration, other {@code <!...>}
 * are comments; script, style, title, textarea, xmp and plaintext hold raw text up to their
 * end tag; markup left open at the end of the input is reported as a comment.
 */
final class HtmlTokenizer {
    interface Handler {
        void start(String tag, Map<String, String> attrs);

        void end(String tag);

        void text(String text);

        void comment(String text);

        void declaration(String text);
    }

    private static final Set<String> LITERAL = Set.of("script", "style", "title", "textarea", "xmp", "plaintext");

    private final String s;
    private final Handler h;
    private int pos;

    private HtmlTokenizer(String s, Handler h) {
        this.s = s;
        this.h = h;
    }

    static void parse(String html, Handler handler) { new HtmlTokenizer(html, handler).run(); }

    private void run() {
        int n = s.length();
        int textStart = 0;
        while (pos < n) {
            int lt = s.indexOf('<', pos);
            if (lt < 0) break;
            // the text before it ends here whether markup follows or not
            if (lt > textStart) h.text(decode(s.substring(textStart, lt)));
            textStart = lt;
            int end = markup(lt);
            if (end == lt) { // not markup: this '<' starts the next text event
                pos = lt + 1;
                continue;
            }
            if (end < 0) { // open at the end of the input
                h.comment(s.substring(lt));
                return;
            }
            pos = end;
            textStart = end;
        }
        if (textStart < n) h.text(decode(s.substring(textStart)));
    }

    /** Reports the markup at lt and returns where it ends; lt when there is none there, -1 when it runs to the end. */
    private int markup(int lt) {
        int n = s.length();
        if (lt + 1 >= n) return lt;
        char c = s.charAt(lt + 1);
        if (c == '!') return bang(lt);
        if (c == '?') {
            int gt = s.indexOf('>', lt);
            return gt < 0 ? -1 : gt + 1; // processing instruction: not rendered
        }
        if (c == '/') {
            if (lt + 2 >= n) return lt;
            if (!nameStart(s.charAt(lt + 2))) {
                int gt = s.indexOf('>', lt);
                if (gt < 0) return -1;
                h.comment(s.substring(lt, gt + 1));
                return gt + 1;
            }
            int i = lt + 2;
            while (i < n && !space(s.charAt(i)) && s.charAt(i) != '>') i++;
            String name = s.substring(lt + 2, i).toLowerCase(Locale.ROOT);
            int gt = s.indexOf('>', i);
            if (gt < 0) return -1;
            h.end(name);
            return gt + 1;
        }
        if (!nameStart(c)) return lt;
        return startTag(lt);
    }

    private int startTag(int lt) {
        int n = s.length();
        int i = lt + 1;
        while (i < n && !space(s.charAt(i)) && s.charAt(i) != '>') i++;
        String name = s.substring(lt + 1, i).toLowerCase(Locale.ROOT);
        Map<String, String> attrs = new LinkedHashMap<>();
        while (true) {
            while (i < n && space(s.charAt(i))) i++;
            if (i >= n) return -1;
            if (s.charAt(i) == '>') break;
            int a = i;
            while (i < n && !space(s.charAt(i)) && s.charAt(i) != '=' && s.charAt(i) != '>') i++;
            String key = s.substring(a, i).toLowerCase(Locale.ROOT);
            int j = i;
            while (j < n && space(s.charAt(j))) j++;
            String value = key;
            if (j < n && s.charAt(j) == '=' && j > a) {
                j++;
                while (j < n && space(s.charAt(j))) j++;
                if (j >= n) return -1;
                char q = s.charAt(j);
                if (q == '"' || q == '\'') {
                    int close = s.indexOf(q, j + 1);
                    if (close < 0) return -1;
                    value = decode(s.substring(j + 1, close));
                    i = close + 1;
                } else {
                    int v = j;
                    while (j < n && !space(s.charAt(j)) && s.charAt(j) != '>') j++;
                    value = decode(s.substring(v, j));
                    i = j;
                }
            } else if (i == a) {
                i++; // a lone '=': skipped
                continue;
            }
            attrs.putIfAbsent(key, value);
        }
        h.start(name, attrs);
        int end = i + 1;
        if (LITERAL.contains(name)) end = literal(name, end);
        return end;
    }

    /** The raw text of a literal element up to its end tag, which is reported too. */
    private int literal(String name, int from) {
        int n = s.length();
        int i = from;
        while (true) {
            int lt = s.indexOf("</", i);
            if (lt < 0 || name.equals("plaintext")) {
                if (from < n) h.text(name.equals("script") || name.equals("style") ? s.substring(from) : decode(s.substring(from)));
                h.end(name); // SpamAssassin closes an open style or script itself (bug 7437)
                return n;
            }
            int e = lt + 2 + name.length();
            if (s.regionMatches(true, lt + 2, name, 0, name.length()) && (e >= n || space(s.charAt(e)) || s.charAt(e) == '>')) {
                if (lt > from) h.text(name.equals("script") || name.equals("style") ? s.substring(from, lt) : decode(s.substring(from, lt)));
                int gt = s.indexOf('>', e);
                h.end(name);
                return gt < 0 ? n : gt + 1;
            }
            i = lt + 2;
        }
    }

    private int bang(int lt) {
        int n = s.length();
        if (s.startsWith("<!--", lt)) {
            int close = s.indexOf("-->", lt + 4);
            if (close < 0) return -1;
            h.comment(s.substring(lt, close + 3));
            return close + 3;
        }
        if (s.startsWith("<![CDATA[", lt)) {
            int close = s.indexOf("]]>", lt + 9);
            if (close < 0) return -1;
            h.text(s.substring(lt + 9, close));
            return close + 3;
        }
        int gt = s.indexOf('>', lt);
        if (gt < 0) return -1;
        String text = s.substring(lt, gt + 1);
        if (text.regionMatches(true, 0, "<!doctype", 0, 9)) h.declaration(text);
        else h.comment(text);
        return gt + 1;
    }

    private static boolean nameStart(char c) { return c < 0x80 && (Character.isLetter(c) || c == '_'); }

    private static boolean space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b; }

    /** HTML::Parser's entity decoding: numeric references, named ones with or without ';'. */
    static String decode(String t) {
        int amp = t.indexOf('&');
        if (amp < 0) return t;
        StringBuilder sb = new StringBuilder(t.length());
        int i = 0;
        int n = t.length();
        while (amp >= 0) {
            sb.append(t, i, amp);
            i = amp + 1;
            int j = i;
            if (j < n && t.charAt(j) == '#') {
                j++;
                boolean hex = j < n && (t.charAt(j) == 'x' || t.charAt(j) == 'X');
                if (hex) j++;
                int d = j;
                while (j < n && (hex ? Character.digit(t.charAt(j), 16) >= 0 : t.charAt(j) >= '0' && t.charAt(j) <= '9') && j - d < 9) j++;
                int cp = j > d ? Integer.parseInt(t.substring(d, j), hex ? 16 : 10) : -1;
                if (cp > 0 && cp <= 0x10FFFF) {
                    sb.appendCodePoint(cp);
                    i = j < n && t.charAt(j) == ';' ? j + 1 : j;
                } else {
                    sb.append('&');
                }
            } else {
                while (j < n && j - i < 32 && Character.isLetterOrDigit(t.charAt(j)) && t.charAt(j) < 0x80) j++;
                int k = j;
                while (k > i && !Entities.isNamedEntity(t.substring(i, k))) k--; // the longest name that is one
                if (k > i) {
                    sb.append(Entities.getByName(t.substring(i, k)));
                    i = k == j && k < n && t.charAt(k) == ';' ? k + 1 : k;
                } else {
                    sb.append('&');
                }
            }
            amp = t.indexOf('&', i);
        }
        sb.append(t, i, n);
        return sb.toString();
    }
}
