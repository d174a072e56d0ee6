// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The byte stream to an SMTP or LMTP server (TCP, TLS over TCP, or a UNIX-domain socket) with
 * Postfix's per-stage timeouts: {@link #stage} arms a watchdog that closes the connection when
 * the stage is not done in time, so neither a silent nor a slow reader can hold a delivery
 * forever. Reply lines are bounded to {@value #MAX_LINE} bytes and {@value #MAX_LINES} lines
 * per reply, so a hostile server cannot make us buffer without limit.
 */
final class SmtpWire implements Closeable {
    /** RFC 5321 section 4.5.3.1.5 says 512 octets per reply line; allow more, but not unbounded. */
    static final int MAX_LINE = 2048;
    static final int MAX_LINES = 100;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "secumail-smtp-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Socket tcp;
    private final SocketChannel unix;
    private SSLSocket tls;
    private InputStream in;
    private OutputStream out;
    private ScheduledFuture<?> alarm;
    private volatile boolean timedOut;
    private String stageName = "";

    private SmtpWire(Socket tcp, SocketChannel unix) throws IOException {
        this.tcp = tcp;
        this.unix = unix;
        if (tcp != null) {
            in = new BufferedInputStream(tcp.getInputStream(), 8192);
            out = new BufferedOutputStream(tcp.getOutputStream(), 16384);
        } else {
            in = new BufferedInputStream(Channels.newInputStream(unix), 8192);
            out = new BufferedOutputStream(Channels.newOutputStream(unix), 16384);
        }
    }

    static SmtpWire connect(InetSocketAddress addr, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(addr, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return new SmtpWire(s, null);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static SmtpWire connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        ScheduledFuture<?> f = WATCHDOG.schedule(() -> closeQuietly(ch), Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new SmtpWire(null, ch);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        } finally {
            f.cancel(false);
        }
    }

    /** Starts a protocol stage with its time limit ("sending MAIL FROM", smtp_mail_timeout). */
    void stage(String name, Duration limit) throws IOException {
        if (alarm != null) alarm.cancel(false);
        stageName = name;
        long ms = Math.max(1, limit.toMillis());
        if (tcp != null) tcp.setSoTimeout((int) Math.min(Integer.MAX_VALUE, ms));
        alarm = WATCHDOG.schedule(() -> {
            timedOut = true;
            closeQuietly(this);
        }, ms, TimeUnit.MILLISECONDS);
    }

    String stageName() { return stageName; }

    boolean timedOut() { return timedOut; }

    /** Replaces the plain streams with TLS (RFC 3207); the handshake runs under the current stage. */
    void startTls(SSLContext ctx, String peerName, boolean verifyHostname) throws IOException {
        if (tcp == null) throw new IOException("STARTTLS over a UNIX-domain socket is not supported");
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, peerName, tcp.getPort(), true);
        s.setUseClientMode(true);
        if (verifyHostname) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
        }
        s.startHandshake();
        tls = s;
        in = new BufferedInputStream(s.getInputStream(), 8192);
        out = new BufferedOutputStream(s.getOutputStream(), 16384);
    }

    /** "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", or null without TLS. */
    String tlsDescription() {
        return tls == null ? null : tls.getSession().getProtocol() + " with cipher " + tls.getSession().getCipherSuite();
    }

    boolean isTls() { return tls != null; }

    /** Queues one command line (CRLF appended); {@link #flush} sends it. */
    void write(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    OutputStream raw() { return out; }

    void flush() throws IOException { out.flush(); }

    /** Reads one reply; throws on a malformed, overlong or endless reply. */
    Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>(1);
        for (int n = 0; n < MAX_LINES; n++) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != '-' && line.charAt(3) != ' ')) {
                throw new ProtocolException("malformed reply: " + printable(line.length() > 80 ? line.substring(0, 80) : line));
            }
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) == ' ') {
                int code = Integer.parseInt(line.substring(0, 3));
                if (code < 200 || code > 599) throw new ProtocolException("malformed reply: " + printable(line));
                return new Reply(code, lines);
            }
        }
        throw new ProtocolException("reply longer than " + MAX_LINES + " lines");
    }

    private String readLine() throws IOException {
        byte[] buf = new byte[MAX_LINE];
        int len = 0;
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                timedOut = true;
                throw e;
            }
            if (b < 0) throw new java.io.EOFException("lost connection");
            if (b == '\n') {
                if (len > 0 && buf[len - 1] == '\r') len--;
                return printable(new String(buf, 0, len, StandardCharsets.UTF_8));
            }
            if (len == MAX_LINE) throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
            buf[len++] = (byte) b;
        }
    }
    /** Control characters become '?', so a reply cannot forge a log line (Postfix's printable()). */
    static String printable(String s) {
        return org.secumail.queue.Printable.of(s);
    }

    /** A reply that breaks RFC 5321's syntax or our limits. */
    static final class ProtocolException extends IOException {
        ProtocolException(String m) { super(m); }
    }

    @Override
    public void close() {
        if (alarm != null) alarm.cancel(false);
        if (tls != null) closeQuietly(tls);
        if (tcp != null) closeQuietly(tcp);
        if (unix != null) closeQuietly(unix);
    }

    boolean isOpen() {
        return tcp != null ? !tcp.isClosed() : unix.isOpen();
    }

    /** Cancels the stage alarm (an idle cached session has no stage). */
    void idle() {
        if (alarm != null) alarm.cancel(false);
        alarm = null;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a connection we give up on
        }
    }
}
