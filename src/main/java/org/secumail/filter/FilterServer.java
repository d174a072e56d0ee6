// SPDX-License-Identifier: Apache-2.0
package org.secumail.filter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.content.ContentChecks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code secumail filter}: an after-queue SMTP content filter in the shape of ClamSMTP and
 * amavisd-new (Postfix's FILTER_README, "advanced content filter"): the MTA delivers queued
 * mail to it with {@code content_filter = scan:[127.0.0.1]:10025}; it runs the content checks
 * of its main.cf over each message and hands the message, with their headers, back to the MTA's
 * reinjection service ({@code --reinject 127.0.0.1:10026}). The MTA hears "250" only after the
 * reinjection service accepted the message, so nothing is lost between the hops: when the
 * reinjection fails the MTA hears 451 and keeps the message queued; a message the checks
 * refuse gets their reply (the MTA then returns it to its sender, as with any refusal).
 *
 * <p>The SMTP side: EHLO/HELO, XFORWARD (NAME ADDR PORT PROTO HELO IDENT SOURCE, from any
 * client: this port is for the MTA only, on loopback), MAIL, RCPT (up to 1000), DATA up to
 * message_size_limit, RSET, NOOP, QUIT; PIPELINING is announced and works (replies are
 * flushed when no input is waiting).
 */
public final class FilterServer implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("secumail.filter");
    static final int MAX_RECIPIENTS = 1000;

    final ContentChecks checks;
    final Reinjector reinjector;
    final String hostname;
    final long sizeLimit;
    final Duration timeout;
    final Path quarantine;
    private final ServerSocket socket;

    /**
     * @param quarantine where a message the checks quarantine is kept (a file per message),
     *                   since the MTA's hold queue is out of reach over SMTP
     */
    public FilterServer(ContentChecks checks, InetSocketAddress listen, InetSocketAddress reinject, String hostname, long sizeLimit,
                        Duration timeout, Path quarantine) throws IOException {
        this.checks = checks;
        this.reinjector = new Reinjector(reinject, timeout, hostname);
        this.hostname = hostname;
        this.sizeLimit = sizeLimit;
        this.timeout = timeout;
        this.quarantine = quarantine;
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(listen, 256);
        Thread.ofPlatform().daemon(true).name("filter-accept").start(this::accept);
        LOG.info("content filter listening on {}, reinjecting to {}", socket.getLocalSocketAddress(), reinject);
    }

    public int port() { return socket.getLocalPort(); }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread.ofVirtual().name("filter").start(() -> serve(s));
            } catch (IOException e) {
                if (socket.isClosed()) return;
                LOG.warn("warning: filter accept: {}", e.getMessage());
            }
        }
    }

    private void serve(Socket s) {
        String peer = s.getInetAddress().getHostAddress();
        try (s) {
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8 * 1024);
            FilterSession session = new FilterSession(this, peer, in, out);
            session.run();
        } catch (IOException e) {
            LOG.info("filter: lost connection with {}: {}", peer, e.getMessage());
        }
    }

    /** One SMTP session from the MTA. */
    static final class FilterSession {
        private final FilterServer f;
        private final String peer;
        private final InputStream in;
        private final OutputStream out;
        private final Map<String, String> xforward = new LinkedHashMap<>();
        private String sender;
        private final List<String> recipients = new ArrayList<>();

        FilterSession(FilterServer f, String peer, InputStream in, OutputStream out) {
            this.f = f;
            this.peer = peer;
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            reply("220 " + f.hostname + " ESMTP SecuMail content filter");
            out.flush();
            while (true) {
                String line = readLine(1000);
                if (line == null) return;
                String upper = line.toUpperCase(Locale.ROOT);
                String verb = upper.contains(" ") ? upper.substring(0, upper.indexOf(' ')) : upper;
                switch (verb) {
                    case "EHLO" -> reply("250-" + f.hostname + "\r\n250-PIPELINING\r\n250-SIZE " + f.sizeLimit
                            + "\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE");
                    case "HELO" -> reply("250 " + f.hostname);
                    case "XFORWARD" -> {
                        for (String kv : line.substring(verb.length()).strip().split("\\s+")) {
                            int eq = kv.indexOf('=');
                            if (eq > 0) xforward.put(kv.substring(0, eq).toUpperCase(Locale.ROOT), kv.substring(eq + 1));
                        }
                        reply("250 2.0.0 Ok");
                    }
                    case "MAIL" -> {
                        if (sender != null) {
                            reply("503 5.5.1 Error: nested MAIL command");
                        } else {
                            sender = path(line, 10);
                            reply(sender == null ? "501 5.1.7 Bad sender address syntax" : "250 2.1.0 Ok");
                        }
                    }
                    case "RCPT" -> {
                        String r = path(line, 8);
                        if (sender == null) reply("503 5.5.1 Error: need MAIL command");
                        else if (r == null || r.isEmpty()) reply("501 5.1.3 Bad recipient address syntax");
                        else if (recipients.size() >= MAX_RECIPIENTS) reply("452 4.5.3 Error: too many recipients");
                        else {
                            recipients.add(r);
                            reply("250 2.1.5 Ok");
                        }
                    }
                    case "DATA" -> {
                        if (recipients.isEmpty()) reply("503 5.5.1 Error: need RCPT command");
                        else data();
                    }
                    case "RSET" -> {
                        reset();
                        reply("250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply("250 2.0.0 Ok");
                    case "QUIT" -> {
                        reply("221 2.0.0 Bye");
                        out.flush();
                        return;
                    }
                    default -> reply("502 5.5.2 Error: command not recognized");
                }
                if (in.available() == 0) out.flush();
            }
        }

        private void reset() {
            sender = null;
            recipients.clear();
        }

        /** "MAIL FROM:&lt;a@b&gt; SIZE=1": the address between the brackets, null for bad syntax. */
        private static String path(String line, int skip) {
            if (line.length() < skip) return null;
            String rest = line.substring(skip).strip();
            if (!rest.startsWith("<")) return null;
            int end = rest.indexOf('>');
            return end < 0 ? null : rest.substring(1, end);
        }

        private void data() throws IOException {
            reply("354 End data with <CR><LF>.<CR><LF>");
            out.flush();
            Path spool = Files.createTempFile("secumail-filter-", ".eml");
            try {
                boolean tooBig = false;
                long size = 0;
                try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(spool), 64 * 1024)) {
                    boolean continuation = false;   // the rest of a line longer than one read
                    while (true) {
                        byte[] l = readRawLine();
                        if (l == null) throw new java.io.EOFException("lost connection in DATA");
                        int len = l.length;
                        boolean ended = l[len - 1] == '\n';
                        if (len >= 2 && l[len - 2] == '\r' && ended) len -= 2;
                        else if (ended) len -= 1;
                        if (!continuation && ended && len == 1 && l[0] == '.') break;
                        int off = !continuation && len > 0 && l[0] == '.' ? 1 : 0;
                        size += len - off + (ended ? 2 : 0);
                        if (f.sizeLimit > 0 && size > f.sizeLimit) tooBig = true;
                        if (!tooBig) {
                            file.write(l, off, len - off);
                            if (ended) {
                                file.write('\r');
                                file.write('\n');
                            }
                        }
                        continuation = !ended;
                    }
                }
                if (tooBig) reply("552 5.3.4 Message size exceeds fixed limit");
                else reply(new MessageFilter(f, peer, xforward).filter(sender, List.copyOf(recipients), spool));
            } finally {
                Files.deleteIfExists(spool);
                reset();
            }
        }

        private void reply(String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        private String readLine(int limit) throws IOException {
            byte[] l = readRawLine();
            if (l == null) return null;
            String s = new String(l, StandardCharsets.UTF_8).replace("\r", "").replace("\n", "");
            return s.length() > limit ? s.substring(0, limit) : s;
        }

        /** One line with its end, at most 64 KB (more is cut into pieces); null at end of input. */
        private byte[] readRawLine() throws IOException {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(128);
            int c;
            while ((c = in.read()) != -1) {
                b.write(c);
                if (c == '\n' || (b.size() >= 65536 && c != '\r')) break;   // a CR waits for its LF
            }
            return b.size() == 0 ? null : b.toByteArray();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
