// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue manager's trigger, after Postfix's public/qmgr FIFO: a unix-domain socket
 * {@code queue_directory/public/qmgr} on which the running server's {@link QueueManager}
 * listens. A client connects, writes one request byte and closes; there is no reply.
 * <ul>
 * <li>{@code W} (Postfix's QMGR_REQ_SCAN_INCOMING): look at incoming/ now;</li>
 * <li>{@code F} (QMGR_REQ_FLUSH_DEAD, as postqueue -f sends it with "A"): scan deferred/ now
 *     as well, instead of at the next queue_run_delay.</li>
 * <li>{@code R} ({@code secumail reload}, like {@code postfix reload}): the server's reload
 *     action, today re-reading the antivirus signature databases.</li>
 * </ul>
 * A trigger carries no data, only "look now": the commands change the queue files first
 * (make messages due, move them to incoming/), so when no server is running the change
 * simply waits for the next start, whose first pass scans every queue.
 */
public final class QueueTrigger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.qmgr");
    public static final byte WAKE = 'W';
    public static final byte FLUSH = 'F';
    public static final byte RELOAD = 'R';
    /** A client gets this long to send its byte; the listener never waits longer on one. */
    private static final int MAX_PER_CLIENT_MS = 1000;

    private final ServerSocketChannel server;
    private final Path socket;
    private final Thread acceptor;
    private final java.util.concurrent.Semaphore handlers = new java.util.concurrent.Semaphore(16);

    private final Runnable onReload;

    private QueueTrigger(ServerSocketChannel server, Path socket, QueueManager qmgr, Runnable onReload) {
        this.server = server;
        this.socket = socket;
        this.onReload = onReload;
        this.acceptor = Thread.ofVirtual().name("secumail-qmgr-trigger").start(() -> acceptLoop(qmgr));
    }

    /** The socket's path for a queue directory. */
    public static Path socketPath(Path queueDirectory) {
        return queueDirectory.toAbsolutePath().resolve("public").resolve("qmgr");
    }

    /**
     * Starts listening; returns null (after a warning) when the socket cannot be bound, e.g.
     * a path longer than the system's limit: the queue manager then only scans on its own.
     */
    public static QueueTrigger listen(Path queueDirectory, QueueManager qmgr) {
        return listen(queueDirectory, qmgr, () -> LOG.info("reload requested: nothing to reload"));
    }

    /** As {@link #listen(Path, QueueManager)}, running onReload for each {@code R} request. */
    public static QueueTrigger listen(Path queueDirectory, QueueManager qmgr, Runnable onReload) {
        Objects.requireNonNull(qmgr);
        Objects.requireNonNull(onReload);
        Path sock = socketPath(queueDirectory);
        try {
            Path dir = sock.getParent();
            if (!Files.isDirectory(dir)) {
                if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
            // A socket file left by a server that was killed: nobody listens on it any more.
            Files.deleteIfExists(sock);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(sock));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            return new QueueTrigger(ch, sock, qmgr, onReload);
        } catch (IOException | RuntimeException e) {
            LOG.warn("warning: cannot listen on {}: {}; queue flush takes effect at the next queue_run_delay", sock, e.toString());
            return null;
        }
    }

    /**
     * Sends one request to the running queue manager. Returns false when none listens (no
     * server running): not an error, the queue files already say what is to be done.
     */
    public static boolean send(Path queueDirectory, byte request) {
        Path sock = socketPath(queueDirectory);
        if (!Files.exists(sock)) return false;
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ByteBuffer b = ByteBuffer.wrap(new byte[] {request});
            while (b.hasRemaining()) ch.write(b);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop(QueueManager qmgr) {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) LOG.warn("warning: queue trigger: {}", e.toString());
                continue;
            }
            if (!handlers.tryAcquire()) {
                closeQuietly(c);   // more clients at once than any administrator needs
                continue;
            }
            Thread.ofVirtual().start(() -> {
                // Unix-domain channels have no SO_TIMEOUT: a watchdog closes a silent client.
                Thread watchdog = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(MAX_PER_CLIENT_MS);
                        closeQuietly(c);
                    } catch (InterruptedException e) {
                        // the request came in time
                    }
                });
                try {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    int n = c.read(b);
                    watchdog.interrupt();
                    if (n == 1) handle(b.get(0), qmgr);
                } catch (IOException e) {
                    // closed by the watchdog or by the client: no request
                } finally {
                    watchdog.interrupt();
                    closeQuietly(c);
                    handlers.release();
                }
            });
        }
    }

    private void handle(byte request, QueueManager qmgr) {
        switch (request) {
            case WAKE -> qmgr.wake();
            case FLUSH -> {
                LOG.info("flush requested: scanning the deferred queue now");
                qmgr.flush();
            }
            case RELOAD -> onReload.run();
            default -> LOG.warn("warning: unknown queue trigger request {}", request & 0xff);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        try {
            acceptor.join(2000);
            Files.deleteIfExists(socket);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("warning: cannot remove {}: {}", socket, e.getMessage());
        }
    }
}
