// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loopback SMTP server for client unit tests whose replies come from a function:
 * {@code "CONNECT"} asks for the greeting, each command line is passed as received, and
 * after a 3xx reply to DATA the content (dot-unstuffed, CRLF kept) is passed as
 * {@code "DATA-END " + content}. A null reply closes the connection; a reply is sent as
 * given (add CRLF-separated lines for multi-line replies; CRLF is appended).
 */
final class ScriptedSmtpServer implements AutoCloseable {
    private final ServerSocket server;
    private final Function<String, String> responder;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    /** Raw bytes of each DATA section as received (before unstuffing). */
    final List<byte[]> rawData = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    /** Reads (TCP segments) that carried more than one command: proof of pipelining. */
    final AtomicInteger batchedReads = new AtomicInteger();

    ScriptedSmtpServer(Function<String, String> responder) throws IOException {
        this("127.0.0.1", 0, responder);
    }

    ScriptedSmtpServer(String address, int port, Function<String, String> responder) throws IOException {
        this.server = new ServerSocket(port, 50, InetAddress.getByName(address));
        this.responder = responder;
        Thread.ofVirtual().name("scripted-smtp").start(this::accept);
    }

    int port() { return server.getLocalPort(); }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Server-side TLS for STARTTLS (a 220 reply to STARTTLS switches the connection), or null. */
    volatile javax.net.ssl.SSLContext tls;
    /** STARTTLS handshakes that completed. */
    final AtomicInteger tlsSessions = new AtomicInteger();

    private void serve(Socket plain) {
        Socket s = plain;
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (!send(out, responder.apply("CONNECT"))) return;
            boolean data = false;
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                int commandsInRead = 0;
                for (int i = 0; i < n; i++) {
                    line.write(buf[i]);
                    if (buf[i] != '\n') continue;
                    byte[] l = line.toByteArray();
                    line.reset();
                    if (data) {
                        raw.write(l);
                        String t = new String(l, StandardCharsets.ISO_8859_1);
                        if (t.equals(".\r\n")) {
                            data = false;
                            rawData.add(raw.toByteArray());
                            raw.reset();
                            String msg = content.toString(StandardCharsets.UTF_8);
                            content.reset();
                            messages.add(msg);
                            if (!send(out, responder.apply("DATA-END " + msg))) return;
                        } else {
                            int off = t.startsWith(".") ? 1 : 0;
                            content.write(l, off, l.length - off);
                        }
                        continue;
                    }
                    String cmd = new String(l, 0, Math.max(0, l.length - 2), StandardCharsets.UTF_8);
                    lines.add(cmd);
                    commandsInRead++;
                    String reply = responder.apply(cmd);
                    if (!send(out, reply)) return;
                    if (cmd.equalsIgnoreCase("DATA") && reply.startsWith("3")) data = true;
                    if (cmd.equalsIgnoreCase("QUIT")) return;
                    if (cmd.equalsIgnoreCase("STARTTLS") && reply.startsWith("220") && tls != null) {
                        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(s, null, s.getPort(), true);
                        ssl.setUseClientMode(false);
                        ssl.startHandshake();
                        tlsSessions.incrementAndGet();
                        s = ssl;
                        in = ssl.getInputStream();
                        out = ssl.getOutputStream();
                        break;   // RFC 3207: bytes after STARTTLS in the same read are discarded
                    }
                }
                if (commandsInRead > 1) batchedReads.incrementAndGet();
            }
        } catch (IOException e) {
            // client went away
        } finally {
            try {
                s.close();
                plain.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static boolean send(OutputStream out, String reply) throws IOException {
        if (reply == null) return false;
        if (reply.isEmpty()) return true;   // no answer (the client should time out)
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
    }

    @Override
    public void close() throws IOException { server.close(); }

    /** A plain ESMTP server: accepts everything. */
    static String standard(String cmd, String ehlo) {
        String c = cmd.toUpperCase(java.util.Locale.ROOT);
        if (c.equals("CONNECT")) return "220 fake.test ESMTP";
        if (c.startsWith("EHLO")) return ehlo;
        if (c.startsWith("HELO")) return "250 fake.test";
        if (c.startsWith("MAIL") || c.startsWith("RCPT") || c.equals("RSET") || c.equals("NOOP")) return "250 2.1.0 Ok";
        if (c.equals("DATA")) return "354 End data with <CR><LF>.<CR><LF>";
        if (c.startsWith("DATA-END")) return "250 2.0.0 Ok: queued as ABC123";
        if (c.equals("QUIT")) return "221 2.0.0 Bye";
        return "502 5.5.2 Error: command not recognized";
    }

    static final String EHLO_FULL = "250-fake.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-DSN\r\n250-8BITMIME\r\n250 SMTPUTF8";
}
