// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes message content after DATA's 354 (RFC 5321 section 4.5.2): every line end becomes
 * CRLF (a bare LF or a bare CR never leaves us: the SMTP smuggling defence on the sending
 * side), a line starting with "." gets another ".", an unterminated last line is
 * terminated, and CRLF "." CRLF ends the data.
 */
final class DataWriter {
    private DataWriter() { }

    /** Copies {@code in} to {@code out}; returns the number of content bytes read. */
    static long write(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[16384];
        boolean lineStart = true;
        boolean pendingCr = false;
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
                    continue;
                }
                if (lineStart && b == '.') out.write('.');
                out.write(b);
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
