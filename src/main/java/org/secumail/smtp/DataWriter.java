// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes message content after DATA's 354 (RFC 5321 section 4.5.2): every line end becomes
 * CRLF (a bare LF or a bare CR never leaves us: the SMTP smuggling defence on the sending
 * side), a line starting with "." gets another ".", an unterminated last line is
 * terminated, and CRLF "." CRLF ends the data. A line longer than smtp_line_length_limit (998,
 * RFC 5321 section 4.5.3.1.6's limit without CRLF) is broken by inserting CRLF SPACE, as
 * Postfix's smtp(8) does "to minimize the damage to MIME formatted mail"; 0 means no limit.
 */
final class DataWriter {
    private DataWriter() { }

    /** Copies {@code in} to {@code out} with no line length limit; returns the number of content bytes read. */
    static long write(InputStream in, OutputStream out) throws IOException {
        return write(in, out, 0);
    }

    /** Copies {@code in} to {@code out}, breaking lines over {@code lineLimit}; returns the content bytes read. */
    static long write(InputStream in, OutputStream out, int lineLimit) throws IOException {
        byte[] buf = new byte[16384];
        boolean lineStart = true;
        boolean pendingCr = false;
        int column = 0;
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (pendingCr) {
                    pendingCr = false;
                    out.write('\r');
                    out.write('\n');
                    lineStart = true;
                    column = 0;
                    if (b == '\n') continue;      // CRLF
                }
                if (b == '\r') {
                    pendingCr = true;
                    continue;
                }
                if (b == '\n') {                  // bare LF
                    out.write('\r');
                    out.write('\n');
                    lineStart = true;
                    column = 0;
                    continue;
                }
                if (lineLimit > 0 && column >= lineLimit) {
                    out.write(new byte[] {'\r', '\n', ' '});   // the rest continues as a folded line
                    column = 1;
                    lineStart = false;
                }
                if (lineStart && b == '.') out.write('.');   // not counted: the limit is on the text
                out.write(b);
                column++;
                lineStart = false;
            }
        }
        if (pendingCr) {
            out.write('\r');
            out.write('\n');
            lineStart = true;
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write(new byte[] {'.', '\r', '\n'});
        return total;
    }

    /** True if the content has a byte above 127 (then BODY=8BITMIME is due, RFC 6152). */
    static boolean hasEightBit(InputStream in) throws IOException {
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) if (buf[i] < 0) return true;
        }
        return false;
    }
}
