// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted loopback SMTP responder for testing the runner itself: it greets, then
 * answers each received line by a fixed rule. Serves connections one at a time until closed.
 *   EHLO x   -> "250-fake.example" "250-PIPELINING" "250 8BITMIME"
 *   NOOP     -> "250 2.0.0 Ok"
 *   QUIT     -> "221 2.0.0 Bye", then closes
 *   SILENT   -> no answer (to test timeouts)
 *   CLOSE    -> closes without answering
 *   BADLINES -> a bare-LF terminated reply "250 lf-only\n"
 *   anything else -> "502 5.5.2 Error: command not recognized"
 */
final class FakeSmtpServer implements AutoCloseable {
    private final ServerSocket server;
    private final Thread thread;
    /** Every line received, across connections, as ISO-8859-1 text without CRLF. */
    final List<String> received = new CopyOnWriteArrayList<>();

    FakeSmtpServer() throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        thread = new Thread(this::serve, "fake-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    int port() { return server.getLocalPort(); }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                session(s.getInputStream(), s.getOutputStream());
            } catch (IOException e) {
                // closed while accepting, or the client went away: next connection
            }
        }
    }

    private void session(InputStream in, OutputStream out) throws IOException {
        send(out, "220 fake.example ESMTP\r\n");
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String l = line.toString(StandardCharsets.ISO_8859_1);
            if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
            line.reset();
            received.add(l);
            String cmd = l.split(" ", 2)[0].toUpperCase();
            switch (cmd) {
                case "EHLO" -> send(out, "250-fake.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
                case "NOOP" -> send(out, "250 2.0.0 Ok\r\n");
                case "QUIT" -> { send(out, "221 2.0.0 Bye\r\n"); return; }
                case "SILENT" -> { }
                case "CLOSE" -> { return; }
                case "BADLINES" -> send(out, "250 lf-only\n");
                default -> send(out, "502 5.5.2 Error: command not recognized\r\n");
            }
        }
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
