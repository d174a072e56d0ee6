// SPDX-License-Identifier: Apache-2.0
package org.secumail.filter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SMTP client half of {@code secumail filter}: hands one filtered message back to the MTA's
 * reinjection service (FILTER_README's "127.0.0.1:10026 inet n - n - - smtpd -o
 * content_filter="), recipient by recipient, and reports what the MTA said. When the MTA
 * announces XFORWARD, the original client's name, address and HELO go with it, so the MTA's log
 * shows where the mail came from.
 */
final class Reinjector {
    /** What the reinjection service answered. */
    record Outcome(String finalReply, List<String> refused, int accepted) {
        boolean queued() { return accepted > 0 && finalReply.startsWith("2"); }
    }

    private final InetSocketAddress target;
    private final Duration timeout;
    private final String helo;

    Reinjector(InetSocketAddress target, Duration timeout, String helo) {
        this.target = target;
        this.timeout = timeout;
        this.helo = helo;
    }

    /**
     * Sends the message; the content stream holds the message as it is to be delivered, CRLF
     * line ends, not dot-stuffed.
     *
     * @throws IOException when the service cannot be reached or breaks off: nothing was queued
     */
    Outcome send(String sender, List<String> recipients, Map<String, String> xforward, InputStream content) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            expect(in, reply(in), "2", "greeting");
            String ehlo = command(out, in, "EHLO " + helo);
            expect(in, ehlo, "2", "EHLO");
            if (ehlo.toUpperCase(java.util.Locale.ROOT).contains("XFORWARD") && !xforward.isEmpty()) {
                StringBuilder x = new StringBuilder("XFORWARD");
                xforward.forEach((k, v) -> x.append(' ').append(k).append('=').append(v));
                String r = command(out, in, x.toString());
                expect(in, r, "2", "XFORWARD");
            }
            expect(in, command(out, in, "MAIL FROM:<" + sender + ">"), "2", "MAIL FROM");
            List<String> refused = new ArrayList<>();
            int accepted = 0;
            for (String rcpt : recipients) {
                String r = command(out, in, "RCPT TO:<" + rcpt + ">");
                if (r.startsWith("2")) accepted++;
                else refused.add("<" + rcpt + ">: " + r.replace("\r\n", " "));
            }
            if (accepted == 0) {
                command(out, in, "QUIT");
                return new Outcome(refused.isEmpty() ? "554 5.5.1 no recipients" : refused.get(0).substring(refused.get(0).indexOf(": ") + 2),
                        refused, 0);
            }
            String data = command(out, in, "DATA");
            if (!data.startsWith("3")) {
                command(out, in, "QUIT");
                return new Outcome(data, refused, 0);
            }
            dotStuff(content, out);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String end = reply(in);
            try {
                command(out, in, "QUIT");
            } catch (IOException ignored) {
                // the message is in; a lost QUIT reply changes nothing
            }
            return new Outcome(end, refused, end.startsWith("2") ? accepted : 0);
        }
    }

    /** Writes the content with a "." doubled at the start of each line (RFC 5321 section 4.5.2), ending in CRLF. */
    static void dotStuff(InputStream content, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        boolean lineStart = true;
        int last = '\n';
        int n;
        while ((n = content.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') out.write('.');
                out.write(b);
                lineStart = b == '\n';
                last = b;
            }
        }
        if (last != '\n') out.write(new byte[] {'\r', '\n'});
    }

    private static String command(OutputStream out, InputStream in, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply(in);
    }

    private static void expect(InputStream in, String reply, String first, String what) throws IOException {
        if (!reply.startsWith(first)) throw new RefusedException(what, reply);
    }

    /** A refusal before any recipient: the whole message gets this reply. */
    static final class RefusedException extends IOException {
        final String reply;

        RefusedException(String what, String reply) {
            super(what + " refused: " + reply);
            this.reply = reply;
        }
    }

    /** One reply, its lines joined with CRLF. */
    static String reply(InputStream in) throws IOException {
        StringBuilder all = new StringBuilder();
        for (int lines = 0; lines < 1000; lines++) {
            StringBuilder l = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (l.length() < 2048) l.append((char) c);
            }
            if (c == -1 && l.isEmpty()) throw new java.io.EOFException("connection closed by the reinjection service");
            String line = l.toString().replace("\r", "");
            if (!all.isEmpty()) all.append("\r\n");
            all.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') return all.toString();
        }
        throw new IOException("reply of more than 1000 lines");
    }
}
