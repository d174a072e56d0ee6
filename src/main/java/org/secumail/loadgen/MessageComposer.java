// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Builds the test messages: RFC 5322 headers (From, To, Subject with the message counter,
 * Date, Message-ID) and a body of printable US-ASCII lines, CRLF-terminated, at most 78
 * characters (RFC 5322 section 2.1.1), padded so the whole message is exactly the requested
 * size when that size is larger than the headers. Some body lines begin with "." and one is a
 * lone ".", so every run exercises the sender's dot-stuffing (RFC 5321 section 4.5.2).
 */
public final class MessageComposer {
    /** Body line length; one less than the 78 limit so a single spare byte can be absorbed. */
    static final int LINE = 76;
    /** Body line index (0-based) that is a lone "." on its own. */
    static final int LONE_DOT_LINE = 3;

    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final String PRINTABLE;

    static {
        StringBuilder sb = new StringBuilder();
        for (char c = '!'; c <= '~'; c++) sb.append(c);
        PRINTABLE = sb.toString();
    }

    private final int size;
    private final String runId;
    private final String domain;

    /**
     * @param size   target size in bytes
     * @param runId  distinguishes this run's Message-IDs from other runs'
     * @param domain right-hand side of the Message-IDs
     */
    public MessageComposer(int size, String runId, String domain) {
        this.size = size;
        this.runId = runId;
        this.domain = domain;
    }

    /** The message text (CRLF line ends, not dot-stuffed) for message number {@code n}. */
    public byte[] compose(long n, String sender, List<String> recipients, ZonedDateTime date) {
        StringBuilder h = new StringBuilder(256);
        h.append("From: <").append(sender).append(">\r\n");
        h.append("To: ");
        for (int i = 0; i < recipients.size(); i++) {
            // Fold after each address so long recipient lists keep lines under 78 characters.
            if (i > 0) h.append(",\r\n ");
            h.append('<').append(recipients.get(i)).append('>');
        }
        h.append("\r\n");
        h.append("Subject: loadgen message ").append(n).append("\r\n");
        h.append("Date: ").append(RFC5322_DATE.format(date)).append("\r\n");
        h.append("Message-ID: <").append(runId).append('.').append(n).append("@").append(domain).append(">\r\n");
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(size, head.length) + 2);
        out.writeBytes(head);
        writeBody(out, size - head.length, n);
        return out.toByteArray();
    }

    /** Writes lines totalling exactly {@code remaining} bytes where that is possible. */
    private static void writeBody(ByteArrayOutputStream out, int remaining, long n) {
        StringBuilder line = new StringBuilder(LINE + 1);
        String previous = null;
        int index = 0;
        while (remaining > 0) {
            if (remaining == 1) {
                // No room for a line of its own: lengthen the last line by one (76 -> 77 chars).
                if (previous != null) previous += PRINTABLE.charAt(0);
                break;
            }
            if (previous != null) out.writeBytes(crlf(previous));
            line.setLength(0);
            int len = Math.min(LINE, remaining - 2);
            if (index == LONE_DOT_LINE && remaining >= 3 + LINE + 2) {
                line.append('.');
            } else {
                for (int i = 0; i < len; i++) {
                    line.append(PRINTABLE.charAt((int) ((i + index + n) % PRINTABLE.length())));
                }
                // Every 8th line starts with a period: content the SMTP client must dot-stuff.
                if (index % 8 == 5 && len > 0) line.setCharAt(0, '.');
            }
            previous = line.toString();
            remaining -= previous.length() + 2;
            index++;
        }
        if (previous != null) out.writeBytes(crlf(previous));
    }

    /**
     * A message file to send as it is ("loadgen --message"): bare LF line ends become CRLF, as
     * on the wire, so a file written with Unix line ends works; CRLF files are unchanged byte for
     * byte, which keeps a DKIM signature over them valid.
     */
    public static byte[] fromFile(java.nio.file.Path file) throws java.io.IOException {
        long len = java.nio.file.Files.size(file);
        if (len > LoadSettings.MAX_SIZE) throw new java.io.IOException(file + ": larger than " + LoadSettings.MAX_SIZE + " bytes");
        byte[] in = java.nio.file.Files.readAllBytes(file);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 64);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out.write('\r');
            out.write(in[i]);
        }
        return out.toByteArray();
    }

    private static byte[] crlf(String s) {
        return (s + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
