// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal, independent reader of a multipart/report (RFC 6522) for tests: unfolds
 * headers, splits the parts at the boundary given in Content-Type, and reads the
 * delivery-status fields (RFC 3464 section 2.1) as groups separated by blank lines.
 */
final class DsnParse {
    record Part(Map<String, String> headers, String body) {}

    record Report(Map<String, String> headers, String preamble, List<Part> parts) {
        Part part(int i) { return parts.get(i); }

        /** The delivery-status groups: per-message fields first, then one per recipient. */
        List<Map<String, String>> status() {
            List<Map<String, String>> groups = new ArrayList<>();
            for (String block : part(1).body().split("\r\n\r\n")) {
                if (block.isBlank()) continue;
                groups.add(DsnParse.headers(block + "\r\n"));
            }
            return groups;
        }
    }

    private DsnParse() {}

    static Report parse(byte[] raw) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        if (end < 0) throw new AssertionError("no header/body separator");
        Map<String, String> h = headers(all.substring(0, end + 2));
        String body = all.substring(end + 4);
        Matcher m = Pattern.compile("boundary=\"([^\"]+)\"").matcher(h.getOrDefault("content-type", ""));
        if (!m.find()) throw new AssertionError("no boundary in " + h.get("content-type"));
        String delim = "--" + m.group(1);
        if (!body.contains("\r\n" + delim + "--\r\n")) throw new AssertionError("no closing boundary");
        String inner = body.substring(0, body.indexOf("\r\n" + delim + "--\r\n"));
        String[] chunks = inner.split(Pattern.quote("\r\n" + delim + "\r\n"), -1);
        // chunks[0] is the preamble up to the first delimiter (which follows "\r\n" too)
        List<Part> parts = new ArrayList<>();
        for (int i = 1; i < chunks.length; i++) {
            String c = chunks[i];
            int e = c.indexOf("\r\n\r\n");
            parts.add(new Part(headers(c.substring(0, e + 2)), c.substring(e + 4)));
        }
        return new Report(h, chunks[0], parts);
    }

    /** Header fields by lower-case name (the first occurrence), unfolded. */
    static Map<String, String> headers(String block) {
        Map<String, String> out = new LinkedHashMap<>();
        String name = null;
        for (String line : block.split("\r\n")) {
            if (line.isEmpty()) continue;
            if ((line.startsWith(" ") || line.startsWith("\t")) && name != null) {
                out.put(name, out.get(name) + " " + line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) throw new AssertionError("not a header line: " + line);
            name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            out.putIfAbsent(name, line.substring(colon + 1).strip());
        }
        return out;
    }
}
