// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The images of a message as SpamAssassin's ImageInfo plugin sees them: every leaf part of
 * type image/gif, image/png or image/jpeg (image/jpg counts as jpeg) in base64 is counted; its
 * width and height are read from the image's own header (GIF's logical screen, PNG's IHDR,
 * JPEG's first start-of-frame marker) and, when both are non-zero, its area is added to its
 * type's pixel coverage, "HEIGHTxWIDTH" to its type's sizes, and its file name to the names.
 * "all" sums the three types. Only the first bytes of a part are read (the header the plugin
 * reads; a JPEG's markers are walked, within the part's decoded bytes MessageView keeps).
 *
 * <p>The evals ({@code image_count}, {@code pixel_coverage}, {@code image_size_exact},
 * {@code image_size_range}, {@code image_named}, {@code image_to_text_ratio}) are in
 * {@link BodyEvals}.
 */
final class ImageInfo {
    private static final List<String> TYPES = List.of("gif", "png", "jpeg");
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, Long> pixels = new HashMap<>();
    private final Map<String, Set<String>> sizes = new HashMap<>();
    private final Set<String> names = new HashSet<>();

    /** One leaf part of the message: mimeType lower case, decoded its decoded bytes (possibly cut short). */
    void part(String mimeType, String encoding, String name, byte[] decoded) {
        String type = switch (mimeType) {
            case "image/gif" -> "gif";
            case "image/png" -> "png";
            case "image/jpeg", "image/jpg" -> "jpeg";
            default -> null;
        };
        if (type == null || !"base64".equals(encoding.toLowerCase(Locale.ROOT))) return;
        counts.merge(type, 1, Integer::sum);
        counts.merge("all", 1, Integer::sum);
        long[] hw = switch (type) {
            case "gif" -> gif(decoded);
            case "png" -> png(decoded);
            default -> jpeg(decoded);
        };
        if (hw == null || hw[0] == 0 || hw[1] == 0) return;
        for (String t : List.of(type, "all")) {
            pixels.merge(t, hw[0] * hw[1], Long::sum);
            sizes.computeIfAbsent(t, k -> new HashSet<>()).add(hw[0] + "x" + hw[1]);
        }
        if (name != null && !name.isEmpty()) names.add(name);
    }

    int count(String type) { return counts.getOrDefault(type, 0); }

    long pixels(String type) { return pixels.getOrDefault(type, 0L); }

    Set<String> sizes(String type) { return sizes.getOrDefault(type, Set.of()); }

    boolean named(String name) { return names.contains(name); }

    static boolean knownType(String type) { return type.equals("all") || TYPES.contains(type); }

    /** GIF87a/GIF89a: the logical screen's width and height, little-endian, after the signature. */
    static long[] gif(byte[] d) {
        if (d.length < 10 || d[0] != 'G' || d[1] != 'I' || d[2] != 'F' || d[3] != '8' || (d[4] != '7' && d[4] != '9') || d[5] != 'a') return null;
        long width = (d[6] & 0xff) | (d[7] & 0xff) << 8;
        long height = (d[8] & 0xff) | (d[9] & 0xff) << 8;
        return new long[] {height, width};
    }

    /**
     * PNG: the IHDR chunk's width and height. As the plugin reads it: from offset 8, 8 bytes at
     * a time (length and type), stopping at IEND or at an IHDR of length 13; IHDR is the first
     * chunk of every valid PNG, so this is where the plugin finds it.
     */
    static long[] png(byte[] d) {
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
        if (d.length < 8) return null;
        for (int i = 0; i < 8; i++) if (d[i] != sig[i]) return null;
        int pos = 8;
        while (pos < d.length) {
            if (pos + 8 > d.length) return null;
            long len = be32(d, pos);
            String type = new String(d, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            pos += 8;
            if (type.equals("IEND")) return null;
            if (!type.equals("IHDR") || len != 13) continue;
            if (pos + 8 > d.length) return null;
            return new long[] {be32(d, pos + 4), be32(d, pos)};
        }
        return null;
    }

    /** JPEG: the height and width of the first start-of-frame marker (SOF0-3, 5-7, 9-11, 13-15), walking the markers from SOI. */
    static long[] jpeg(byte[] d) {
        if (d.length < 2 || (d[0] & 0xff) != 0xff || (d[1] & 0xff) != 0xd8) return null;
        int pos = 2;
        while (pos + 3 < d.length) {
            int xx = d[pos] & 0xff;
            int mark = d[pos + 1] & 0xff;
            int len = (d[pos + 2] & 0xff) << 8 | (d[pos + 3] & 0xff);
            if (xx != 0xff || mark == 0xda || mark == 0xd9 || len < 2) return null;
            pos += 4;
            int blockLen = Math.min(len - 2, d.length - pos);
            boolean sof = mark >= 0xc0 && mark <= 0xc3 || mark >= 0xc5 && mark <= 0xc7 || mark >= 0xc9 && mark <= 0xcb || mark >= 0xcd && mark <= 0xcf;
            if (sof) {
                if (blockLen < 5) return null;
                long height = (d[pos + 1] & 0xff) << 8 | (d[pos + 2] & 0xff);
                long width = (d[pos + 3] & 0xff) << 8 | (d[pos + 4] & 0xff);
                return new long[] {height, width};
            }
            pos += blockLen;
        }
        return null;
    }

    private static long be32(byte[] d, int i) {
        return (long) (d[i] & 0xff) << 24 | (d[i + 1] & 0xff) << 16 | (d[i + 2] & 0xff) << 8 | (d[i + 3] & 0xff);
    }
}
