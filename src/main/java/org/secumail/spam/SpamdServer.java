// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SpamAssassin's spamd protocol (SPAMC/1.x, as spamc and spamass-milter speak it) in front of
 * a {@link SpamFilter}, so clients of spamd switch without a change: one request per
 * connection, a method line ({@code CHECK SPAMC/1.5}), headers ({@code Content-length},
 * {@code User}, for TELL {@code Message-class}, {@code Set}, {@code Remove}), an empty line, the
 * message; the answer {@code SPAMD/1.1 0 EX_OK}, {@code Spam: True ; 7.2 / 5.0} and, for
 * SYMBOLS, REPORT, REPORT_IFSPAM, PROCESS and HEADERS, a body. PING answers PONG; SKIP closes.
 *
 * <p>Limits: the header block is at most 8 KiB, the message at most maxSize octets (larger:
 * {@code EX_DATAERR}, as spamd's own limit); a client silent for readTimeout is dropped. A
 * request spamd would refuse gets its error code (EX_PROTOCOL 76, EX_USAGE 64, EX_DATAERR 65,
 * EX_SOFTWARE 70) and a log line; nothing a client sends stops the server. Each connection runs
 * on its own virtual thread. Nothing is learned from scored messages (spamd's auto-learn
 * applies to its own traffic; TELL is the way to teach it).
 */
public final class SpamdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spamd");
    static final int EX_OK = 0, EX_USAGE = 64, EX_DATAERR = 65, EX_PROTOCOL = 76, EX_SOFTWARE = 70;

    private volatile SpamFilter filter;
    private final long maxSize;
    private final int readTimeoutMillis;
    private final List<ServerSocket> listeners = new ArrayList<>();
    private volatile boolean closed;

    public SpamdServer(SpamFilter filter, long maxSize, int readTimeoutMillis) {
        this.filter = filter;
        this.maxSize = maxSize;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /** Listens on host:port (port 0: any free one) and returns the bound address. */
    public InetSocketAddress listen(String host, int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(host), port), 128);
        listeners.add(ss);
        Thread.ofVirtual().name("spamd-accept").start(() -> accept(ss));
        return (InetSocketAddress) ss.getLocalSocketAddress();
    }

    private void accept(ServerSocket ss) {
        while (!closed) {
            try {
                Socket s = ss.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) LOG.warn("spamd: accept: {}", e.getMessage());
            }
        }
    }

    /** One request and its answer. */
    void serve(Socket s) {
        SpamFilter filter = this.filter;
        String peer = s.getRemoteSocketAddress().toString();
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            s.setSoTimeout(readTimeoutMillis);
            String first = line(in);
            if (first == null) return;
            String[] mv = first.split(" ");
            if (mv.length != 2 || !mv[1].startsWith("SPAMC/")) {
                error(out, EX_PROTOCOL, "bad header line: " + SpamHeaders.printable(first), peer);
                return;
            }
            String method = mv[0];
            Map<String, String> headers = new HashMap<>();
            int headerBytes = first.length();
            for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                headerBytes += h.length();
                if (headerBytes > 8192) { error(out, EX_PROTOCOL, "header section too long", peer); return; }
                int colon = h.indexOf(':');
                if (colon > 0) headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
            }
            switch (method) {
                case "PING" -> { out.write("SPAMD/1.5 0 PONG\r\n".getBytes(StandardCharsets.US_ASCII)); return; }
                case "SKIP" -> { return; }
                case "CHECK", "SYMBOLS", "REPORT", "REPORT_IFSPAM", "PROCESS", "HEADERS", "TELL" -> { }
                default -> { error(out, EX_PROTOCOL, "unknown method " + SpamHeaders.printable(method), peer); return; }
            }
            byte[] message = body(in, headers);
            if (message == null) { error(out, EX_DATAERR, "message larger than " + maxSize + " octets or Content-length missing", peer); return; }
            if (method.equals("TELL")) { tell(out, headers, message, peer); return; }
            if (message.length > filter.settings().maxSize()) { error(out, EX_DATAERR, "message larger than secumail_spam_max_size", peer); return; }
            long t0 = System.nanoTime();
            RawMessage raw = RawMessage.of(withoutMboxLine(message));
            SpamFilter.Outcome o = filter.score(raw, "", List.of(), Map.of(), false);
            SpamReport r = o.report();
            double required = filter.settings().required();
            boolean spam = r.score() >= required;
            String spamHeader = "Spam: " + (spam ? "True" : "False") + " ; " + SpamReport.fmt(r.score()) + " / " + SpamReport.fmt(required);
            byte[] body = switch (method) {
                case "SYMBOLS" -> r.hits().isEmpty() ? new byte[0] : String.join(",", r.hits().stream().map(SpamReport.Hit::name).toList()).getBytes(StandardCharsets.US_ASCII);
                case "REPORT", "REPORT_IFSPAM" -> method.equals("REPORT_IFSPAM") && !spam ? new byte[0] : report(r, o.bayes(), required).getBytes(StandardCharsets.UTF_8);
                case "PROCESS" -> processed(raw, r, o, required, false);
                case "HEADERS" -> processed(raw, r, o, required, true);
                default -> null;
            };
            StringBuilder head = new StringBuilder("SPAMD/1.1 0 EX_OK\r\n");
            if (body != null) head.append("Content-length: ").append(body.length).append("\r\n");
            head.append(spamHeader).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) out.write(body);
            out.flush();
            LOG.info("spamd: {} {}: {}, score={} required={} tests={} {} ms", method, peer, spam ? "spam" : "ham", SpamReport.fmt(r.score()),
                    SpamReport.fmt(required), r.testNames(), (System.nanoTime() - t0) / 1_000_000);
        } catch (SocketTimeoutException e) {
            LOG.info("spamd: {}: timeout, connection dropped", peer);
        } catch (IOException | RuntimeException e) {
            LOG.warn("spamd: {}: {}", peer, e.toString());
        }
    }

    private void tell(OutputStream out, Map<String, String> headers, byte[] message, String peer) throws IOException {
        Bayes bayes = this.filter.bayes();
        if (bayes == null) { error(out, EX_SOFTWARE, "TELL: Bayes is off", peer); return; }
        String cls = headers.getOrDefault("message-class", "");
        String set = headers.getOrDefault("set", "");
        String remove = headers.getOrDefault("remove", "");
        StringBuilder answer = new StringBuilder("SPAMD/1.1 0 EX_OK\r\n");
        RawMessage raw = RawMessage.of(withoutMboxLine(message));
        if (set.contains("local")) {
            if (!cls.equals("spam") && !cls.equals("ham")) { error(out, EX_USAGE, "TELL: Message-class must be spam or ham", peer); return; }
            int n = bayes.learn(raw, cls.equals("spam"), "spamd TELL " + peer);
            answer.append("DidSet: ").append(n >= 0 ? "local" : "").append("\r\n");
            LOG.info("spamd: TELL {}: learned as {}: {}", peer, cls, n >= 0 ? n + " tokens" : "already learned");
        }
        if (remove.contains("local")) {
            int n = bayes.forget(raw, "spamd TELL " + peer);
            answer.append("DidRemove: ").append(n >= 0 ? "local" : "").append("\r\n");
            LOG.info("spamd: TELL {}: forgot: {}", peer, n >= 0 ? n + " tokens" : "not learned");
        }
        answer.append("\r\n");
        out.write(answer.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The message with the X-Spam-* fields on top (spamd with report_safe 0), or only its header. */
    private static byte[] processed(RawMessage raw, SpamReport r, SpamFilter.Outcome o, double required, boolean headersOnly) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (HeaderField h : SpamHeaders.fields(r, required, o.bayes(), o.autolearn(), true)) h.writeTo(b);
        List<HeaderField> original = new ArrayList<>();
        for (HeaderField h : raw.headers()) if (!h.lowerName().startsWith("x-spam-")) original.add(h);
        for (HeaderField h : original) h.writeTo(b);
        if (headersOnly) {
            b.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            try (InputStream tail = raw.openTail()) {
                tail.transferTo(b);
            }
        }
        return b.toByteArray();
    }

    /** spamd's REPORT text: the score line and the table of hits, as SpamAssassin prints it. */
    static String report(SpamReport r, Bayes.Result bayes, double required) {
        StringBuilder sb = new StringBuilder();
        sb.append("Spam detection software, running on the system of this mail server, has scored this message.\n\n");
        sb.append("Content analysis details:   (").append(SpamReport.fmt(r.score())).append(" points, ").append(SpamReport.fmt(required)).append(" required)\n\n");
        sb.append(" pts rule name              description\n");
        sb.append("---- ---------------------- --------------------------------------------------\n");
        for (String line : SpamHeaders.reportLines(r, bayes)) sb.append(line.substring(1)).append('\n');
        return sb.toString();
    }

    /**
     * A message piped from an mbox file starts with its "From " separator line, which is no
     * header field; spamd skips it, and so does this server.
     */
    static byte[] withoutMboxLine(byte[] m) {
        if (m.length < 5 || m[0] != 'F' || m[1] != 'r' || m[2] != 'o' || m[3] != 'm' || m[4] != ' ') return m;
        int nl = 0;
        while (nl < m.length && m[nl] != '\n') nl++;
        return java.util.Arrays.copyOfRange(m, Math.min(m.length, nl + 1), m.length);
    }

    /** The message: Content-length octets (spamc always sends it), bounded; null when too large or missing. */
    private byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        String cl = headers.get("content-length");
        if (cl == null) return null;
        long n;
        try {
            n = Long.parseLong(cl);
        } catch (NumberFormatException e) {
            return null;
        }
        if (n < 0 || n > maxSize) return null;
        byte[] b = in.readNBytes((int) n);
        return b.length == n ? b : null;
    }

    /** A CRLF- or LF-terminated line of at most 8 KiB, or null at end of stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (b.size() > 8192) throw new IOException("line too long");
            b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static void error(OutputStream out, int code, String why, String peer) throws IOException {
        String name = switch (code) {
            case EX_USAGE -> "EX_USAGE";
            case EX_DATAERR -> "EX_DATAERR";
            case EX_SOFTWARE -> "EX_SOFTWARE";
            default -> "EX_PROTOCOL";
        };
        out.write(("SPAMD/1.0 " + code + " " + name + " " + why + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        LOG.info("spamd: {}: {} {}", peer, name, why);
    }

    public boolean isClosed() { return closed; }

    /** Reads the rule files again (SIGHUP); requests in progress finish with the old rules. */
    public void reload(org.secumail.config.MainConfig config) throws IOException {
        filter = filter.reloaded(config);
        LOG.info("spamd: rules reloaded: {} rules", filter.rules().size());
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocket s : listeners) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
