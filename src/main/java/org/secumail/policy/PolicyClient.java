// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.secumail.config.ConfigException;

/**
 * Client of Postfix's policy delegation protocol (SMTPD_POLICY_README): a request is
 * "name=value" lines ended by an empty line, the answer "action=..." lines ended by an empty
 * line. Connections to one server are kept and reused (smtpd_policy_service_max_idle,
 * smtpd_policy_service_max_ttl, smtpd_policy_service_request_limit); each exchange must finish
 * within smtpd_policy_service_timeout, or the connection is closed under it.
 * Endpoints: "inet:host:port", "host:port" or "unix:/path". Safe for concurrent use.
 */
public final class PolicyClient {
    private static final int MAX_RESPONSE = 16 * 1024;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "policy-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String endpoint;
    private final SocketAddress address;
    private final Duration timeout;
    private final Duration maxIdle;
    private final Duration maxTtl;
    private final int requestLimit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Conn> idle = new ArrayDeque<>();

    private static final class Conn {
        final SocketChannel ch;
        final long opened = System.nanoTime();
        long lastUsed = System.nanoTime();
        int requests;
        final ByteBuffer in = ByteBuffer.allocate(MAX_RESPONSE);

        Conn(SocketChannel ch) { this.ch = ch; }
    }

    public PolicyClient(String endpoint, Duration timeout, Duration maxIdle, Duration maxTtl, int requestLimit) {
        this.endpoint = endpoint;
        this.address = parse(endpoint);
        this.timeout = timeout;
        this.maxIdle = maxIdle;
        this.maxTtl = maxTtl;
        this.requestLimit = requestLimit;
    }

    public String endpoint() { return endpoint; }

    static SocketAddress parse(String endpoint) {
        if (endpoint.startsWith("unix:")) return UnixDomainSocketAddress.of(endpoint.substring(5));
        String hp = endpoint.startsWith("inet:") ? endpoint.substring(5) : endpoint;
        int colon = hp.lastIndexOf(':');
        if (colon <= 0) throw new ConfigException("policy service \"" + endpoint + "\": expected inet:host:port or unix:/path");
        String host = hp.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            return new InetSocketAddress(host, Integer.parseInt(hp.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("policy service \"" + endpoint + "\": bad port");
        }
    }

    /**
     * Sends one request; returns the value of the "action" attribute. A kept connection that
     * the server has closed meanwhile costs no try: the request is sent again on a new one.
     */
    public String query(Map<String, String> attributes) throws IOException {
        Conn c = take();
        if (c.requests > 0) {
            try {
                return exchange(c, attributes);
            } catch (IOException stale) {
                c = take();
                if (c.requests > 0) {
                    close(c);
                    c = connect();
                }
            }
        }
        return exchange(c, attributes);
    }

    private String exchange(Conn c, Map<String, String> attributes) throws IOException {
        ScheduledFuture<?> kill = WATCHDOG.schedule(() -> close(c), timeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean ok = false;
        try {
            StringBuilder sb = new StringBuilder();
            for (var e : attributes.entrySet()) {
                sb.append(e.getKey()).append('=').append(clean(e.getValue())).append('\n');
            }
            sb.append('\n');
            ByteBuffer out = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) c.ch.write(out);
            String action = readResponse(c);
            ok = true;
            return action;
        } finally {
            kill.cancel(false);
            if (ok) give(c);
            else close(c);
        }
    }

    private String readResponse(Conn c) throws IOException {
        String action = null;
        while (true) {
            String line = readLine(c);
            if (line.isEmpty()) break;
            if (line.startsWith("action=")) action = line.substring(7);
        }
        if (action == null) throw new IOException("policy server " + endpoint + " sent no action= attribute");
        return action;
    }

    private String readLine(Conn c) throws IOException {
        ByteBuffer b = c.in;
        while (true) {
            for (int i = 0; i < b.position(); i++) {
                if (b.get(i) == '\n') {
                    byte[] line = new byte[i];
                    b.flip();
                    b.get(line);
                    b.get();
                    b.compact();
                    String s = new String(line, StandardCharsets.UTF_8);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
            }
            if (!b.hasRemaining()) throw new IOException("policy server " + endpoint + ": response longer than " + MAX_RESPONSE + " bytes");
            if (c.ch.read(b) < 0) throw new IOException("policy server " + endpoint + " closed the connection");
        }
    }

    private Conn take() throws IOException {
        lock.lock();
        try {
            long now = System.nanoTime();
            while (!idle.isEmpty()) {
                Conn c = idle.pollFirst();
                boolean stale = now - c.lastUsed > maxIdle.toNanos() || now - c.opened > maxTtl.toNanos()
                        || (requestLimit > 0 && c.requests >= requestLimit);
                if (!stale && c.ch.isOpen()) return c;
                close(c);
            }
        } finally {
            lock.unlock();
        }
        return connect();
    }

    private Conn connect() throws IOException {
        SocketChannel ch = SocketChannel.open();
        ScheduledFuture<?> kill = WATCHDOG.schedule(() -> quietClose(ch), timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            ch.connect(address);
        } catch (IOException e) {
            quietClose(ch);
            throw e;
        } finally {
            kill.cancel(false);
        }
        return new Conn(ch);
    }

    private void give(Conn c) {
        c.requests++;
        c.lastUsed = System.nanoTime();
        lock.lock();
        try {
            idle.addFirst(c);
        } finally {
            lock.unlock();
        }
    }

    private static void close(Conn c) { quietClose(c.ch); }

    private static void quietClose(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Attribute values are one line: CR, LF and NUL become spaces. */
    private static String clean(String v) {
        if (v == null) return "";
        return v.replace('\n', ' ').replace('\r', ' ').replace('\0', ' ');
    }
}
