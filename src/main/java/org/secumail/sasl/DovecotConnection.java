// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to Dovecot's auth-client service, shared by all sessions of a service: each
 * authentication is a request with its own id, so replies are matched to requests by id
 * (Dovecot Authentication Protocol 1.2, as Postfix's xsasl_dovecot speaks it). A reader thread
 * reads the replies and hands each to the request it belongs to. When the connection breaks
 * every waiting request is told so, and the next request opens a new connection.
 */
final class DovecotConnection implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.sasl");
    /** Dovecot expects lines to fit in 16384 bytes; accept more, but not without bound. */
    static final int MAX_LINE = 65536;
    /** Stands for "the connection is gone" in a request's queue. */
    static final String[] BROKEN = new String[0];
    private static final AtomicInteger CPIDS = new AtomicInteger();

    /** A mechanism from a MECH line, with its flags (plaintext, anonymous, private...). */
    record Mech(String name, List<String> flags) {
    }

    private final String endpoint;
    private final Closeable transport;
    private final InputStream in;
    private final OutputStream out;
    private final List<Mech> mechs;
    private final Map<Long, BlockingQueue<String[]>> pending = new ConcurrentHashMap<>();
    private volatile boolean broken;

    private DovecotConnection(String endpoint, Closeable transport, InputStream in, OutputStream out, Duration timeout) throws IOException {
        this.endpoint = endpoint;
        this.transport = transport;
        this.in = new java.io.BufferedInputStream(in, 8192);
        this.out = out;
        // a stuck handshake must not hang the session: the watchdog closes the transport
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(timeout);
                quietClose(transport);
            } catch (InterruptedException e) {
                // handshake finished
            }
        });
        try {
            this.mechs = handshake();
        } catch (IOException e) {
            quietClose(transport);
            throw new IOException("SASL: connect to Dovecot auth service " + endpoint + ": handshake failed: " + e.getMessage(), e);
        } finally {
            watchdog.interrupt();
        }
        Thread.ofVirtual().name("dovecot-auth-reader").start(this::readReplies);
    }

    /**
     * Connects to "inet:host:port" or a unix socket path and does the handshake.
     *
     * @throws IOException when Dovecot cannot be reached or does not speak the protocol
     */
    static DovecotConnection open(String endpoint, Duration timeout) throws IOException {
        if (endpoint.startsWith("inet:")) {
            String hp = endpoint.substring(5);
            int colon = hp.lastIndexOf(':');
            if (colon < 0) throw new IOException("SASL: bad Dovecot endpoint " + endpoint + ": expected inet:host:port");
            String host = hp.substring(0, colon).replace("[", "").replace("]", "");
            int port;
            try {
                port = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IOException("SASL: bad Dovecot endpoint " + endpoint + ": bad port");
            }
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                return new DovecotConnection(endpoint, s, s.getInputStream(), s.getOutputStream(), timeout);
            } catch (IOException e) {
                quietClose(s);
                if (e.getMessage() != null && e.getMessage().startsWith("SASL:")) throw e;
                throw new IOException("SASL: connect to Dovecot auth service " + endpoint + ": " + e.getMessage(), e);
            }
        }
        String path = endpoint.startsWith("unix:") ? endpoint.substring(5) : endpoint;
        SocketChannel ch = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(Path.of(path)));
        } catch (IOException e) {
            quietClose(ch);
            throw new IOException("SASL: connect to Dovecot auth service " + path + ": " + e.getMessage(), e);
        }
        // the channel's own read and write (separate locks), not Channels.newInputStream, which
        // would block writes while the reader thread waits for a reply
        InputStream cin = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
        OutputStream cout = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                while (bb.hasRemaining()) ch.write(bb);
            }
        };
        return new DovecotConnection(path, ch, cin, cout, timeout);
    }

    private List<Mech> handshake() throws IOException {
        // CPID must be unique among Dovecot's client connections (it refuses a second connection
        // with the same one); several connections may come from this one JVM, so add a counter.
        long pid = ProcessHandle.current().pid();
        long cpid = 1_000_000_000L + (pid % 100_000) * 10_000 + (CPIDS.getAndIncrement() % 10_000);
        send("VERSION\t1\t2\nCPID\t" + cpid + "\n");
        List<Mech> list = new ArrayList<>();
        boolean versionSeen = false;
        for (int lines = 0; lines < 1000; lines++) {
            String[] f = readLine();
            if (f == null) throw new EOFException("connection closed during handshake");
            switch (f[0]) {
                case "VERSION" -> {
                    if (f.length < 2 || !f[1].equals("1")) throw new IOException("unsupported protocol version " + String.join(".", f));
                    versionSeen = true;
                }
                case "MECH" -> {
                    if (f.length >= 2) list.add(new Mech(f[1].toUpperCase(java.util.Locale.ROOT), List.of(f).subList(2, f.length)));
                }
                case "DONE" -> {
                    if (!versionSeen) throw new IOException("no VERSION line");
                    return List.copyOf(list);
                }
                default -> {
                    // SPID, CUID, COOKIE: not needed by an SMTP server
                }
            }
        }
        throw new IOException("handshake too long");
    }

    List<Mech> mechanisms() {
        return mechs;
    }

    boolean broken() {
        return broken;
    }

    String endpoint() {
        return endpoint;
    }

    /** Registers a request id; replies for it arrive in the returned queue ({@link #BROKEN} when the connection is lost). */
    BlockingQueue<String[]> register(long id) {
        BlockingQueue<String[]> q = new LinkedBlockingQueue<>();
        pending.put(id, q);
        if (broken) q.offer(BROKEN);
        return q;
    }

    void unregister(long id) {
        pending.remove(id);
    }

    void send(String lines) throws IOException {
        byte[] b = lines.getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(b);
            out.flush();
        }
    }

    private void readReplies() {
        try {
            String[] f;
            while ((f = readLine()) != null) {
                if (f.length < 2) continue;
                long id;
                try {
                    id = Long.parseLong(f[1]);
                } catch (NumberFormatException e) {
                    LOG.warn("warning: SASL: Dovecot auth service {}: unexpected line {}", endpoint, f[0]);
                    continue;
                }
                BlockingQueue<String[]> q = pending.get(id);
                if (q != null) q.offer(f);
            }
            LOG.info("SASL: Dovecot auth service {} closed the connection", endpoint);
        } catch (IOException e) {
            if (!broken) LOG.warn("warning: SASL: Dovecot auth service {}: {}", endpoint, e.getMessage());
        } finally {
            close();
        }
    }

    /** One line split at TABs and unescaped, or null at end of input. */
    private String[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        while (true) {
            int c = in.read();
            if (c < 0) return null;
            if (c == '\n') break;
            if (line.size() >= MAX_LINE) throw new IOException("line longer than " + MAX_LINE + " bytes");
            line.write(c);
        }
        String[] f = line.toString(StandardCharsets.UTF_8).split("\t", -1);
        for (int i = 0; i < f.length; i++) f[i] = unescape(f[i]);
        return f;
    }

    @Override
    public void close() {
        broken = true;
        quietClose(transport);
        for (BlockingQueue<String[]> q : pending.values()) q.offer(BROKEN);
    }

    /** Dovecot's tab-escaping: \001 followed by 0 (NUL), 1 (\001), t (TAB), r (CR), n or l (LF). */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case 0 -> sb.append("\0010");
                case 1 -> sb.append("\0011");
                case '\t' -> sb.append("\001t");
                case '\r' -> sb.append("\001r");
                case '\n' -> sb.append("\001n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('\001') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\001' || i + 1 == s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            sb.append(switch (n) {
                case '0' -> '\0';
                case '1' -> '\001';
                case 't' -> '\t';
                case 'r' -> '\r';
                case 'n', 'l' -> '\n';
                default -> n;
            });
        }
        return sb.toString();
    }

    private static void quietClose(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
