// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.util.List;

/**
 * One SMTP reply (RFC 5321 section 4.2): a three-digit code and its text lines.
 *
 * @param code  the reply code, e.g. 250
 * @param lines the text after the code and separator, one entry per line
 */
public record SmtpReply(int code, List<String> lines) {
    public SmtpReply {
        lines = List.copyOf(lines);
    }

    /** 2yz: the command was accepted. */
    public boolean positive() { return code >= 200 && code < 300; }

    /** 3yz: the server waits for more (354 after DATA). */
    public boolean intermediate() { return code >= 300 && code < 400; }

    /** 421: the server is closing the connection. */
    public boolean closing() { return code == 421; }

    /** First text line, for messages. */
    public String firstLine() { return lines.isEmpty() ? "" : lines.get(0); }

    @Override
    public String toString() { return code + " " + firstLine(); }
}
