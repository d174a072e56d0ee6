// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.ByteArrayOutputStream;

/**
 * SMTP DATA transparency (RFC 5321 section 4.5.2): a line that begins with "." gets one more
 * "." in front, and the content ends with CRLF "." CRLF. The input is message text with CRLF
 * line ends; a final line without CRLF is terminated before the end marker.
 */
public final class DotStuffing {
    private static final byte[] END = {'.', '\r', '\n'};

    private DotStuffing() { }

    /** The bytes to send after the 354 reply: stuffed content plus the end-of-data line. */
    public static byte[] encode(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + text.length / 64 + 8);
        boolean lineStart = true;
        for (byte b : text) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.writeBytes(END);
        return out.toByteArray();
    }
}
