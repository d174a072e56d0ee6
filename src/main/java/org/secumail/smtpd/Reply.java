// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a code (RFC 5321 section 4.2), an RFC 3463 enhanced status code and text.
 * Text may hold several lines separated by '\n'; {@link #wire} renders "250-" continuation
 * lines and puts the enhanced code on every line, as RFC 2034 section 3 requires.
 */
public record Reply(int code, String enhanced, String text) {
    public Reply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code " + code);
        enhanced = enhanced == null ? "" : fixClass(code, enhanced);
    }

    public static Reply of(int code, String enhanced, String text) { return new Reply(code, enhanced, text); }

    /**
     * Makes the class digit of the enhanced code agree with the reply code, as Postfix's
     * smtpd_dsn_fix does: a 4xx reply carries 4.x.x and a 5xx reply 5.x.x (RFC 3463 section 3.1).
     */
    static String fixClass(int code, String enhanced) {
        if (enhanced.isEmpty() || code < 400) return enhanced;
        char want = code >= 500 ? '5' : '4';
        return enhanced.charAt(0) == want ? enhanced : want + enhanced.substring(1);
    }

    public boolean positive() { return code < 400; }

    public boolean temporary() { return code / 100 == 4; }

    public boolean permanent() { return code / 100 == 5; }

    /** A copy with another code; the enhanced code's class follows it. */
    public Reply withCode(int newCode) { return new Reply(newCode, enhanced, text); }

    /** The reply as one log-friendly line: "554 5.7.1 text". */
    public String line() {
        return code + (enhanced.isEmpty() ? "" : " " + enhanced) + " " + text.replace('\n', ' ');
    }

    /** The reply as sent: every line but the last is "NNN-", the last "NNN ". */
    public byte[] wire() {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty()) lines = List.of("");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhanced.isEmpty()) sb.append(enhanced).append(' ');
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() { return line(); }
}
