// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The socket to one milter, inet or unix-domain, with a deadline on every wait: a connect,
 * or a read of a reply, that takes longer than its timeout closes the socket, and the waiting
 * call fails with a {@link SocketTimeoutException}. (A unix-domain channel has no SO_TIMEOUT,
 * so both kinds use the same watchdog.)
 */
final class MilterLink implements AutoCloseable {
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final SocketChannel channel;
    private final DataInputStream in;
    private final OutputStream out;
    private volatile boolean timedOut;

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "milter-watchdog");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        return Executors.unconfigurableScheduledExecutorService(s);
    }

    private MilterLink(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024));
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 16 * 1024);
    }

    static MilterLink open(SocketAddress address, Duration timeout) throws IOException {
        SocketAddress target = address;
        if (address instanceof InetSocketAddress isa && isa.isUnresolved()) target = new InetSocketAddress(isa.getHostString(), isa.getPort());
        SocketChannel ch = SocketChannel.open(address instanceof UnixDomainSocketAddress ? java.net.StandardProtocolFamily.UNIX
                : ((InetSocketAddress) target).getAddress() instanceof java.net.Inet6Address ? java.net.StandardProtocolFamily.INET6
                : java.net.StandardProtocolFamily.INET);
        MilterLink link = new MilterLink(ch);
        ScheduledFuture<?> alarm = link.arm(timeout);
        try {
            ch.connect(target);
        } catch (IOException e) {
            link.close();
            if (link.timedOut) throw new SocketTimeoutException("connect timed out after " + timeout.toSeconds() + "s");
            throw e;
        } finally {
            alarm.cancel(false);
        }
        if (target instanceof InetSocketAddress) ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        return link;
    }

    private ScheduledFuture<?> arm(Duration timeout) {
        return WATCHDOG.schedule(() -> {
            timedOut = true;
            close();
        }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Sends one packet and flushes. */
    void send(byte command, byte[] data) throws IOException {
        MilterProtocol.write(out, command, data);
        out.flush();
    }

    /** Queues one packet without flushing (headers sent without a reply each). */
    void queue(byte command, byte[] data) throws IOException {
        MilterProtocol.write(out, command, data);
    }

    void flush() throws IOException { out.flush(); }

    /** Reads one packet within the timeout. */
    MilterProtocol.Packet read(Duration timeout) throws IOException {
        ScheduledFuture<?> alarm = arm(timeout);
        try {
            return MilterProtocol.read(in);
        } catch (IOException e) {
            if (timedOut) throw new SocketTimeoutException("read timed out after " + timeout.toSeconds() + "s");
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    InputStream input() { return in; }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
