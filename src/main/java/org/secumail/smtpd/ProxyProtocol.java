// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The haproxy PROXY protocol, versions 1 and 2 (haproxy's proxy-protocol.txt), as Postfix's
 * haproxy_srvr.c reads it for smtpd_upstream_proxy_protocol and
 * postscreen_upstream_proxy_protocol = haproxy: a load balancer in front of the MX tells us
 * the real client and server endpoints before the SMTP conversation starts.
 * <ul>
 * <li>v1: "PROXY TCP4|TCP6 client server cport sport\r\n", at most 107 octets. "UNKNOWN" is
 *     refused, as in Postfix: it would sidestep every address-based control.</li>
 * <li>v2: the 12-octet signature, version 2, PROXY (TCP over IPv4 or IPv6) or LOCAL (the
 *     balancer's own health check: the socket's endpoints are used); TLVs are skipped.</li>
 * </ul>
 * Nothing past the header is read, so the client's first command stays in the socket. The
 * whole header must arrive within the timeout (smtpd_upstream_proxy_timeout /
 * postscreen_upstream_proxy_timeout, 5s).
 */
public final class ProxyProtocol {
    private ProxyProtocol() { }

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V1_MAX = 107;
    private static final int V2_MAX_BODY = 520;

    /** The client and server endpoints the proxy reported. */
    public record Endpoints(InetSocketAddress client, InetSocketAddress server) { }

    /** A malformed or missing header; the message is Postfix's wording, for the log line. */
    public static final class ProxyException extends IOException {
        public ProxyException(String message) {
            super(message);
        }
    }

    /**
     * Reads the header from the socket.
     *
     * @throws SocketTimeoutException when it does not arrive in time
     * @throws ProxyException when it is malformed ("haproxy read: REASON: TEXT")
     */
    public static Endpoints read(Socket s, Duration timeout, Families families) throws IOException {
        int saved = s.getSoTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16 + V2_MAX_BODY];
            int n = 0;
            int first = readByte(s, in, deadline);
            if (first < 0) throw new ProxyException("EOF");
            buf[n++] = (byte) first;
            if (first == 'P') {
                while (n < V1_MAX) {
                    int c = readByte(s, in, deadline);
                    if (c < 0) throw new ProxyException("missing protocol header terminator: " + escape(buf, n));
                    buf[n++] = (byte) c;
                    if (c == '\n') return check(parseV1(new String(buf, 0, n, StandardCharsets.ISO_8859_1), s), families, buf, n);
                }
                throw new ProxyException("missing protocol header terminator: " + escape(buf, n));
            }
            while (n < 16) {
                int c = readByte(s, in, deadline);
                if (c < 0) throw new ProxyException("short protocol header: " + escape(buf, n));
                buf[n++] = (byte) c;
            }
            for (int i = 0; i < V2_SIGNATURE.length; i++) {
                if (buf[i] != V2_SIGNATURE[i]) throw new ProxyException("unrecognized protocol header: " + escape(buf, n));
            }
            if ((buf[12] & 0xF0) != 0x20) throw new ProxyException("unrecognized protocol version: " + escape(buf, n));
            int len = ((buf[14] & 0xff) << 8) | (buf[15] & 0xff);
            if (len > V2_MAX_BODY) throw new ProxyException("short version 2 protocol header: " + escape(buf, n));
            while (n < 16 + len) {
                int c = readByte(s, in, deadline);
                if (c < 0) throw new ProxyException("short version 2 protocol header: " + escape(buf, n));
                buf[n++] = (byte) c;
            }
            return check(parseV2(buf, len, s), families, buf, n);
        } finally {
            s.setSoTimeout(saved);
        }
    }

    /** The address families inet_protocols enables. */
    public record Families(boolean ipv4, boolean ipv6) {
        public static Families of(org.secumail.config.MainConfig cfg) {
            java.util.List<String> p = cfg.list("inet_protocols").stream().map(x -> x.toLowerCase(java.util.Locale.ROOT)).toList();
            boolean all = p.contains("all");
            return new Families(all || p.contains("ipv4"), all || p.contains("ipv6"));
        }
    }

    /** As Postfix: a family that inet_protocols disables is refused, whatever the proxy says. */
    private static Endpoints check(Endpoints e, Families f, byte[] buf, int n) throws ProxyException {
        boolean v6 = e.client().getAddress() instanceof java.net.Inet6Address;
        if (v6 && !f.ipv6()) throw new ProxyException("Postfix IPv6 support is disabled: " + escape(buf, n));
        if (!v6 && !f.ipv4()) throw new ProxyException("Postfix IPv4 support is disabled: " + escape(buf, n));
        return e;
    }

    private static int readByte(Socket s, InputStream in, long deadline) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) throw new SocketTimeoutException("time limit exceeded");
        s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left)));
        return in.read();
    }

    static Endpoints parseV1(String line, Socket s) throws ProxyException {
        String text = line.endsWith("\r\n") ? line.substring(0, line.length() - 2) : line.substring(0, line.length() - 1);
        String[] f = text.split(" ", -1);
        String esc = escape(line.getBytes(StandardCharsets.ISO_8859_1), line.length());
        if (f.length < 1 || !f[0].equals("PROXY")) throw new ProxyException("bad or missing protocol header: " + esc);
        if (f.length < 2 || !(f[1].equalsIgnoreCase("TCP4") || f[1].equalsIgnoreCase("TCP6"))) {
            throw new ProxyException("bad or missing protocol type: " + esc);
        }
        boolean v6 = f[1].equalsIgnoreCase("TCP6");
        InetAddress client = f.length > 2 ? literal(f[2], v6) : null;
        if (client == null) throw new ProxyException("bad or missing client address: " + esc);
        InetAddress server = f.length > 3 ? literal(f[3], v6) : null;
        if (server == null) throw new ProxyException("bad or missing server address: " + esc);
        int cport = f.length > 4 ? port(f[4]) : -1;
        if (cport < 0) throw new ProxyException("bad or missing client port: " + esc);
        int sport = f.length > 5 ? port(f[5]) : -1;
        if (sport < 0 || f.length > 6) throw new ProxyException("bad or missing server port: " + esc);
        return new Endpoints(new InetSocketAddress(client, cport), new InetSocketAddress(server, sport));
    }

    static Endpoints parseV2(byte[] b, int len, Socket s) throws ProxyException {
        int command = b[12] & 0x0F;
        if (command == 0) {   // LOCAL: the proxy's own connection (a health check)
            return new Endpoints((InetSocketAddress) s.getRemoteSocketAddress(), (InetSocketAddress) s.getLocalSocketAddress());
        }
        if (command != 1) throw new ProxyException("bad command in proxy header: " + escape(b, 16 + len));
        int fam = b[13] & 0xff;
        int alen;
        if (fam == 0x11) alen = 4;
        else if (fam == 0x21) alen = 16;
        else throw new ProxyException("unsupported network protocol: " + escape(b, 16 + len));
        if (len < 2 * alen + 4) throw new ProxyException("short address field: " + escape(b, 16 + len));
        try {
            InetAddress client = unmapped(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 16, 16 + alen)));
            InetAddress server = unmapped(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 16 + alen, 16 + 2 * alen)));
            int p = 16 + 2 * alen;
            int cport = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
            int sport = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
            return new Endpoints(new InetSocketAddress(client, cport), new InetSocketAddress(server, sport));
        } catch (UnknownHostException e) {
            throw new ProxyException("client network address conversion error: " + escape(b, 16 + len));
        }
    }

    /** A numeric address of the family (never a DNS lookup), or null. */
    private static InetAddress literal(String text, boolean v6) {
        if (text.isEmpty() || text.length() > 45) return null;
        boolean looksV4 = text.matches("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
        boolean looksV6 = text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
        if (v6 ? !looksV6 : !looksV4) return null;
        if (looksV4) {
            for (String part : text.split("\\.")) if (Integer.parseInt(part) > 255) return null;
        }
        try {
            return unmapped(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An IPv4-mapped IPv6 address is the IPv4 client, as Postfix logs and matches it. */
    private static InetAddress unmapped(InetAddress a) throws UnknownHostException {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) if (b[i] != 0) mapped = false;
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
            }
        }
        return a;
    }

    private static int port(String text) {
        if (!text.matches("\\d{1,5}")) return -1;
        int p = Integer.parseInt(text);
        return p > 65535 ? -1 : p;
    }

    private static String escape(byte[] b, int n) {
        return org.secumail.postscreen.Postscreen.escape(java.util.Arrays.copyOf(b, Math.min(n, b.length)));
    }
}
