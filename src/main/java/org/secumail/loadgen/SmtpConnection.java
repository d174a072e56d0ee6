// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking SMTP client connection: writes command lines and reads (multi-line) replies.
 * Every read is bounded by the run's deadline, and reply lines and line counts are bounded,
 * so a misbehaving server cannot hold a worker forever or make it buffer without limit.
 */
final class SmtpConnection implements Closeable {
    /** RFC 5321 section 4.5.3.1.5 allows 512 octets per reply line; accept some slack. */
    private static final int MAX_LINE = 4096;
    private static final int MAX_REPLY_LINES = 1000;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final RunClock clock;
    private long deadlineNanos;

    private SmtpConnection(Socket socket, long deadlineNanos, RunClock clock) throws IOException {
        this.socket = socket;
        // Small buffers: idle mode keeps thousands of these; message content bypasses the
        // output buffer anyway (BufferedOutputStream writes large arrays straight through).
        this.in = new BufferedInputStream(socket.getInputStream(), 2048);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 2048);
        this.deadlineNanos = deadlineNanos;
        this.clock = clock;
    }

    /** Connects within the time left before {@code deadlineNanos} (System.nanoTime() based). */
    static SmtpConnection open(InetAddress address, int port, long deadlineNanos, RunClock clock)
            throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(address, port), remainingMillis(deadlineNanos));
            return new SmtpConnection(s, deadlineNanos, clock);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Turns the connection into TLS after a 220 reply to STARTTLS (RFC 3207). The server's
     * certificate is not verified: the load generator talks only to loopback test servers,
     * which typically use self-signed certificates. Returns "TLSv1.3 TLS_AES_256_GCM_SHA384".
     */
    String startTls() throws IOException {
        javax.net.ssl.SSLSocketFactory factory = LoadTls.trustAllContext().getSocketFactory();
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) factory.createSocket(socket,
                socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setSoTimeout(remainingMillis(deadlineNanos));
        ssl.startHandshake();
        socket = ssl;
        in = new BufferedInputStream(ssl.getInputStream(), 2048);
        out = new BufferedOutputStream(ssl.getOutputStream(), 2048);
        return ssl.getSession().getProtocol() + " " + ssl.getSession().getCipherSuite();
    }

    /** Moves the deadline that bounds later reads (System.nanoTime() based). */
    void deadline(long nanos) {
        deadlineNanos = nanos;
    }

    /** Sends one command line (CRLF is appended). */
    void send(String command) throws IOException {
        out.write(command.getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
        out.flush();
    }

    /** Sends raw bytes (the dot-stuffed message content). */
    void sendRaw(byte[] data) throws IOException {
        out.write(data);
        out.flush();
    }

    /** Sends a command and reads its reply. */
    SmtpReply command(String command) throws IOException {
        send(command);
        return readReply();
    }

    /** Reads one reply: lines "ddd-text" continue it, the line "ddd text" (or "ddd") ends it. */
    SmtpReply readReply() throws IOException {
        List<String> lines = new ArrayList<>(1);
        for (int n = 0; n < MAX_REPLY_LINES; n++) {
            String line = readLine();
            if (line.length() < 3 || !isDigits(line.substring(0, 3))
                    || (line.length() > 3 && line.charAt(3) != '-' && line.charAt(3) != ' ')) {
                throw new IOException("malformed SMTP reply line: " + abbreviate(line));
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                clock.replyReceived();
                return new SmtpReply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
        throw new IOException("SMTP reply longer than " + MAX_REPLY_LINES + " lines");
    }

    private String readLine() throws IOException {
        socket.setSoTimeout(remainingMillis(deadlineNanos));
        StringBuilder sb = new StringBuilder(64);
        while (sb.length() <= MAX_LINE) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("timed out waiting for the server's reply");
            }
            if (b < 0) throw new IOException("connection closed by server");
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
        throw new IOException("SMTP reply line longer than " + MAX_LINE + " bytes");
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Milliseconds left before the deadline; at least 1, since 0 means "no timeout" to sockets. */
    static int remainingMillis(long deadlineNanos) throws SocketTimeoutException {
        long ms = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (ms <= 0) throw new SocketTimeoutException("run timeout reached");
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a socket we are done with: nothing useful to do about a failure.
        }
    }
}
