// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.content.HeaderField;

/**
 * The header part of the data a DKIM (or ARC) signature covers: RFC 6376 section 5.4.2 and
 * 3.7. Fields named in h= are taken bottom-up, each instance once; a name with no instance
 * left contributes nothing (this is what makes oversigning work, section 8.15). The
 * signature field itself comes last, with its b= value removed and without the final CRLF.
 */
public final class SignedHeaders {
    private SignedHeaders() { }

    /** The canonicalized fields named in {@code h}, in h= order, selected bottom-up. */
    public static byte[] data(List<HeaderField> headers, List<String> h, Canonicalization c, HeaderField signature, List<String> trace) {
        Map<String, Deque<HeaderField>> byName = new HashMap<>();
        for (HeaderField f : headers) {
            // the signature itself is never selected by h= (dkimpy and OpenDKIM skip it)
            if (f == signature) continue;
            byName.computeIfAbsent(f.lowerName(), k -> new ArrayDeque<>()).push(f);   // bottom-most first
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        List<String> used = trace == null ? null : new ArrayList<>();
        for (String name : h) {
            Deque<HeaderField> stack = byName.get(name.toLowerCase(Locale.ROOT));
            HeaderField f = stack == null ? null : stack.poll();
            if (f == null) {
                if (used != null) used.add(name + "(absent)");
                continue;
            }
            out.writeBytes(c.header(f.raw(), true));
            if (used != null) used.add(name);
        }
        if (signature != null) out.writeBytes(c.header(withoutB(signature.raw()), false));
        if (trace != null) trace.add("header fields hashed (" + c.keyword() + "): " + String.join(" ", used));
        return out.toByteArray();
    }

    /**
     * The field with the value of its b= tag deleted (section 3.7: "the value of the b= tag,
     * including all surrounding whitespace, deleted"). Works on the raw bytes: "b" is found
     * as a tag name at the start of a tag-spec, so bh= is left alone.
     */
    public static byte[] withoutB(byte[] raw) {
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') colon++;
        int i = colon + 1;
        while (i < raw.length) {
            int specStart = i;
            int semi = i;
            while (semi < raw.length && raw[semi] != ';') semi++;
            int k = specStart;
            while (k < semi && isFws(raw[k])) k++;
            if (k < semi && raw[k] == 'b') {
                int e = k + 1;
                while (e < semi && isFws(raw[e])) e++;
                if (e < semi && raw[e] == '=') {
                    int valueStart = e + 1;
                    // keep a final CRLF if the b= tag is the last one
                    int valueEnd = semi;
                    if (semi == raw.length) {
                        while (valueEnd > valueStart && (raw[valueEnd - 1] == '\r' || raw[valueEnd - 1] == '\n')) valueEnd--;
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
                    out.write(raw, 0, valueStart);
                    out.write(raw, valueEnd, raw.length - valueEnd);
                    return out.toByteArray();
                }
            }
            i = semi + 1;
        }
        return raw;
    }

    private static boolean isFws(byte b) { return b == ' ' || b == '\t' || b == '\r' || b == '\n'; }
}
