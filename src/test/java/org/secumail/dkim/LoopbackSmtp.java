// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One SMTP transaction from a chosen loopback source address (OpenDKIM's InternalHosts decides
 * sign or verify by the client address), sending the message bytes as they are: 8-bit, dot-stuffed,
 * and, like every SMTP client, ending a last line that has no CRLF with one before the final dot.
 */
final class LoopbackSmtp {
    private LoopbackSmtp() { }

    /** Returns the reply to the final dot; throws when an earlier command is refused. */
    static String send(String source, int port, String from, String rcpt, byte[] message) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            line(out, "EHLO client.odkim.test");
            expect(in, "250");
            line(out, "MAIL FROM:<" + from + "> BODY=8BITMIME");
            expect(in, "250");
            line(out, "RCPT TO:<" + rcpt + ">");
            expect(in, "250");
            line(out, "DATA");
            expect(in, "354");
            out.write(dotStuffed(message));
            line(out, ".");
            String last = reply(in);
            line(out, "QUIT");
            return last;
        }
    }

    static byte[] dotStuffed(byte[] message) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') b.write('.');
            b.write(c);
            lineStart = c == '\n';
        }
        if (!lineStart) b.writeBytes(new byte[] {'\r', '\n'});
        return b.toByteArray();
    }

    private static void line(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed before a reply");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String r = reply(in);
        if (!r.startsWith(code)) throw new IOException("expected " + code + ", got: " + r);
    }
}
