// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies byte-wise from a socket: lines end in CRLF (a bare LF is tolerated),
 * bytes are ISO-8859-1 chars. One reply is its "NNN-" lines up to the "NNN " (or bare
 * "NNN") line, RFC 5321 section 4.2.1; a line that does not start with "NNN-" ends the
 * reply too, so a misbehaving server cannot keep us reading. Every read is bounded by a
 * deadline for the whole reply, not per byte, so a server that trickles bytes cannot
 * stretch a step beyond its timeout.
 */
final class ReplyReader {
    /** Longest line we accept (RFC 5321 4.5.3.1.5 allows 512 octets; be generous). */
    static final int MAX_LINE = 64 * 1024;
    /** Most lines in one reply. */
    static final int MAX_LINES = 1000;

    /** Outcome of reading: the reply lines, or why there is no (complete) reply. */
    record Read(List<String> lines, Outcome outcome, String detail) {
        boolean complete() { return outcome == Outcome.REPLY; }
    }

    enum Outcome { REPLY, CLOSED, TIMEOUT, ERROR }

    private final Socket socket;
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int len;

    ReplyReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    Read readReply(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        while (true) {
            int b;
            try {
                b = next(deadline);
            } catch (SocketTimeoutException e) {
                return partial(lines, line, Outcome.TIMEOUT, "no complete reply within " + timeoutMillis + " ms");
            } catch (IOException e) {
                return partial(lines, line, Outcome.ERROR, e.toString());
            }
            if (b < 0) return partial(lines, line, Outcome.CLOSED, "connection closed by the server");
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
                String l = line.toString();
                lines.add(l);
                line.setLength(0);
                if (!isContinuation(l) || lines.size() >= MAX_LINES) return new Read(List.copyOf(lines), Outcome.REPLY, "");
            } else {
                if (line.length() >= MAX_LINE) {
                    return partial(lines, line, Outcome.ERROR, "reply line longer than " + MAX_LINE + " bytes");
                }
                line.append((char) b);
            }
        }
    }

    /**
     * Waits for the server to close: EOF or a reset. Data instead is returned as a REPLY
     * (read as one), so the caller can show what came.
     */
    Read awaitClose(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            int b = next(deadline);
            if (b < 0) return new Read(List.of(), Outcome.CLOSED, "EOF");
            pos--; // put it back and read the whole reply for the message
            return readReply(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        } catch (SocketTimeoutException e) {
            return new Read(List.of(), Outcome.TIMEOUT, "connection still open after " + timeoutMillis + " ms");
        } catch (IOException e) {
            // Connection reset and friends: the server is gone, which is what we wanted.
            return new Read(List.of(), Outcome.CLOSED, e.toString());
        }
    }

    private static boolean isContinuation(String l) {
        return l.length() >= 4 && Character.isDigit(l.charAt(0)) && Character.isDigit(l.charAt(1))
                && Character.isDigit(l.charAt(2)) && l.charAt(3) == '-';
    }

    private static Read partial(List<String> lines, StringBuilder line, Outcome outcome, String detail) {
        List<String> got = new ArrayList<>(lines);
        if (!line.isEmpty()) got.add(line + "   <-- incomplete, no line end");
        return new Read(List.copyOf(got), outcome, detail);
    }

    private int next(long deadline) throws IOException {
        if (pos < len) return buf[pos++] & 0xff;
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) throw new SocketTimeoutException("deadline passed");
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        int n = in.read(buf, 0, buf.length);
        if (n < 0) return -1;
        pos = 0;
        len = n;
        return buf[pos++] & 0xff;
    }
}
