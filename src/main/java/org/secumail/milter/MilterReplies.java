// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.nio.charset.StandardCharsets;

/**
 * The text of an SMFIR_REPLYCODE answer, checked as Postfix's milter8_valid_smtp_reply()
 * checks it: one or more lines "ddd-text" CRLF ... "ddd text", the code 4xx or 5xx, an
 * enhanced status code (when present) of the same class, no NUL inside; and Sendmail's "%%"
 * turned into "%" (a lone "%" is dropped), since Sendmail uses the text as a format.
 */
final class MilterReplies {
    private MilterReplies() { }

    /** The reply text (without the final NUL), or null when it is malformed. */
    static String validReply(byte[] data) {
        int end = data.length;
        if (end > 0 && data[end - 1] == 0) end--;
        for (int i = 0; i < end; i++) if (data[i] == 0) return null;
        String s = new String(data, 0, end, StandardCharsets.UTF_8);
        int at = 0;
        while (at < s.length()) {
            int cr = indexOfLineEnd(s, at);
            int lineEnd = cr < 0 ? s.length() : cr;
            boolean last = lineEnd == s.length();
            String line = s.substring(at, lineEnd);
            if (line.length() < 4) return null;
            char c0 = line.charAt(0);
            if ((c0 != '4' && c0 != '5') || !Character.isDigit(line.charAt(1)) || !Character.isDigit(line.charAt(2))) return null;
            if (line.charAt(3) != (last ? ' ' : '-')) return null;
            if (line.length() > 4 && Character.isDigit(line.charAt(4)) && line.charAt(4) != c0) return null;
            if (last) return s;
            if (lineEnd + 1 >= s.length() || s.charAt(lineEnd) != '\r' || s.charAt(lineEnd + 1) != '\n') return null;
            at = lineEnd + 2;
        }
        return null;
    }

    private static int indexOfLineEnd(String s, int from) {
        for (int i = from; i < s.length(); i++) if (s.charAt(i) == '\r' || s.charAt(i) == '\n') return i;
        return -1;
    }

    /** "%%" becomes "%", a single "%" goes (milter8.c). */
    static String unPercent(String s) {
        if (s.indexOf('%') < 0) return s;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '%') {
                    b.append('%');
                    i++;
                }
                continue;
            }
            b.append(c);
        }
        return b.toString();
    }
}
