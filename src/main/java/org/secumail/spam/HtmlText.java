// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * An HTML part rendered to text as SpamAssassin's HTML renderer does (Mail::SpamAssassin::HTML):
 * the visible text, a line break after block elements, nothing from script, style or head
 * except the title; plus what the HTML eval tests read (tags seen, images and their area,
 * the links with their anchor text). jsoup parses it: it never fails on broken markup and
 * its cost is linear in the input, which the caller caps.
 */
final class HtmlText {
    private static final Set<String> BLOCK = Set.of("p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
            "table", "blockquote", "pre", "hr", "ul", "ol", "dl", "dt", "dd", "form", "center", "address", "title");
    private static final Set<String> SKIP = Set.of("script", "style", "head", "noscript", "template", "object", "applet");
    /** Elements HTML defines; others count as "bad tags" (HTML_BADTAG_* and non_element_ratio). */
    private static final Set<String> KNOWN = Set.of("a", "abbr", "acronym", "address", "applet", "area", "b", "base", "basefont",
            "bdo", "big", "blink", "blockquote", "body", "br", "button", "caption", "center", "cite", "code", "col", "colgroup",
            "dd", "del", "dfn", "dir", "div", "dl", "dt", "em", "embed", "fieldset", "font", "form", "frame", "frameset", "h1",
            "h2", "h3", "h4", "h5", "h6", "head", "hr", "html", "i", "iframe", "img", "input", "ins", "isindex", "kbd", "label",
            "legend", "li", "link", "map", "marquee", "menu", "meta", "nobr", "noframes", "noscript", "object", "ol", "optgroup",
            "option", "p", "param", "pre", "q", "s", "samp", "script", "select", "small", "span", "strike", "strong", "style",
            "sub", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "title", "tr", "tt", "u", "ul", "var",
            "wbr", "section", "article", "nav", "header", "footer", "main", "figure", "figcaption", "picture", "source",
            "video", "audio", "canvas", "svg", "mark", "time", "o:p", "#root");

    final String text;
    final String title;
    final List<String> uris = new ArrayList<>();
    /** Anchor text by link target, for phishing-style tests. */
    final Map<String, String> anchors = new HashMap<>();
    final Map<String, Integer> tags = new HashMap<>();
    int elements;
    int badTags;
    int images;
    long imageArea;
    final int length;
    private final String source;
    /** The largest font size of <font size=...> (3 is the default; "+2" is 5), as HTMLEval's max_size. */
    double maxFontSize = 3;

    private HtmlText(String html) {
        this.length = html.length();
        this.source = html.length() > 500_000 ? html.substring(0, 500_000) : html;
        Document doc = Jsoup.parse(html);
        StringBuilder sb = new StringBuilder();
        NodeTraversor.traverse(new NodeVisitor() {
            int skipDepth;

            @Override
            public void head(Node node, int depth) {
                if (node instanceof Element e) {
                    String tag = e.normalName();
                    elements++;
                    tags.merge(tag, 1, Integer::sum);
                    if (!KNOWN.contains(tag)) badTags++;
                    if (skipDepth > 0 || SKIP.contains(tag)) { skipDepth++; return; }
                    link(e, tag);
                    if (BLOCK.contains(tag)) sb.append('\n');
                    if (tag.equals("font") && e.hasAttr("size")) fontSize(e.attr("size"));
                    if (tag.equals("img")) {
                        images++;
                        imageArea += (long) dimension(e.attr("width")) * dimension(e.attr("height"));
                        String alt = e.attr("alt");
                        if (!alt.isBlank()) sb.append(' ').append(alt).append(' ');
                    }
                } else if (node instanceof TextNode t && skipDepth == 0) {
                    sb.append(t.getWholeText());
                }
            }

            @Override
            public void tail(Node node, int depth) {
                if (node instanceof Element e) {
                    if (skipDepth > 0) { skipDepth--; return; }
                    String tag = e.normalName();
                    if (BLOCK.contains(tag) && !tag.equals("br")) sb.append('\n');
                    if (tag.equals("p") || tag.equals("div") || tag.equals("table")) sb.append('\n');
                }
            }
        }, doc);
        this.text = sb.toString().replace('\u00a0', ' ');
        this.title = doc.title();
    }

    static HtmlText render(String html) { return new HtmlText(html); }

    private void link(Element e, String tag) {
        String attr = switch (tag) {
            case "a", "area", "link", "base" -> "href";
            case "img", "frame", "iframe", "embed", "script", "input" -> "src";
            case "form" -> "action";
            default -> null;
        };
        if (attr == null) {
            String bg = e.attr("background");
            if (!bg.isEmpty()) uris.add(bg.strip());
            return;
        }
        String v = e.attr(attr).strip();
        if (v.isEmpty()) return;
        uris.add(v);
        if (tag.equals("a")) anchors.putIfAbsent(v, e.text());
    }

    private static int dimension(String v) {
        try {
            return Integer.parseInt(v.replace("px", "").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void fontSize(String v) {
        String t = v.strip();
        try {
            double size = t.startsWith("+") ? 3 + Double.parseDouble(t.substring(1))
                    : t.startsWith("-") ? 3 - Double.parseDouble(t.substring(1)) : Double.parseDouble(t);
            maxFontSize = Math.max(maxFontSize, size);
        } catch (NumberFormatException ignored) {
            // a size that is no number: browsers ignore it too
        }
    }

    /** Opening minus closing tags of this name in the source as written (before any repair by the parser). */
    int tagBalance(String tag) {
        String t = java.util.regex.Pattern.quote(tag);
        int open = count(java.util.regex.Pattern.compile("<" + t + "(?:\\s[^>]*)?>", java.util.regex.Pattern.CASE_INSENSITIVE));
        int close = count(java.util.regex.Pattern.compile("</" + t + "\\s*>", java.util.regex.Pattern.CASE_INSENSITIVE));
        return open - close;
    }

    private int count(java.util.regex.Pattern p) {
        int n = 0;
        var m = p.matcher(source);
        while (m.find()) n++;
        return n;
    }

    boolean hasTag(String tag) { return tags.containsKey(tag.toLowerCase(Locale.ROOT)); }
}
