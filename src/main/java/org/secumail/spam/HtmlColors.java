// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Colours as SpamAssassin's HTML renderer reads them (HTML.pm name_to_rgb and the CSS
 * {@code background} reader): a name of HTML 4 or CSS 3, {@code #rgb}, {@code #rrggbb} or
 * {@code rgb(...)} becomes {@code #rrggbb}; anything else is "invalid", which SpamAssassin
 * tests for itself ({@code font_invalid_color}): {@code color="ff0000"} without its '#' is
 * invalid there, though browsers show it red.
 */
final class HtmlColors {
    private HtmlColors() { }

    static final String INVALID = "invalid";

    private static final Map<String, String> NAMED = new HashMap<>();

    static {
        String[] t = (""
            + "aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc "
            + "bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a "
            + "burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50 cornflowerblue 6495ed "
            + "cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b "
            + "darkgray a9a9a9 darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f "
            + "darkorange ff8c00 darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b "
            + "darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493 deepskyblue 00bfff "
            + "dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0 forestgreen 228b22 "
            + "fuchsia ff00ff gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 "
            + "green 008000 greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c "
            + "indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5 lawngreen 7cfc00 "
            + "lemonchiffon fffacd lightblue add8e6 lightcoral f08080 lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 "
            + "lightgreen 90ee90 lightgrey d3d3d3 lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa "
            + "lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 limegreen 32cd32 "
            + "linen faf0e6 magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3 "
            + "mediumpurple 9370db mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred c71585 "
            + "midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 "
            + "oldlace fdf5e6 olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 "
            + "palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093 papayawhip ffefd5 peachpuff ffdab9 "
            + "peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 purple 800080 red ff0000 "
            + "rosybrown bc8f8f royalblue 4169e1 saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 "
            + "seashell fff5ee sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 "
            + "slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 "
            + "thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff "
            + "whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32 ").split(" ");
        for (int i = 0; i + 1 < t.length; i += 2) NAMED.put(t[i], "#" + t[i + 1]);
    }

    private static final Pattern HEXISH = Pattern.compile("^[#a-f0-9]*$|rgb\\([\\d%, ]*\\)");
    private static final Pattern RGB_PCT = Pattern.compile("rgb\\((\\d+)%,\\s*(\\d+)%,\\s*(\\d+)%\\s*\\)");
    private static final Pattern RGB_DEC = Pattern.compile("rgb\\((\\d+),\\s*(\\d+),\\s*(\\d+)\\s*\\)");

    /** A colour value of an attribute or a style, as {@code #rrggbb} or {@link #INVALID}. */
    static String toRgb(String value) {
        String c = HtmlText.trimPerlSpace(value.toLowerCase(Locale.ROOT));
        String named = NAMED.get(c);
        if (named != null) return named;
        if (!HEXISH.matcher(c).find()) return INVALID;
        Matcher m = RGB_PCT.matcher(c);
        if (m.find()) c = "#" + hex(percent(m.group(1))) + hex(percent(m.group(2))) + hex(percent(m.group(3)));
        m = RGB_DEC.matcher(c);
        if (m.find()) c = "#" + hex(big(m.group(1))) + hex(big(m.group(2))) + hex(big(m.group(3)));
        if (!c.startsWith("#")) return INVALID;
        c = c.replaceAll("[^a-f0-9]", "");
        if (c.length() > 6) c = c.substring(0, 6);
        if (c.length() > 3 && c.length() < 6) c = c.substring(0, 3);
        if (c.length() % 3 != 0) c = c + "00".substring(0, 3 - c.length() % 3);
        if (c.length() == 3) c = "" + c.charAt(0) + c.charAt(0) + c.charAt(1) + c.charAt(1) + c.charAt(2) + c.charAt(2);
        return "#" + c;
    }

    /** {@code rgb(r, g, b)} inside a style: its digits, each number capped at 255 (HTML.pm text_style). */
    static String styleRgb(String value) {
        String[] parts = value.replaceAll("[^0-9,]", "").split(",");
        StringBuilder sb = new StringBuilder("#");
        for (int i = 0; i < 3; i++) {
            long v = i < parts.length && !parts[i].isEmpty() ? big(parts[i]) : 0;
            sb.append(String.format("%02x", Math.min(v, 255)));
        }
        return sb.toString();
    }

    /** The first valid colour of the bottom layer of a CSS {@code background} value, or null. */
    static String backgroundColor(String value) {
        List<List<String>> layers = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        char close = 0; // inside (...), "..." or '...': the character ending it
        List<Character> stack = new ArrayList<>();
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (close == 0 && (ch == ' ' || ch == ',')) {
                if (token.length() > 0) tokens.add(token.toString());
                token.setLength(0);
                if (ch == ',') { layers.add(tokens); tokens = new ArrayList<>(); }
                continue;
            }
            token.append(ch);
            if (close != 0 && ch == close) {
                if (ch == ')') { tokens.add(token.toString()); token.setLength(0); }
                close = stack.remove(stack.size() - 1);
            } else if (close == 0 && ch == '(' || (close == 0 || close == ')') && (ch == '"' || ch == '\'')) {
                stack.add(close);
                close = ch == '(' ? ')' : ch;
            }
        }
        if (token.length() > 0) tokens.add(token.toString());
        if (!tokens.isEmpty()) layers.add(tokens);
        if (layers.isEmpty()) return null;
        for (String v : layers.get(layers.size() - 1)) {
            String c = toRgb(v);
            if (!c.equals(INVALID)) return c;
        }
        return null;
    }

    private static long big(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long percent(String digits) { return (long) (big(digits) / 100.0 * 255); }

    private static String hex(long v) { return (v < 16 ? "0" : "") + Long.toHexString(v); }
}
