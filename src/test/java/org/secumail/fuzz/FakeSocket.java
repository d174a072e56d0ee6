// SPDX-License-Identifier: Apache-2.0
package org.secumail.fuzz;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

/** A connected-looking socket whose peer sends fixed bytes; what the server writes is kept. */
public final class FakeSocket extends Socket {
    private final InputStream in;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int timeout;

    public FakeSocket(byte[] peerSends) { this.in = new ByteArrayInputStream(peerSends); }

    @Override public InputStream getInputStream() { return in; }
    @Override public OutputStream getOutputStream() { return out; }
    @Override public SocketAddress getRemoteSocketAddress() { return new InetSocketAddress("192.0.2.1", 40000); }
    @Override public SocketAddress getLocalSocketAddress() { return new InetSocketAddress("192.0.2.25", 25); }
    @Override public void setSoTimeout(int t) { timeout = t; }
    @Override public int getSoTimeout() { return timeout; }
    @Override public synchronized void close() { }

    public byte[] written() { return out.toByteArray(); }
}
