// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny SMTP server for the tests, on 127.0.0.1: fixed replies, records what it was sent.
 * RCPT for an address containing {@link #rejectRecipient} gets 550; EHLO gets 502 when
 * {@link #refuseEhlo} is set; {@link #silent} accepts connections and never says a word.
 * With {@link #deliverTo} each accepted message is written as ROOT/LOCALPART/new/N.
 */
final class SmtpSink implements AutoCloseable {
    volatile String rejectRecipient;
    volatile boolean refuseEhlo;
    volatile boolean silent;
    volatile Path deliverTo;

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger quits = new AtomicInteger();
    /** Unstuffed message contents, in arrival order. */
    final List<byte[]> messages = new CopyOnWriteArrayList<>();
    /** Every command line and every raw DATA line (before unstuffing), per session. */
    final List<List<String>> sessions = new CopyOnWriteArrayList<>();

    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger delivered = new AtomicInteger();

    SmtpSink() throws IOException {
        server = new ServerSocket(0, 2000, InetAddress.getByName("127.0.0.1"));
        acceptor = Thread.ofPlatform().daemon().start(this::acceptLoop);
    }

    int port() { return server.getLocalPort(); }

    private void acceptLoop() {
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

    private void serve(Socket s) {
        List<String> log = new CopyOnWriteArrayList<>();
        sessions.add(log);
        try (s) {
            s.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            if (silent) {
                while (in.read() >= 0) {
                    log.add("byte");
                }
                return;
            }
            reply(out, "220 sink.test ESMTP");
            for (String line = readLine(in); line != null; line = readLine(in)) {
                log.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, refuseEhlo ? "502 5.5.2 no EHLO here" : "250-sink.test\r\n250 8BITMIME");
                    case "HELO" -> reply(out, "250 sink.test");
                    case "XCLIENT" -> reply(out, "220 sink.test ESMTP again");
                    case "MAIL", "RSET" -> reply(out, "250 2.1.0 Ok");
                    case "RCPT" -> reply(out, rejectRecipient != null && line.contains(rejectRecipient)
                            ? "550 5.1.1 User unknown" : "250 2.1.5 Ok");
                    case "DATA" -> {
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        byte[] content = readData(in, log);
                        if (content == null) return;
                        messages.add(content);
                        deliver(log);
                        reply(out, "250 2.0.0 Ok: queued");
                    }
                    case "QUIT" -> {
                        quits.incrementAndGet();
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (SocketException e) {
            // Client went away: fine for a sink.
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads DATA lines up to the lone ".", removing one leading "." (RFC 5321 4.5.2). */
    private static byte[] readData(InputStream in, List<String> log) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (String line = readLine(in); line != null; line = readLine(in)) {
            log.add("data:" + line);
            if (line.equals(".")) return content.toByteArray();
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            content.writeBytes((unstuffed + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        return null;
    }

    private void deliver(List<String> log) throws IOException {
        Path root = deliverTo;
        if (root == null) return;
        String rcpt = log.stream().filter(l -> l.startsWith("RCPT TO:<")).reduce((a, b) -> b).orElseThrow();
        String user = rcpt.substring("RCPT TO:<".length(), rcpt.indexOf('@'));
        Path dir = Files.createDirectories(root.resolve(user).resolve("new"));
        Files.writeString(dir.resolve("msg" + delivered.incrementAndGet()), "x");
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') sb.setLength(sb.length() - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
        return null;
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5000);
    }
}
