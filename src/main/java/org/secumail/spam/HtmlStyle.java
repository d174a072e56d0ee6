// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SpamAssassin's text style stack (HTML.pm text_style, close_tag, close_table_tag and
 * html_font_invisible): what colour, background, size and CSS display the text has where it
 * is, to find hidden text and the largest font. Its readings are SpamAssassin's, not a
 * browser's, because the tests count them: only the attributes it accepts per tag are read
 * (a {@code bgcolor} attribute changes nothing, only a style's background does), the
 * largest size is noted only when a tag carries such an attribute, {@code <big>} and
 * {@code <small>} change the size without being noted, and {@code </body>} closes nothing.
 */
final class HtmlStyle {
    /** The font sizes seen, starting at the default size 3 (HTML.pm max_size, min_size). */
    static final class Sizes {
        double max = 3;
        double min = 3;
    }

    enum Visibility { VISIBLE, LOW_CONTRAST, INVALID_COLOR, HIDDEN }

    private static final Set<String> STYLED = Set.of("body", "font", "table", "tr", "th", "td", "big", "small", "basefont",
            "marquee", "span", "p", "div", "a");
    private static final Map<String, Set<String>> ACCEPTED = Map.ofEntries(
            Map.entry("basefont", Set.of("color", "face", "size")),
            Map.entry("body", Set.of("text", "bgcolor", "link", "alink", "vlink", "background")),
            Map.entry("font", Set.of("color", "face", "size")),
            Map.entry("marquee", Set.of("bgcolor", "background")),
            Map.entry("table", Set.of("bgcolor", "style")), Map.entry("td", Set.of("bgcolor", "style")),
            Map.entry("th", Set.of("bgcolor", "style")), Map.entry("tr", Set.of("bgcolor", "style")),
            Map.entry("span", Set.of("style")), Map.entry("p", Set.of("style")), Map.entry("div", Set.of("style")),
            Map.entry("a", Set.of("style")));
    private static final Pattern COLOR = Pattern.compile("^\\s*(background-)?color:\\s*(.+?)\\s*$", Pattern.CASE_INSENSITIVE | Pattern.UNIX_LINES);
    private static final Pattern BACKGROUND = Pattern.compile("^\\s*background:\\s*(.+?)\\s*$", Pattern.UNIX_LINES);
    private static final Pattern PROPERTY = Pattern.compile("^\\s*([a-z_-]+)\\s*:\\s*(\\S.*?)\\s*$", Pattern.CASE_INSENSITIVE | Pattern.UNIX_LINES);
    private static final Pattern RELATIVE = Pattern.compile("^\\s*([+-]\\d+)");
    private static final Pattern ABSOLUTE = Pattern.compile("^\\s*(\\d+)");
    private static final Pattern HEX6 = Pattern.compile("^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})\n?$");

    private record Style(String tag, String fg, String bg, double size, String display, String visibility) { }

    private final List<Style> stack = new ArrayList<>();
    private final Sizes sizes;
    private double basefont = 3;

    HtmlStyle(Sizes sizes) {
        this.sizes = sizes;
        stack.add(new Style("default", "#000000", "#ffffff", 3, null, null));
    }

    void tag(String name, Map<String, String> attrs, int num) {
        if (!STYLED.contains(name)) return;
        String tag = name.equals("th") ? "td" : name;
        if (num != 1) {
            if (!tag.equals("body")) close(tag); // browsers render text after </body>
            return;
        }
        if (tag.equals("basefont") && attrs.containsKey("size")) {
            Matcher m = ABSOLUTE.matcher(attrs.get("size"));
            if (m.find()) { basefont = number(m.group(1)); return; }
        }
        if (tag.equals("td") || tag.equals("tr")) closeTable(tag);
        Style top = stack.get(stack.size() - 1);
        if (tag.equals("big") || tag.equals("small")) {
            stack.add(new Style(tag, top.fg, top.bg, top.size + (tag.equals("big") ? 1 : -1), top.display, top.visibility));
            return;
        }
        String fg = top.fg;
        String bg = top.bg;
        double size = top.size;
        String display = top.display;
        String visibility = top.visibility;
        Set<String> accepted = ACCEPTED.getOrDefault(tag, Set.of());
        for (var a : attrs.entrySet()) {
            String key = a.getKey();
            String value = a.getValue();
            if (!accepted.contains(key)) continue;
            if (key.equals("text") || key.equals("color")) {
                fg = HtmlColors.toRgb(value);
            } else if (key.equals("size")) {
                Matcher rel = RELATIVE.matcher(value);
                Matcher abs = ABSOLUTE.matcher(value);
                if (rel.find()) size = basefont + number(rel.group(1));
                else if (abs.find()) size = number(abs.group(1));
            } else if (key.equals("style")) {
                for (String part : value.split(";")) {
                    Matcher m = COLOR.matcher(part);
                    Matcher b = BACKGROUND.matcher(part);
                    Matcher p = PROPERTY.matcher(part);
                    if (m.find()) {
                        String v = m.group(2).toLowerCase(Locale.ROOT).replaceAll("\\s*!\\s*important$", "");
                        String c = v.contains("rgb") ? HtmlColors.styleRgb(v) : v.equals("inherit") ? null
                                : v.equals("transparent") ? v : HtmlColors.toRgb(v);
                        if (c != null && m.group(1) != null) bg = c;
                        else if (c != null) fg = c;
                    } else if (b.find()) {
                        String c = HtmlColors.backgroundColor(b.group(1).toLowerCase(Locale.ROOT));
                        if (c != null) bg = c;
                    } else if (p.find()) {
                        // SpamAssassin keeps the property under its name as written: "Display:none" is not read
                        if (p.group(1).equals("display")) display = p.group(2);
                        if (p.group(1).equals("visibility")) visibility = p.group(2);
                    }
                }
                if (bg.equals("transparent")) bg = top.bg; // the parent's background shows (bug 8205)
                if (fg.equals("transparent")) fg = bg;
            }
            if (size > sizes.max) sizes.max = size;
            else if (size < sizes.min) sizes.min = size;
        }
        stack.add(new Style(tag, fg, bg, size, display, visibility));
    }

    /** Where the next text is: visible, too close to its background, of an invalid colour, or hidden otherwise. */
    Visibility visibility() {
        Style s = stack.get(stack.size() - 1);
        if (last6(s.fg).equals(last6(s.bg))) return Visibility.LOW_CONTRAST;
        Matcher f = HEX6.matcher(s.fg);
        Matcher b = HEX6.matcher(s.bg);
        if (f.find() && b.find()) {
            double r = Integer.parseInt(f.group(1), 16) - Integer.parseInt(b.group(1), 16);
            double g = Integer.parseInt(f.group(2), 16) - Integer.parseInt(b.group(2), 16);
            double bl = Integer.parseInt(f.group(3), 16) - Integer.parseInt(b.group(3), 16);
            // distance weighted by brightness; under 12 the text is very hard to read (HTML.pm)
            double distance = Math.sqrt(Math.pow(0.2126 * r, 2) + Math.pow(0.7152 * g, 2) + Math.pow(0.0722 * bl, 2));
            if (distance < 12) return Visibility.LOW_CONTRAST;
        }
        if (s.fg.equals(HtmlColors.INVALID) || s.bg.equals(HtmlColors.INVALID)) return Visibility.INVALID_COLOR;
        if (s.size <= 1) return Visibility.HIDDEN;
        if (s.display != null && s.display.equalsIgnoreCase("none")) return Visibility.HIDDEN;
        if (s.visibility != null && s.visibility.equalsIgnoreCase("hidden")) return Visibility.HIDDEN;
        return Visibility.VISIBLE;
    }

    private static String last6(String c) { return c.length() <= 6 ? c : c.substring(c.length() - 6); }

    private static double number(String digits) {
        try {
            return Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Closes everything up to the tag, if it is open (HTML.pm close_tag). */
    private void close(String tag) {
        if (stack.stream().noneMatch(s -> s.tag.equals(tag))) return;
        while (!stack.isEmpty()) {
            if (stack.remove(stack.size() - 1).tag.equals(tag)) return;
        }
    }

    /** A new cell or row closes the fonts and cells still open in the last one (HTML.pm close_table_tag). */
    private void closeTable(String tag) {
        if (stack.stream().noneMatch(s -> s.tag.equals(tag))) return;
        while (!stack.isEmpty()) {
            String top = stack.get(stack.size() - 1).tag;
            boolean pop = tag.equals("td") ? top.equals("font") || top.equals("td")
                    : top.equals("font") || top.equals("td") || top.equals("tr");
            if (!pop) return;
            stack.remove(stack.size() - 1);
        }
    }
}
