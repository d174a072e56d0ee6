// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * A clamd client speaking the session-less protocol of clamd(8): {@code zINSTREAM} followed by
 * chunks (a 4-byte big-endian length, then the bytes) and a zero-length chunk, answered by one
 * NUL-terminated line: {@code stream: OK}, {@code stream: NAME FOUND} or {@code TEXT ERROR}.
 * The z prefix (NUL-terminated commands and replies) is clamd's recommended form: a reply
 * cannot be confused with a partial line.
 *
 * <p>The message is read from its {@link Scanner.Source} in 32 KiB chunks, never held whole.
 * Endpoints are tried in order: a connection refused, a timeout or an ERROR reply moves to the
 * next one, reopening the source; when all fail the result is ERROR with the last reason.
 *
 * <p>Size rule: clamd closes an INSTREAM that exceeds its StreamMaxLength with
 * "INSTREAM size limit exceeded. ERROR". The client knows the limit (from clamd.conf or
 * main.cf) and never sends more. With {@link Oversize#TRUNCATE} (the default) it sends the first
 * StreamMaxLength bytes and the result is marked truncated; this is what clamd itself does with
 * a file over MaxScanSize (scans the beginning, reports clean unless the beginning matches),
 * and mail-borne malware sits in the first attachments, well inside any sane limit.
 * {@link Oversize#TEMPFAIL} gives ERROR instead (the message is refused with 451 and retried,
 * which can only end in a bounce after maximal_queue_lifetime: use with care);
 * {@link Oversize#ACCEPT} does not scan oversized messages at all (rspamd's max_size rule).
 *
 * <p>Timeouts: a connect timeout per endpoint, then one deadline for the exchange (sending the
 * message and reading the reply). A scan that hits it is an ERROR, never a silent accept.
 * Thread-safe; one connection per scan, as clamd's INSTREAM expects.
 */
public final class ClamdClient implements Scanner {
    public static final long DEFAULT_STREAM_MAX = 100L << 20;   // clamd.conf(5) StreamMaxLength default
    static final int CHUNK = 32 * 1024;
    private static final int MAX_REPLY = 4096;
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clamd-timeouts");
        t.setDaemon(true);
        return t;
    });

    public enum Oversize { TRUNCATE, TEMPFAIL, ACCEPT }

    private final List<ClamdEndpoint> endpoints;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final long streamMaxLength;
    private final Oversize oversize;

    public ClamdClient(List<ClamdEndpoint> endpoints, Duration connectTimeout, Duration timeout, long streamMaxLength, Oversize oversize) {
        if (endpoints.isEmpty()) throw new ConfigException("no clamd endpoint configured (secumail_clamd_servers, or LocalSocket/TCPSocket in secumail_clamd_conf)");
        this.endpoints = List.copyOf(endpoints);
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
        this.streamMaxLength = streamMaxLength;
        this.oversize = oversize;
    }

    /**
     * From main.cf: secumail_clamd_servers, else the sockets of secumail_clamd_conf; the stream
     * limit from secumail_clamd_stream_max_length, else clamd.conf's StreamMaxLength, else 100M.
     */
    public static ClamdClient fromConfig(MainConfig config) {
        MainConfig c = AntivirusParameters.withDefaults(config);
        List<ClamdEndpoint> eps = new ArrayList<>();
        for (String s : c.list("secumail_clamd_servers")) eps.add(ClamdEndpoint.parse(s));
        long max = -1;
        String confName = c.get("secumail_clamd_conf").strip();
        ClamdConf conf = null;
        if (!confName.isEmpty() && Files.isReadable(Path.of(confName))) {
            try {
                conf = ClamdConf.read(Path.of(confName));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("cannot read secumail_clamd_conf " + confName + ": " + e.getMessage());
            }
        }
        if (eps.isEmpty() && conf != null) eps.addAll(conf.endpoints());
        String maxText = c.get("secumail_clamd_stream_max_length").strip();
        if (!maxText.isEmpty()) max = AntivirusParameters.size("secumail_clamd_stream_max_length", maxText);
        else if (conf != null) max = conf.streamMaxLength();
        if (max <= 0) max = DEFAULT_STREAM_MAX;
        Oversize o = Oversize.valueOf(AntivirusParameters.choice(c, "secumail_antivirus_oversize_action", "truncate", "tempfail", "accept").toUpperCase(java.util.Locale.ROOT));
        return new ClamdClient(eps, c.duration("secumail_clamd_connect_timeout"), c.duration("secumail_clamd_timeout"), max, o);
    }

    public List<ClamdEndpoint> endpoints() { return endpoints; }

    public long streamMaxLength() { return streamMaxLength; }

    @Override public String name() { return "clamd:" + endpoints.get(0); }

    /** PING on the first endpoint that answers; "PONG" when clamd is alive. */
    public String ping() throws IOException { return command("zPING"); }

    /** VERSION: "ClamAV 1.4.6/27000/Thu Dec  4 09:00:00 2026". */
    public String version() throws IOException { return command("zVERSION"); }

    private String command(String cmd) throws IOException {
        IOException last = null;
        for (ClamdEndpoint ep : endpoints) {
            try (Conn conn = connect(ep)) {
                conn.write(ByteBuffer.wrap((cmd + "\0").getBytes(StandardCharsets.US_ASCII)));
                return conn.readReply();
            } catch (IOException e) {
                last = new IOException(ep + ": " + describe(e), e);
            }
        }
        throw last;
    }

    @Override
    public ScanResult scan(Source source) {
        List<String> trace = new ArrayList<>();
        String lastError = "no endpoint";
        for (ClamdEndpoint ep : endpoints) {
            try {
                ScanResult r = scanOn(ep, source, trace);
                if (r.status() != ScanResult.Status.ERROR) return r;
                lastError = r.error();
                trace.add(ep + ": " + r.error());
            } catch (IOException e) {
                lastError = ep + ": " + describe(e);
                trace.add(lastError);
            }
        }
        return ScanResult.error(lastError, trace);
    }

    private ScanResult scanOn(ClamdEndpoint ep, Source source, List<String> trace) throws IOException {
        try (Conn conn = connect(ep); InputStream in = source.open()) {
            conn.deadline(timeout);
            conn.write(ByteBuffer.wrap("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer chunk = ByteBuffer.allocate(4 + CHUNK);
            long sent = 0;
            boolean truncated = false;
            IOException writeFailure = null;
            while (true) {
                int room = (int) Math.min(CHUNK, streamMaxLength - sent);
                if (room == 0) {
                    // at the limit: anything left makes the message oversized
                    if (in.read() < 0) break;
                    if (oversize == Oversize.TEMPFAIL) {
                        return ScanResult.error("message larger than StreamMaxLength " + streamMaxLength, trace);
                    }
                    if (oversize == Oversize.ACCEPT) {
                        trace.add(ep + ": not scanned, larger than StreamMaxLength " + streamMaxLength);
                        return ScanResult.clean(true, trace);
                    }
                    truncated = true;
                    trace.add(ep + ": scanned the first " + streamMaxLength + " bytes (StreamMaxLength)");
                    break;
                }
                int n = in.readNBytes(chunk.array(), 4, room);
                if (n <= 0) break;
                chunk.clear();
                chunk.putInt(0, n);
                chunk.limit(4 + n);
                try {
                    conn.write(chunk);
                } catch (IOException e) {
                    writeFailure = e;     // clamd may have answered and closed (size limit): read it below
                    break;
                }
                sent += n;
            }
            if (writeFailure == null) conn.write(ByteBuffer.wrap(new byte[4]));   // the zero-length chunk ends the stream
            String reply;
            try {
                reply = conn.readReply();
            } catch (IOException e) {
                if (writeFailure != null) throw writeFailure;
                throw e;
            }
            trace.add(ep + ": " + sent + " bytes: " + reply);
            return parseReply(reply, truncated, trace);
        }
    }

    /** clamd's reply to INSTREAM: "stream: OK", "stream: NAME FOUND", "... ERROR". */
    static ScanResult parseReply(String reply, boolean truncated, List<String> trace) {
        String r = reply.strip();
        if (r.endsWith(" ERROR") || r.equals("ERROR")) {
            return ScanResult.error(r.substring(0, r.length() - "ERROR".length()).strip(), trace);
        }
        String body = r.startsWith("stream: ") ? r.substring("stream: ".length()) : r;
        if (body.equals("OK")) return ScanResult.clean(truncated, trace);
        if (body.endsWith(" FOUND")) return ScanResult.infected(body.substring(0, body.length() - 6).strip(), "", truncated, trace);
        return ScanResult.error("unexpected clamd reply: " + (r.length() > 200 ? r.substring(0, 200) : r), trace);
    }

    private Conn connect(ClamdEndpoint ep) throws IOException {
        SocketChannel ch = ep.isUnix() ? SocketChannel.open(java.net.StandardProtocolFamily.UNIX) : SocketChannel.open();
        Conn conn = new Conn(ch);
        conn.deadline(connectTimeout);
        try {
            ch.connect(ep.address());
        } catch (IOException e) {
            conn.close();
            throw e;
        }
        return conn;
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.channels.AsynchronousCloseException) return "timed out";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /**
     * One connection with a deadline: when it passes, the channel is closed from the timer
     * thread, which ends a blocked connect, read or write with AsynchronousCloseException. This
     * works the same for TCP and unix-domain channels (the latter have no socket timeout).
     */
    private static final class Conn implements AutoCloseable {
        private final SocketChannel ch;
        private ScheduledFuture<?> timer;

        Conn(SocketChannel ch) { this.ch = ch; }

        void deadline(Duration d) {
            if (timer != null) timer.cancel(false);
            timer = TIMER.schedule(() -> { try { ch.close(); } catch (IOException ignored) { } }, d.toMillis(), TimeUnit.MILLISECONDS);
        }

        void write(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) ch.write(b);
        }

        /** Up to the NUL (z commands) or newline; EOF without either is an error. */
        String readReply() throws IOException {
            ByteBuffer b = ByteBuffer.allocate(MAX_REPLY);
            while (b.hasRemaining()) {
                int start = b.position();
                if (ch.read(b) < 0) {
                    if (b.position() > 0) break;
                    throw new IOException("connection closed without a reply");
                }
                for (int i = start; i < b.position(); i++) {
                    if (b.get(i) == 0 || b.get(i) == '\n') return new String(b.array(), 0, i, StandardCharsets.ISO_8859_1);
                }
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1);
        }

        @Override public void close() {
            if (timer != null) timer.cancel(false);
            try { ch.close(); } catch (IOException ignored) { }
        }
    }
}
