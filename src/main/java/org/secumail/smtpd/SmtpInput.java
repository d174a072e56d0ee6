// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads SMTP lines from a socket with limits. A line ends at LF; {@link Line#bareLf} says the LF
 * had no CR before it and {@link Line#bareCr} that a CR stood elsewhere than before the LF
 * (both are forbidden in SMTP, RFC 5321 section 2.3.8, and are how SMTP smuggling works).
 * Bytes past {@code maxLength} are read and dropped, and the line is marked {@link Line#tooLong},
 * so a client can never make us buffer more than the limit.
 */
public final class SmtpInput {
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int end;

    /**
     * One line without its line ending. {@code eof}: the stream ended before any LF.
     * {@code partial}: a piece of a longer line, more of which follows ({@link #readLinePiece}).
     */
    public record Line(byte[] bytes, int length, boolean bareLf, boolean bareCr, boolean tooLong, boolean hasNul, boolean eof,
                       boolean partial) {
        public String text() { return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8); }

        public boolean isDot() { return length == 1 && bytes[0] == '.' && !bareLf && !bareCr && !partial; }
    }

    /** A CR read at the end of a piece, not yet known to be part of CRLF. */
    private boolean carriedCr;

    public SmtpInput(InputStream in) { this.in = in; }

    /** True when the client has sent bytes we have not read yet (pipelined input). */
    public boolean hasBufferedInput() throws IOException {
        return pos < end || in.available() > 0;
    }

    /**
     * Throws away what the client sent that was not read yet, without blocking: the bytes in our
     * buffer and those the socket already holds. STARTTLS uses it so that plaintext pipelined
     * after the command is never taken as a command inside TLS (CVE-2011-0411, RFC 3207 section 4.2).
     *
     * @return the number of bytes discarded
     */
    public int discardBuffered() throws IOException {
        int n = end - pos;
        pos = 0;
        end = 0;
        for (int rounds = 0; rounds < 1024; rounds++) {
            int avail = in.available();
            if (avail <= 0) break;
            int r = in.read(buf, 0, Math.min(avail, buf.length));
            if (r <= 0) break;
            n += r;
        }
        return n;
    }

    /**
     * Reads one line of at most {@code maxLength} octets (without CRLF), storing it in {@code line}
     * (which must be at least maxLength long).
     */
    public Line readLine(byte[] line, int maxLength) throws IOException {
        return read(line, maxLength, false);
    }

    /**
     * Reads a line, or a piece of it: a line longer than {@code maxLength} comes in pieces of
     * that size ({@link Line#partial}), the last one with the line ending, as Postfix's smtpd
     * reads message text (pieces of line_length_limit, stored as one line). Nothing is dropped.
     */
    public Line readLinePiece(byte[] line, int maxLength) throws IOException {
        return read(line, maxLength, true);
    }

    private Line read(byte[] line, int maxLength, boolean pieces) throws IOException {
        int len = 0;
        boolean bareCr = false;
        boolean tooLong = false;
        boolean nul = false;
        boolean pendingCr = carriedCr;
        carriedCr = false;
        while (true) {
            if (pos >= end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (pendingCr) bareCr = true;
                    return new Line(line, len, false, bareCr, tooLong, nul, true, false);
                }
            }
            byte b = buf[pos];
            if (b == '\n') {
                pos++;
                return new Line(line, len, !pendingCr, bareCr, tooLong, nul, false, false);
            }
            if (pieces && (len >= maxLength || (pendingCr && len >= maxLength - 1))) {
                // full: this byte starts the next piece; a CR not yet placed goes with it
                carriedCr = pendingCr;
                return new Line(line, len, false, bareCr, false, nul, false, true);
            }
            pos++;
            if (pendingCr) {
                bareCr = true;          // a CR not followed by LF
                len = append(line, len, (byte) '\r', maxLength);
                if (len < 0) { tooLong = true; len = maxLength; }
            }
            pendingCr = b == '\r';
            if (pendingCr) continue;
            if (b == 0) nul = true;
            int n = append(line, len, b, maxLength);
            if (n < 0) tooLong = true;
            else len = n;
        }
    }

    private static int append(byte[] line, int len, byte b, int max) {
        if (len >= max) return -1;
        line[len] = b;
        return len + 1;
    }
}
