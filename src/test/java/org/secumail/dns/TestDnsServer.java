// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;

/**
 * A small authoritative DNS server for tests, on 127.0.0.1, UDP and TCP on the same
 * ephemeral port. Point a {@link DnsjavaResolver} at it with
 * {@code new DnsjavaResolver(List.of(server.serverSpec()), timeout)}.
 *
 * <h2>Zone text</h2>
 * One record per line, master-file-like: {@code name [ttl] [IN] TYPE data}.
 * <ul>
 * <li>Every name is absolute; the trailing dot is optional ({@code mail.example.test} and
 *     {@code mail.example.test.} are the same). There is no $ORIGIN, no "@", no
 *     continuation lines.</li>
 * <li>The TTL defaults to {@value TestZone#DEFAULT_TTL} seconds.</li>
 * <li>TYPE is any type dnsjava knows (A, AAAA, MX, TXT, PTR, CNAME, NS, SOA, SRV...), the
 *     data in master-file syntax: {@code 10 mx.example.test} for MX, one or more quoted
 *     strings for TXT ({@code "v=spf1 " "-all"} is one record of two strings), the
 *     {@code ip6.arpa}/{@code in-addr.arpa} name as owner for PTR, and
 *     {@code ns admin serial refresh retry expire minimum} for SOA.</li>
 * <li>{@code ;} starts a comment (outside quotes), as does {@code #} at the start of a line.</li>
 * <li>Forced failures take the place of a type: {@code broken.test SERVFAIL} answers
 *     rcode 2, {@code closed.test REFUSED} rcode 5, and {@code slow.test TIMEOUT} never
 *     answers (the query is read, counted and dropped). They apply to the name for every
 *     type, and also when the name is reached through a CNAME.</li>
 * </ul>
 *
 * <h2>Answers</h2>
 * Records of the asked type, after following CNAMEs inside the zone (each CNAME goes in the
 * answer section); NOERROR with an empty answer (NODATA) when the name exists without that
 * type; NXDOMAIN for names with neither records nor descendants. Negative answers carry
 * the SOA of the closest enclosing name that has one, its TTL lowered to the SOA minimum
 * (RFC 2308 section 3). Answers are authoritative (AA) and claim recursion (RA). A UDP
 * answer larger than 512 bytes, or than the query's EDNS payload size (at most
 * {@value TestZone#EDNS_PAYLOAD}), is truncated with TC set, so clients retry over TCP.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start("""
 *         example.test 300 MX 10 mx.example.test
 *         mx.example.test A 192.0.2.25
 *         """)) {
 *     Resolver r = new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofSeconds(2));
 *     ...
 *     assertThat(dns.queryCount()).isEqualTo(1);
 * }
 * }</pre>
 * The zone is fixed for the life of the server. Queries are served on virtual threads;
 * {@link #close()} closes the sockets and waits briefly for those threads to end.
 */
public final class TestDnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TestDnsServer.class);
    /** RFC 1035 section 4.2.1: UDP answers are limited to 512 bytes unless EDNS says more. */
    private static final int CLASSIC_UDP_SIZE = 512;
    private static final int BIND_ATTEMPTS = 20;

    private final TestZone zone;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger queries = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> queriesByName = new ConcurrentHashMap<>();
    private final Thread udpThread;
    private final Thread tcpThread;
    private volatile boolean closed;

    private TestDnsServer(TestZone zone) throws IOException {
        this.zone = zone;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        DatagramSocket u = null;
        ServerSocket t = null;
        // UDP gets an ephemeral port; TCP must take the same number, which may be in use: retry.
        for (int i = 0; i < BIND_ATTEMPTS && t == null; i++) {
            u = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                t = new ServerSocket(u.getLocalPort(), 50, loopback);
            } catch (BindException e) {
                u.close();
            }
        }
        if (t == null) throw new BindException("no port free for both UDP and TCP after " + BIND_ATTEMPTS + " attempts");
        this.udp = u;
        this.tcp = t;
        this.udpThread = Thread.ofVirtual().name("test-dns-udp-" + port()).start(this::serveUdp);
        this.tcpThread = Thread.ofVirtual().name("test-dns-tcp-" + port()).start(this::acceptTcp);
        log.debug("test DNS server listening on 127.0.0.1:{}", port());
    }

    /** Starts a server for the given zone text (format in the class comment). */
    public static TestDnsServer start(String zoneText) throws IOException {
        return new TestDnsServer(TestZone.parse(zoneText));
    }

    /** Starts a server for a zone file (UTF-8, format in the class comment). */
    public static TestDnsServer start(Path zoneFile) throws IOException {
        return start(Files.readString(zoneFile));
    }

    /** The port, the same for UDP and TCP. */
    public int port() { return udp.getLocalPort(); }

    /** "127.0.0.1:port", as {@link DnsjavaResolver} and the dns_servers parameter take it. */
    public String serverSpec() { return "127.0.0.1:" + port(); }

    /** Queries received so far over UDP and TCP, dropped ones (TIMEOUT names) included. */
    public int queryCount() { return queries.get(); }

    /** Queries received so far for one name (any type, case-insensitive, trailing dot optional). */
    public int queryCount(String name) {
        AtomicInteger n = queriesByName.get(key(name));
        return n == null ? 0 : n.get();
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    /** Parses a query; null (and the datagram dropped) if malformed: there is no ID worth answering to. */
    private static Message parse(byte[] wire, String transport) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            log.debug("test DNS: dropping malformed {} query: {}", transport, e.getMessage());
            return null;
        }
    }

    /** Counts the query and returns its response, or null to send nothing. */
    private Message handle(Message query, String transport) {
        queries.incrementAndGet();
        if (query.getQuestion() != null) {
            Name qname = query.getQuestion().getName();
            queriesByName.computeIfAbsent(key(qname.toString()), k -> new AtomicInteger()).incrementAndGet();
        }
        Message response = zone.respond(query);
        log.debug("test DNS {}: {} -> {}", transport, query.getQuestion(),
                response == null ? "dropped" : Rcode.string(response.getRcode()));
        return response;
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
                byte[] wire = Arrays.copyOfRange(p.getData(), p.getOffset(), p.getOffset() + p.getLength());
                Message query = parse(wire, "udp");
                Message response = query == null ? null : handle(query, "udp");
                if (response == null) continue;
                int limit = CLASSIC_UDP_SIZE;
                if (query.getOPT() != null) {
                    limit = Math.max(CLASSIC_UDP_SIZE, Math.min(query.getOPT().getPayloadSize(), TestZone.EDNS_PAYLOAD));
                }
                // toWire(limit) drops whole records that do not fit and sets TC (RFC 2181 section 9).
                byte[] out = response.toWire(limit);
                udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (!closed) log.warn("test DNS udp: {}", e.toString());
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                connections.add(s);
                Thread.ofVirtual().name("test-dns-tcp-conn").start(() -> serveTcp(s));
            } catch (IOException e) {
                if (!closed) log.warn("test DNS tcp accept: {}", e.toString());
            }
        }
    }

    /** RFC 1035 section 4.2.2 / RFC 7766: two-byte length prefix, several queries per connection. */
    private void serveTcp(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (!closed) {
                int len;
                try {
                    len = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] wire = new byte[len];
                in.readFully(wire);
                Message query = parse(wire, "tcp");
                Message response = query == null ? null : handle(query, "tcp");
                if (response == null) continue;
                byte[] bytes = response.toWire();
                out.writeShort(bytes.length);
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            if (!closed) log.debug("test DNS tcp connection: {}", e.toString());
        } finally {
            connections.remove(s);
        }
    }

    /** Closes both sockets and every open TCP connection, then waits up to a second per thread. */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (Socket s : List.copyOf(connections)) {
                try {
                    s.close();
                } catch (IOException e) {
                    log.debug("test DNS: closing connection: {}", e.toString());
                }
            }
        }
        try {
            udpThread.join(1000);
            tcpThread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
