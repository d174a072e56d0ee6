// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The two canonicalization algorithms of RFC 6376 section 3.4, for header fields. Both work
 * on the raw bytes of the field as it arrived ({@link org.secumail.content.HeaderField#raw()}),
 * so what is hashed is what the signer sent, never a re-serialisation. A bare LF is taken as
 * a line end (CRLF), as dkimpy and OpenDKIM do for messages read from files.
 */
public enum Canonicalization {
    SIMPLE, RELAXED;

    public String keyword() { return name().toLowerCase(Locale.ROOT); }

    /** "simple" or "relaxed" (case-insensitive), or null for anything else. */
    public static Canonicalization of(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /**
     * The canonical form of one header field, with its final CRLF unless {@code withCrlf} is
     * false (the signature header itself is hashed without it, section 3.7).
     */
    public byte[] header(byte[] raw, boolean withCrlf) {
        int end = raw.length;
        if (end > 0 && raw[end - 1] == '\n') end--;
        if (end > 0 && raw[end - 1] == '\r') end--;
        ByteArrayOutputStream out = new ByteArrayOutputStream(end + 2);
        if (this == SIMPLE) {
            // section 3.4.1: unchanged (lone LF written as CRLF)
            for (int i = 0; i < end; i++) {
                byte b = raw[i];
                if (b == '\n' && (i == 0 || raw[i - 1] != '\r')) out.write('\r');
                out.write(b);
            }
        } else {
            // section 3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP at the end or around the colon
            int colon = 0;
            while (colon < end && raw[colon] != ':') colon++;
            int nameEnd = colon;
            while (nameEnd > 0 && isWsp(raw[nameEnd - 1])) nameEnd--;
            for (int i = 0; i < nameEnd; i++) {
                byte b = raw[i];
                out.write(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }
            out.write(':');
            boolean pendingSpace = false, started = false;
            for (int i = colon + 1; i < end; i++) {
                byte b = raw[i];
                // unfolding removes line ends (CRLF, or a bare LF); a lone CR is content, as in dkimpy
                if (b == '\n' || (b == '\r' && i + 1 < end && raw[i + 1] == '\n')) continue;
                if (isWsp(b)) { pendingSpace = true; continue; }
                if (pendingSpace && started) out.write(' ');
                pendingSpace = false;
                started = true;
                out.write(b);
            }
        }
        if (withCrlf) { out.write('\r'); out.write('\n'); }
        return out.toByteArray();
    }

    static boolean isWsp(byte b) { return b == ' ' || b == '\t'; }
}
