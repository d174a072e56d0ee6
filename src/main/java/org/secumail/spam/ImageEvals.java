// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.num;
import static org.secumail.spam.EvalTests.str;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

/**
 * SpamAssassin's ImageInfo plugin's evals over the message's {@link ImageInfo}: a TYPE is
 * gif, png, jpeg or all; minimum and maximum are inclusive unless said otherwise, a missing
 * maximum is no limit, and a type the plugin does not know never hits.
 * <ul>
 * <li>{@code image_count(TYPE, MIN[, MAX])}: how many such parts;
 * <li>{@code pixel_coverage(TYPE, MIN[, MAX])}: their summed area in pixels;
 * <li>{@code image_size_exact(TYPE, HEIGHT, WIDTH)}, {@code image_size_range(TYPE, MINH,
 *     MINW[, MAXH, MAXW])}: one of them has that size;
 * <li>{@code image_named(NAME)}: one of the measured images has that file name;
 * <li>{@code image_to_text_ratio(TYPE, MIN, MAX)}: the length of the text the calling rule
 *     reads (body: the rendered text; rawbody: the decoded text) over the area, MAX exclusive.
 * </ul>
 */
final class ImageEvals {
    private ImageEvals() { }

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t, Map<String, EvalTests.TypedEval> typed) {
        t.put("image_count", (s, a) -> a.size() < 2 || !ImageInfo.knownType(str(a, 0)) ? 0
                : hit(within(s.view().mime.images.count(str(a, 0)), num(a, 1, 0), a.size() > 2 ? num(a, 2, Double.NaN) : Double.NaN, false)));
        t.put("pixel_coverage", (s, a) -> a.size() < 2 || !ImageInfo.knownType(str(a, 0)) ? 0
                : hit(within(s.view().mime.images.pixels(str(a, 0)), num(a, 1, 0), a.size() > 2 ? num(a, 2, Double.NaN) : Double.NaN, false)));
        t.put("image_size_exact", (s, a) -> a.size() < 3 ? 0
                : hit(s.view().mime.images.sizes(str(a, 0)).contains(str(a, 1).strip() + "x" + str(a, 2).strip())));
        t.put("image_size_range", (s, a) -> {
            if (a.size() < 3) return 0;
            double minH = num(a, 1, 0);
            double minW = num(a, 2, 0);
            double maxH = a.size() > 3 ? num(a, 3, Double.POSITIVE_INFINITY) : Double.POSITIVE_INFINITY;
            double maxW = a.size() > 4 ? num(a, 4, Double.POSITIVE_INFINITY) : Double.POSITIVE_INFINITY;
            for (String size : s.view().mime.images.sizes(str(a, 0))) {
                int x = size.indexOf('x');
                double h = Double.parseDouble(size.substring(0, x));
                double w = Double.parseDouble(size.substring(x + 1));
                if (h >= minH && w >= minW && h <= maxH && w <= maxW) return 1;
            }
            return 0;
        });
        t.put("image_named", (s, a) -> a.isEmpty() ? 0 : hit(s.view().mime.images.named(str(a, 0))));
        typed.put("image_to_text_ratio", (s, type, a) -> {
            if (a.size() < 3) return 0;
            long area = ImageInfo.knownType(str(a, 0)) ? s.view().mime.images.pixels(str(a, 0)) : 0;
            long text = 0;
            for (String p : type == Rule.Type.RAWBODY ? s.view().rawChunks : s.view().paragraphs) text += p.length();
            if (text == 0 || area == 0) return 0;
            return hit(within((double) text / area, num(a, 1, 0), num(a, 2, Double.NaN), true));
        });
    }

    /** The plugin's result_check: value >= min, value <= max when there is a max, and value != max when it is exclusive. */
    private static boolean within(double value, double min, double max, boolean maxExclusive) {
        if (value < min) return false;
        if (!Double.isNaN(max) && value > max) return false;
        return !(maxExclusive && !Double.isNaN(max) && value == max);
    }
}
