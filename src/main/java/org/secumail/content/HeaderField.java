// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One header field exactly as it arrived (RFC 5322 section 2.2): the name, the colon, the
 * value with its folding, and the final CRLF. DKIM and ARC hash these bytes (RFC 6376 section
 * 3.4), so nothing here re-serialises a header; {@link #value()} is a convenience for checks
 * that only read.
 *
 * @param name the field name as written (case kept; compare with {@link #is})
 * @param raw  the whole field, name to final CRLF inclusive
 */
public record HeaderField(String name, byte[] raw) {
    public HeaderField {
        raw = raw.clone();
    }

    /** A field made by SecuMail: "Name: value" + CRLF (the value folded by the caller if needed). */
    public static HeaderField of(String name, String value) {
        return new HeaderField(name, (name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override public byte[] raw() { return raw.clone(); }

    /** Writes the field's bytes, without copying them first. */
    public void writeTo(java.io.OutputStream out) {
        try {
            out.write(raw);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The number of bytes of {@link #raw()}, without copying. */
    public int length() { return raw.length; }

    /** Case-insensitive name comparison (RFC 5322 section 1.2.2). */
    public boolean is(String other) { return name.equalsIgnoreCase(other); }

    /** The name in lower case, for maps. */
    public String lowerName() { return name.toLowerCase(Locale.ROOT); }

    /** Everything after the colon, as UTF-8, with the final CRLF removed but folding kept. */
    public String rawValue() {
        int colon = name.length();
        int end = raw.length;
        if (end >= 2 && raw[end - 2] == '\r' && raw[end - 1] == '\n') end -= 2;
        else if (end >= 1 && raw[end - 1] == '\n') end -= 1;
        int start = Math.min(colon + 1, end);
        return new String(raw, start, end - start, StandardCharsets.UTF_8);
    }

    private static final java.util.regex.Pattern FOLD = java.util.regex.Pattern.compile("\r?\n(?=[ \t])");

    /** The value unfolded (CRLF before whitespace removed, RFC 5322 section 2.2.3) and trimmed. */
    public String value() {
        String raw = rawValue();
        return raw.indexOf('\n') < 0 ? raw.strip() : FOLD.matcher(raw).replaceAll("").strip();
    }

    @Override public boolean equals(Object o) {
        return o instanceof HeaderField h && h.name.equals(name) && Arrays.equals(h.raw, raw);
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(raw); }

    @Override public String toString() { return new String(raw, StandardCharsets.UTF_8).stripTrailing(); }
}
