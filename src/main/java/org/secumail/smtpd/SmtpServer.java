// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening socket of an smtpd service. Each accepted connection gets its own virtual
 * thread running an {@link SmtpSession}. At most maxproc sessions run at once (master.cf);
 * a connection beyond that is answered "421 4.3.2 Service currently unavailable" and closed,
 * so a flood can never make the server queue unbounded work.
 */
public final class SmtpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.master");

    /** The service new connections get; a reload swaps it (sessions in progress keep theirs). */
    private volatile SmtpdService svc;
    private final ServerSocket socket;
    private volatile Semaphore slots;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Thread acceptor;

    public SmtpServer(SmtpdService svc, InetSocketAddress bind) throws IOException {
        this.svc = svc;
        this.socket = new ServerSocket();
        this.socket.setReuseAddress(true);
        try {
            this.socket.bind(bind, 1024);
        } catch (java.net.BindException e) {
            socket.close();
            // Postfix's words: "bind 127.0.0.1 port 25: Address already in use"
            throw new java.net.BindException("bind " + bind.getAddress().getHostAddress() + " port " + bind.getPort() + ": " + e.getMessage());
        }
        this.slots = new Semaphore(Math.max(1, svc.maxConnections));
    }

    public int port() { return socket.getLocalPort(); }

    /** The service new connections get. */
    public SmtpdService service() { return svc; }

    /**
     * Reload: new connections get next; returns the service they got before. A changed process
     * limit starts a fresh count (sessions in progress release the one they took).
     */
    public SmtpdService swap(SmtpdService next) {
        SmtpdService old = svc;
        if (next.maxConnections != old.maxConnections) slots = new Semaphore(Math.max(1, next.maxConnections));
        svc = next;
        return old;
    }

    public InetSocketAddress address() { return (InetSocketAddress) socket.getLocalSocketAddress(); }

    public SmtpServer start() {
        acceptor = Thread.ofPlatform().name("smtpd-accept-" + port()).daemon(true).start(this::acceptLoop);
        return this;
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket c;
            try {
                c = socket.accept();
            } catch (IOException e) {
                if (closed.get()) return;
                LOG.warn("warning: accept on {}: {}", address(), e.getMessage());
                try {
                    Thread.sleep(100);   // e.g. out of file descriptors: don't spin, let sessions finish
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            Semaphore slots = this.slots;
            if (!slots.tryAcquire()) {
                refuse(c, svc);
                continue;
            }
            SmtpdService taken = svc;
            while (!taken.enter()) taken = svc;   // replaced by a reload just now: take the new one
            SmtpdService s = taken;
            Runnable done = () -> {
                s.leave();
                slots.release();
            };
            try {
                c.setTcpNoDelay(true);
                if (s.postscreen != null) {
                    Thread.ofVirtual().name("postscreen-" + c.getPort()).start(() -> screenThenServe(s, c, done));
                    continue;
                }
                if (s.upstreamProxy) {
                    Thread.ofVirtual().name("smtpd-" + c.getPort()).start(() -> proxiedSession(s, c, done));
                    continue;
                }
                SmtpSession session = new SmtpSession(s, c);
                Thread.ofVirtual().name("smtpd-" + c.getPort()).start(() -> {
                    try {
                        session.run();
                    } finally {
                        done.run();
                    }
                });
            } catch (IOException | RuntimeException e) {
                done.run();
                LOG.warn("cannot start session for {}: {}", c.getRemoteSocketAddress(), e.toString());
                closeQuietly(c);
            }
        }
    }

    /**
     * smtpd_upstream_proxy_protocol = haproxy: the proxy's header first. Without valid endpoint
     * information there is no audit trail and no access control, so the session ends with
     * smtpd's "421 4.3.0 Server local error", as Postfix's smtpd_peer_fall_back_and_hangup.
     */
    private static void proxiedSession(SmtpdService svc, Socket c, Runnable done) {
        try {
            ProxyProtocol.Endpoints e;
            try {
                e = ProxyProtocol.read(c, svc.upstreamProxyTimeout, svc.families);
            } catch (java.net.SocketTimeoutException ex) {
                SmtpSession.LOG.warn("warning: haproxy read: timeout error");
                hangUp(c, "421 4.3.0 " + svc.hostname + " Server local error");
                return;
            } catch (ProxyProtocol.ProxyException ex) {
                SmtpSession.LOG.warn("warning: haproxy read: {}", ex.getMessage());
                hangUp(c, "421 4.3.0 " + svc.hostname + " Server local error");
                return;
            }
            new SmtpSession(svc, c, new byte[0], e).run();
        } catch (IOException | RuntimeException ex) {
            LOG.info("lost connection with {}: {}", c.getRemoteSocketAddress(), ex.toString());
            closeQuietly(c);
        } finally {
            done.run();
        }
    }

    private static void hangUp(Socket c, String reply) {
        try (c) {
            c.getOutputStream().write((reply + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            c.getOutputStream().flush();
        } catch (IOException ignored) {
            // the client is gone anyway
        }
    }

    /** postscreen first; a client that passes gets its smtpd session on the same thread. */
    private static void screenThenServe(SmtpdService svc, Socket c, Runnable done) {
        try {
            org.secumail.postscreen.Postscreen.Outcome o = svc.postscreen.screen(c);
            if (o.pass()) new SmtpSession(svc, c, o.pending(), o.endpoints()).run();
            else closeQuietly(c);
        } catch (IOException | RuntimeException e) {
            LOG.info("postscreen: lost connection with {}: {}", c.getRemoteSocketAddress(), e.toString());
            closeQuietly(c);
        } finally {
            done.run();
        }
    }

    private static void refuse(Socket c, SmtpdService svc) {
        LOG.warn("warning: service {}: all {} connection slots busy; refusing {}", svc.name, svc.maxConnections, c.getRemoteSocketAddress());
        Thread.ofVirtual().start(() -> {
            try (c) {
                if (svc.tls.wrapperMode) return;   // implicit TLS: a plaintext reply would be garbage to the client
                c.setSoTimeout(5000);
                c.getOutputStream().write(Reply.of(421, "4.3.2", "Service currently unavailable").wire());
            } catch (IOException ignored) {
                // the client went away first
            }
        });
    }

    /** Closes the postscreen cache of this listener's service (shared by its listeners; closing twice is harmless). */
    public void closePostscreen() {
        if (svc.postscreen != null) svc.postscreen.close();
    }

    private static void closeQuietly(Socket c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
