// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the transcript format described in src/test/resources/transcripts/README.md.
 * Files are UTF-8; text is turned into the bytes that go over the wire (its UTF-8
 * encoding), held as ISO-8859-1 strings so that replies, read byte-wise as ISO-8859-1,
 * compare byte for byte. Every error names the file and line.
 */
public final class TranscriptParser {
    /** Longest "W:" wait: a transcript must stay bounded in time. */
    public static final long MAX_WAIT_MILLIS = 60_000;

    private TranscriptParser() {}

    public static Transcript parse(Path file) {
        try {
            return parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read transcript " + file, e);
        }
    }

    public static Transcript parse(String source, String text) {
        String description = null;
        List<String> mainCf = new ArrayList<>();
        Set<String> tags = new LinkedHashSet<>();
        List<Step> steps = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String l = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (l.isBlank()) continue;
            if (l.startsWith("#")) {
                if (description == null) description = l.substring(1).strip();
                continue;
            }
            if (l.startsWith("@")) {
                directive(source, no, l, mainCf, tags);
                continue;
            }
            Step step = step(source, no, l);
            if (step instanceof Step.ExpectAlso && !(!steps.isEmpty()
                    && (steps.get(steps.size() - 1) instanceof Step.Expect || steps.get(steps.size() - 1) instanceof Step.ExpectAlso))) {
                throw new TranscriptParseException(source, no, "S+: checks the reply of the step before, which must be S:, S..., S-: or S+:");
            }
            steps.add(step);
        }
        if (description == null || description.isEmpty()) {
            throw new TranscriptParseException(source, 1, "no description: the first '#' comment line must say what the test shows");
        }
        if (steps.isEmpty()) throw new TranscriptParseException(source, lines.length, "no steps (C:, R:, S:, S...:, S-:, S+:, W:)");
        return new Transcript(source, description, mainCf, Collections.unmodifiableSet(tags), steps);
    }

    private static void directive(String source, int no, String l, List<String> mainCf, Set<String> tags) {
        if (l.startsWith("@main.cf ") || l.equals("@main.cf")) {
            String cf = l.length() > 9 ? l.substring(9) : "";
            if (cf.isBlank()) throw new TranscriptParseException(source, no, "@main.cf needs a main.cf line, e.g. '@main.cf name = value'");
            // One main.cf line each; no continuation lines (they would depend on spacing).
            mainCf.add(cf.stripLeading());
        } else if (l.startsWith("@tags ") || l.equals("@tags")) {
            String words = l.substring(5).strip();
            if (words.isEmpty()) throw new TranscriptParseException(source, no, "@tags needs at least one tag");
            for (String t : words.split("[\\s,]+")) tags.add(t);
        } else {
            String name = l.split("\\s", 2)[0];
            throw new TranscriptParseException(source, no, "unknown directive '" + name + "' (known: @main.cf, @tags)");
        }
    }

    private static Step step(String source, int no, String l) {
        if (l.startsWith("C:")) return new Step.Send(no, wire(afterPrefix(l, 2)));
        if (l.startsWith("R:")) {
            String src = afterPrefix(l, 2);
            return new Step.SendRaw(no, unescape(source, no, src, l.length() - src.length() + 1), src);
        }
        if (l.startsWith("S-:")) return expect(source, no, afterPrefix(l, 3), true);
        if (l.startsWith("S+:")) {
            Step.Expect e = (Step.Expect) expect(source, no, afterPrefix(l, 3), true);
            return new Step.ExpectAlso(no, e.pattern());
        }
        if (l.startsWith("S...")) return expect(source, no, afterPrefix(l, 4), false);
        if (l.startsWith("S:")) {
            String p = afterPrefix(l, 2);
            if (p.strip().equals("<closed>")) return new Step.ExpectClosed(no);
            return expect(source, no, p, false);
        }
        if (l.startsWith("W:")) {
            String n = l.substring(2).strip();
            long ms;
            try {
                ms = Long.parseLong(n);
            } catch (NumberFormatException e) {
                throw new TranscriptParseException(source, no, "W: needs a number of milliseconds, got '" + n + "'");
            }
            if (ms < 0 || ms > MAX_WAIT_MILLIS) {
                throw new TranscriptParseException(source, no, "W: " + ms + " is outside 0.." + MAX_WAIT_MILLIS + " ms");
            }
            return new Step.Wait(no, ms);
        }
        String head = l.length() > 12 ? l.substring(0, 12) + "..." : l;
        throw new TranscriptParseException(source, no,
                "cannot parse '" + head + "': a line is a '#' comment, @main.cf, @tags, C:, R:, S:, S...:, S-:, S+: or W:");
    }

    private static Step expect(String source, int no, String pattern, boolean anyLine) {
        if (pattern.isEmpty()) throw new TranscriptParseException(source, no, "empty reply pattern (use '*' to accept any reply)");
        if (pattern.strip().equals("<closed>")) {
            throw new TranscriptParseException(source, no, "<closed> only works with 'S:'");
        }
        return new Step.Expect(no, wire(pattern), anyLine);
    }

    /** The text after "X:" and one separating space; the rest (trailing spaces too) is kept. */
    private static String afterPrefix(String l, int prefixLength) {
        String rest = l.substring(prefixLength);
        if (rest.startsWith(":")) rest = rest.substring(1); // "S...:" written with a colon
        return rest.startsWith(" ") ? rest.substring(1) : rest;
    }

    /** The UTF-8 bytes of text, as an ISO-8859-1 string (one char per byte). */
    static String wire(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** Escapes of "R:": \r \n \t \0 \\ \xHH; any other character is its UTF-8 bytes. */
    static byte[] unescape(String source, int no, String s, int column) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(wire(String.valueOf(c)));
                continue;
            }
            if (i + 1 >= s.length()) {
                throw new TranscriptParseException(source, no, "column " + (column + i) + ": '\\' at end of line (write \\\\ for a backslash)");
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case '0' -> out.append('\0');
                case '\\' -> out.append('\\');
                case 'x' -> {
                    String hex = s.substring(i + 1, Math.min(i + 3, s.length()));
                    if (!hex.matches("[0-9A-Fa-f]{2}")) {
                        throw new TranscriptParseException(source, no, "column " + (column + i - 1) + ": \\x needs two hex digits, got '" + hex + "'");
                    }
                    out.append((char) Integer.parseInt(hex, 16));
                    i += 2;
                }
                default -> throw new TranscriptParseException(source, no,
                        "column " + (column + i - 1) + ": unknown escape '\\" + e + "' (known: \\r \\n \\t \\0 \\\\ \\xHH)");
            }
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
