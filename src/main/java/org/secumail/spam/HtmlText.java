// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One text/html part rendered as SpamAssassin renders it (Mail::SpamAssassin::HTML over
 * HTML::Parser events, see {@link HtmlTokenizer}), with the values its HTMLEval tests read.
 * The text is the concatenation of the chunks SpamAssassin's display_text makes: text with
 * white space runs made one space, "\n" for br and div, " " for li, td, th, dt, dd and
 * headings, "\n\n" for p, hr, blockquote, pre and title; nothing from script and style; the
 * title and invisible text included (body rules see them). The measures are per part, as
 * HTMLEval tests each part of {@code html_all} on its own: {@link #length} is the length of
 * the HTML source, {@link #nonSpaceLen} the rendered characters that are not white space.
 * Text colours, font sizes and CSS display are followed through SpamAssassin's style stack
 * ({@link HtmlStyle}).
 */
final class HtmlText {
    /** Elements of the HTML 4.01 and XHTML 1.0 DTDs and a few common ones (HTML.pm %elements). */
    private static final Set<String> ELEMENTS = Set.of("a", "abbr", "acronym", "address", "area", "b", "base", "bdo",
            "big", "blockquote", "body", "br", "button", "caption", "cite", "code", "col", "colgroup", "dd", "del", "dfn",
            "div", "dl", "dt", "em", "fieldset", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "html", "i",
            "img", "input", "ins", "kbd", "label", "legend", "li", "link", "map", "meta", "noscript", "object", "ol",
            "optgroup", "option", "p", "param", "pre", "q", "samp", "script", "select", "small", "span", "strong",
            "style", "sub", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "title", "tr", "tt", "ul",
            "var", "applet", "basefont", "center", "dir", "font", "frame", "frameset", "iframe", "isindex", "menu",
            "noframes", "s", "strike", "u", "nobr", "x-sigsep", "x-tab");
    /** Rendered but not counted as valid (HTML.pm %tricks). */
    private static final Set<String> TRICKS = Set.of("bgsound", "embed", "listing", "plaintext", "xmp");
    private static final Set<String> URI_TAGS = Set.of("body", "table", "tr", "td", "a", "area", "link", "img", "frame",
            "iframe", "embed", "script", "form", "base", "bgsound", "meta");
    /** Office namespaces (o:p, st1:place) count as elements and are otherwise ignored. */
    private static final Pattern NAMESPACE = Pattern.compile("^(?:o|st\\d):[\\w-]+/?$");
    private static final Pattern FONT_FACE = Pattern.compile(
            "^\\s*[\"'.]?[a-z ][a-z -]*[a-z]\\d?[\"']?(?:,\\s*[\"']?[a-z][a-z -]*[a-z]\\d?[\"']?)*;?$",
            Pattern.CASE_INSENSITIVE | Pattern.UNIX_LINES);
    private static final Pattern DIMENSION = Pattern.compile("^(\\d+)(%)?\n?$");
    private static final int MAX_URI_LENGTH = 8192;

    /** The rendered text, NBSP made a space (SpamAssassin's body text treats it as white space). */
    final String text;
    /** Whether this part had any HTML to parse (SpamAssassin skips an empty part). */
    final boolean parsed;
    final List<String> uris = new ArrayList<>();
    final List<String> titles = new ArrayList<>();
    final List<String> comments = new ArrayList<>();
    final List<String> anchors = new ArrayList<>();
    /** Open minus close count per tag name, never below 0 (HTML.pm {inside}); a name seen at all is a key. */
    final Map<String, Integer> inside = new HashMap<>();
    final int length;
    int nonSpaceLen;
    int tags;
    int elements;
    int tagsSeen;
    int elementsSeen;
    int closedExtra;
    int obfuscation;
    long imageArea;
    final HtmlStyle.Sizes sizes = new HtmlStyle.Sizes();
    boolean fontLowContrast;
    boolean fontInvalidColor;
    boolean fontFaceBad;
    boolean formActionMailto;
    boolean embeds;
    boolean iframeSrc;
    String charsets;

    private final List<String> chunks = new ArrayList<>();
    private final BitSet whitespace = new BitSet();
    private final BitSet invisible = new BitSet();
    private final HtmlStyle styles = new HtmlStyle(sizes);

    private HtmlText(String source) {
        // the message arrives here with CRLF line ends; SpamAssassin is given it with LF ends
        // (spamc, Postfix), and html_image_only and the length ranges count that length
        String html = source.replace("\r\n", "\n");
        this.length = html.length();
        this.parsed = !html.isEmpty();
        // as HTML.pm parse(): &nbsp; is a space, <br/> is <br>, curly quotes around attribute values are quotes
        String src = html.replace("&nbsp;", " ").replaceAll("<(\\w+)\\s*/>", "<$1>").replace('\u201c', '"').replace('\u201d', '"');
        if (parsed) HtmlTokenizer.parse(src, new Events());
        StringBuilder sb = new StringBuilder();
        for (String c : chunks) sb.append(c);
        String rendered = sb.toString();
        int space = 0;
        for (int i = 0; i < rendered.length(); i++) if (perlSpace(rendered.charAt(i))) space++;
        this.nonSpaceLen = rendered.length() - space;
        this.text = rendered.replace('\u00a0', ' ');
    }

    static HtmlText render(String html) { return new HtmlText(html); }

    private final class Events implements HtmlTokenizer.Handler {
        @Override public void start(String tag, Map<String, String> attrs) { tag(tag, attrs, 1); }

        @Override public void end(String tag) { tag(tag, Map.of(), -1); }

        @Override public void text(String t) { HtmlText.this.text(t); }

        @Override public void comment(String t) { comments.add(t); }

        @Override public void declaration(String t) {
            if (t.regionMatches(true, 0, "<!doctype", 0, 9)) {
                elements++;
                tags++;
                inside.put("!doctype", 0);
            }
        }
    }

    private void tag(String tag, Map<String, String> attrs, int num) {
        boolean namespace = NAMESPACE.matcher(tag).find();
        boolean seen = inside.containsKey(tag);
        if (ELEMENTS.contains(tag) || namespace) {
            elements++;
            if (!seen) elementsSeen++;
        }
        tags++;
        if (!seen) tagsSeen++;
        int in = inside.getOrDefault(tag, 0) + num;
        if (in < 0) { in = 0; closedExtra++; }
        inside.put(tag, in);
        if (namespace || !ELEMENTS.contains(tag) && !TRICKS.contains(tag)) return;
        styles.tag(tag, attrs, num);
        switch (tag) {
            case "br", "div" -> display("\n", true, false);
            case "li", "th", "td", "dt", "dd", "embed", "h1", "h2", "h3", "h4", "h5", "h6" -> display(" ", true, false);
            case "p", "hr", "blockquote", "pre", "listing", "plaintext", "xmp", "title" -> display("\n\n", true, false);
            default -> { }
        }
        if (num == 1) {
            if (URI_TAGS.contains(tag)) uri(tag, attrs);
            tests(tag, attrs);
        }
    }

    private void tests(String tag, Map<String, String> attrs) {
        if (tag.equals("font") && attrs.containsKey("face") && !FONT_FACE.matcher(attrs.get("face")).find()) fontFaceBad = true;
        if (tag.equals("img") && inside.getOrDefault("a", 0) > 0 && !anchors.isEmpty()) appendLast(anchors, "<img>\n");
        if (tag.equals("img") && attrs.containsKey("width") && attrs.containsKey("height")) {
            // SpamAssassin's guess: an 800x600 screen for percentages, 200 for what it cannot read
            long w = dimension(attrs.get("width"), 8);
            long h = dimension(attrs.get("height"), 6);
            imageArea += (w <= 0 ? 200 : w) * (h <= 0 ? 200 : h);
        }
        if (tag.equals("form") && attrs.containsKey("action") && attrs.get("action").toLowerCase().contains("mailto:")) formActionMailto = true;
        if (tag.equals("object") || tag.equals("embed")) embeds = true;
        if (tag.equals("a")) anchors.add("");
        if (tag.equals("title")) titles.add("");
        if (tag.equals("meta") && attrs.containsKey("http-equiv") && attrs.containsKey("content")
                && attrs.get("http-equiv").toLowerCase().contains("content-type")) {
            var m = Pattern.compile("(?i)\\bcharset\\s*=\\s*[\"']?([^\"']+)").matcher(attrs.get("content"));
            if (m.find()) charsets = charsets == null ? m.group(1) : charsets + " " + m.group(1);
        }
    }

    private static long dimension(String v, int percentScale) {
        var m = DIMENSION.matcher(v);
        if (!m.find()) return 0;
        long n = m.group(1).length() > 12 ? Long.MAX_VALUE / 1_000_000 : Long.parseLong(m.group(1));
        return m.group(2) != null ? n * percentScale : n;
    }

    private void uri(String tag, Map<String, String> attrs) {
        switch (tag) {
            case "body", "table", "tr", "td" -> pushUri(tag, attrs.get("background"));
            case "a", "area", "link" -> {
                pushUri(tag, misplaced(attrs, "href"));
                pushUri(tag, attrs.get("data-saferedirecturl"));
            }
            case "img", "frame", "iframe", "embed", "script", "bgsound" -> pushUri(tag, misplaced(attrs, "src"));
            case "form" -> pushUri(tag, attrs.get("action"));
            case "base" -> pushUri(tag, attrs.get("href"));
            case "meta" -> {
                String eq = attrs.get("http-equiv");
                String content = attrs.get("content");
                if (eq != null && content != null && eq.toLowerCase().contains("refresh") && Pattern.compile("(?i)\\burl\\s*=").matcher(content).find()) {
                    pushUri(tag, content.replaceAll("(?is)^.*\\burl\\s*=\\s*", "").replaceAll("(?s)\\s*;.*", ""));
                }
            }
            default -> { }
        }
    }

    /** An attribute, also when badly written as {@code x/href=} (HTML.pm reads those too). */
    private static String misplaced(Map<String, String> attrs, String name) {
        for (var e : attrs.entrySet()) if (e.getKey().matches("(?s).*\\w{1,8}/" + name + ".*")) return e.getValue();
        return attrs.get(name);
    }

    private void pushUri(String tag, String uri) {
        if (uri == null) return;
        String u = trimPerlSpace(uri.replace("\ufeff", ""));
        if (u.length() > MAX_URI_LENGTH) u = u.substring(0, MAX_URI_LENGTH);
        if (u.isEmpty()) return;
        uris.add(u);
        if (tag.equals("iframe")) iframeSrc = true;
    }

    private void text(String t) {
        if (inside.getOrDefault("script", 0) > 0) return;
        if (inside.getOrDefault("style", 0) > 0) return;
        if (inside.getOrDefault("a", 0) > 0 && !anchors.isEmpty()) appendLast(anchors, t);
        if (inside.getOrDefault("title", 0) > 0 && !titles.isEmpty()) appendLast(titles, t);
        boolean hidden = false;
        // only text with something besides ASCII white space is looked at (an NBSP counts as something)
        if (!t.replaceAll("[ \t\n\r\f\u000b]|\u00c2\u00a0", "").isEmpty()) {
            HtmlStyle.Visibility v = styles.visibility();
            if (v == HtmlStyle.Visibility.LOW_CONTRAST) fontLowContrast = true;
            if (v == HtmlStyle.Visibility.INVALID_COLOR) fontInvalidColor = true;
            hidden = v != HtmlStyle.Visibility.VISIBLE;
        }
        if (!chunks.isEmpty()) {
            // a word split by markup ("V<b></b>iagra") is obfuscation
            String last = chunks.get(chunks.size() - 1);
            if (!t.isEmpty() && wordChar(t.charAt(0)) && !last.isEmpty() && wordChar(last.charAt(last.length() - 1))) obfuscation++;
        }
        display(t, false, hidden);
    }

    /** Neither white space nor ASCII punctuation (HTML.pm's obfuscation test). */
    private static boolean wordChar(char c) {
        return !perlSpace(c) && !(c >= 0x21 && c <= 0x2f || c >= 0x3a && c <= 0x40 || c >= 0x5b && c <= 0x60 || c >= 0x7b && c <= 0x7e);
    }

    /** HTML.pm display_text: white space chunks trim the space ending the text before them, and the next text's leading one. */
    private void display(String t, boolean ws, boolean hidden) {
        int last = chunks.size() - 1;
        if (ws) {
            if (last >= 0 && !whitespace.get(last) && !invisible.get(last) && chunks.get(last).endsWith(" ")) {
                String c = chunks.get(last);
                chunks.set(last, c.substring(0, c.length() - 1));
            }
        } else {
            t = t.replaceAll("[ \t\n\r\f\u000b]+|\u00c2\u00a0", " ");
            if (last >= 0 && !hidden && whitespace.get(last) && t.startsWith(" ")) t = t.substring(1);
        }
        chunks.add(t);
        if (ws) whitespace.set(chunks.size() - 1);
        if (hidden) invisible.set(chunks.size() - 1);
    }

    private static void appendLast(List<String> l, String t) { l.set(l.size() - 1, l.get(l.size() - 1) + t); }

    /** Perl's \s on characters. */
    static boolean perlSpace(char c) {
        return c == ' ' || c >= '\t' && c <= '\r' || c == 0x85 || c == 0xa0 || c == 0x1680 || c >= 0x2000 && c <= 0x200a
                || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    static String trimPerlSpace(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && perlSpace(s.charAt(b))) b++;
        while (e > b && perlSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    boolean hasTag(String tag) { return inside.containsKey(tag); }

    /** The rendered text without (invisible false) or with only (true) the text styled invisible: what Bayes reads apart. */
    String text(boolean invisibleOnly) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) if (invisible.get(i) == invisibleOnly) sb.append(chunks.get(i));
        return sb.toString().replace('\u00a0', ' ');
    }

    /** The title texts, for rules matching them. */
    String title() { return String.join("", titles); }
}
