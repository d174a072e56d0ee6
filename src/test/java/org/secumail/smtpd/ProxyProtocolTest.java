// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.transcript.PostfixInstance;

/**
 * smtpd_upstream_proxy_protocol = haproxy: the client named by a v1 or v2 header is the client
 * for logging and access control; a LOCAL v2 header (a health check) keeps the socket's
 * endpoints; a malformed header, "UNKNOWN" or silence ends the session with "421 4.3.0 ...
 * Server local error". The same conversations against a real Postfix 3.7 with the same
 * setting give the same replies (skipped when no private Postfix can run here, failed under
 * CI=true).
 */
class ProxyProtocolTest {
    @TempDir
    static Path dir;

    private static Server secumail;
    private static PostfixInstance postfix;
    private static int postfixPort;

    private static final String MAIN = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
            "mydestination = example.test", "mynetworks = 127.0.0.0/8", "inet_protocols = ipv4", "smtpd_peername_lookup = no",
            "alias_maps =",
            "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination", "");

    @BeforeAll
    static void start() throws Exception {
        Path d = dir.resolve("secumail");
        secumail = Server.start(MainConfig.fromText(MAIN + String.join("\n", "smtpd_upstream_proxy_protocol = haproxy",
                "smtpd_upstream_proxy_timeout = 2s", "queue_directory = " + d.resolve("queue"),
                "data_directory = " + d.resolve("data"), "local_recipient_maps = inline:{ user1=ok }", ""), "main.cf", d),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        String why = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        if (why == null) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                postfixPort = s.getLocalPort();
            }
            postfix = PostfixInstance.start(PostfixInstance.defaultScript(), MAIN + "alias_database =\n",
                    "127.0.0.1:" + postfixPort + " inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy"
                    + " -o smtpd_upstream_proxy_timeout=2s\n");
        }
    }

    @AfterAll
    static void stop() {
        if (secumail != null) secumail.close();
        if (postfix != null) postfix.close();
    }

    static byte[] v2(int command, byte[] src, byte[] dst, int sport, int dport) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.write(0x20 | command);
        b.write(src.length == 4 ? 0x11 : 0x21);
        int len = src.length * 2 + 4 + 3;   // with one 3-octet TLV (PP2_TYPE_NOOP, empty), to be skipped
        b.write(len >> 8);
        b.write(len & 0xff);
        b.writeBytes(src);
        b.writeBytes(dst);
        b.write(sport >> 8);
        b.write(sport & 0xff);
        b.write(dport >> 8);
        b.write(dport & 0xff);
        b.writeBytes(new byte[] {0x04, 0x00, 0x00});
        return b.toByteArray();
    }

    /** The header, then each command; every reply's last line, 220/221 lines cut to the code, "(closed)" at the end. */
    static List<String> converse(int port, byte[] header, String... commands) throws Exception {
        List<String> got = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(header);
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            List<String> all = new ArrayList<>(List.of(commands));
            all.add(0, null);
            for (String c : all) {
                if (c != null) {
                    try {
                        s.getOutputStream().write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    } catch (java.net.SocketException e) {
                        got.add("(closed)");
                        return got;
                    }
                }
                String l;
                do {
                    try {
                        l = in.readLine();
                    } catch (java.net.SocketException e) {
                        l = null;
                    }
                    if (l == null) {
                        got.add("(closed)");
                        return got;
                    }
                } while (l.length() > 3 && l.charAt(3) == '-');
                got.add(l.startsWith("220 ") || c != null && c.startsWith("EHLO") ? l.substring(0, 4) : l);
            }
            try {
                got.add(in.readLine() == null ? "(closed)" : "(open)");
            } catch (java.net.SocketException e) {
                got.add("(closed)");
            }
        }
        return got;
    }

    private static List<String> sameFromBoth(byte[] header, String... commands) throws Exception {
        List<String> ours = converse(secumail.listeners().get(0).port(), header, commands);
        if (postfix != null) {
            long mark = postfix.maillogSize();
            assertThat(ours).as("Postfix's log:\n" + postfix.maillogSince(mark)).isEqualTo(converse(postfixPort, header, commands));
        }
        return ours;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theProxiedClientIsTheClientForRelayControl() throws Exception {
        String[] relay = {"EHLO c.example", "MAIL FROM:<a@c.example>", "RCPT TO:<x@elsewhere.example>", "QUIT"};
        try (LogCapture log = new LogCapture("secumail.smtpd")) {
            assertThat(sameFromBoth(ascii("PROXY TCP4 192.0.2.10 127.0.0.1 40000 25\r\n"), relay))
                    .containsExactly("220 ", "250 ", "250 2.1.0 Ok", "554 5.7.1 <x@elsewhere.example>: Relay access denied", "221 2.0.0 Bye",
                            "(closed)");
            assertThat(log.lines()).anyMatch(l -> l.contains("connect from unknown[192.0.2.10]"));
        }
        assertThat(sameFromBoth(ascii("PROXY TCP4 127.0.0.20 127.0.0.1 40000 25\r\n"), relay)).contains("250 2.1.5 Ok");
        // inet_protocols = ipv4: an IPv6 client is refused, as Postfix does
        assertThat(sameFromBoth(ascii("PROXY TCP6 2001:db8::7 ::1 40000 25\r\n"), relay))
                .containsExactly("421 4.3.0 mx.example.test Server local error", "(closed)");
        assertThat(sameFromBoth(v2(1, new byte[] {(byte) 192, 0, 2, 11}, new byte[] {127, 0, 0, 1}, 40001, 25), relay))
                .contains("554 5.7.1 <x@elsewhere.example>: Relay access denied");
        assertThat(sameFromBoth(v2(1, new byte[] {127, 0, 0, 21}, new byte[] {127, 0, 0, 1}, 40001, 25), relay)).contains("250 2.1.5 Ok");
        // LOCAL: the balancer's own health check, the socket's endpoints (loopback: mynetworks)
        assertThat(sameFromBoth(v2(0, new byte[] {(byte) 192, 0, 2, 12}, new byte[] {127, 0, 0, 1}, 40001, 25), relay))
                .contains("250 2.1.5 Ok");
    }

    @Test
    void aBadOrMissingHeaderEndsTheSession() throws Exception {
        String local = "421 4.3.0 mx.example.test Server local error";
        for (String bad : List.of("PROXY UNKNOWN\r\n", "PROXY TCP4 192.0.2.300 127.0.0.1 1 25\r\n", "PROXY TCP4 192.0.2.1 127.0.0.1 1\r\n",
                "PROXY TCP6 192.0.2.1 127.0.0.1 1 25\r\n", "EHLO no.proxy.example\r\n")) {
            assertThat(sameFromBoth(ascii(bad), "QUIT")).as(bad).containsExactly(local, "(closed)");
        }
        try (LogCapture log = new LogCapture("secumail.smtpd")) {
            assertThat(converse(secumail.listeners().get(0).port(), new byte[0])).as("silence").containsExactly(local, "(closed)");
            assertThat(log.lines()).anyMatch(l -> l.contains("warning: haproxy read: timeout error"));
        }
    }

    @Test
    void parsesWhatHaproxySends() throws Exception {
        var e = ProxyProtocol.parseV1("PROXY TCP6 ::ffff:192.0.2.5 2001:db8::1 1234 25\r\n", null);
        assertThat(e.client().getAddress().getHostAddress()).isEqualTo("192.0.2.5");
        assertThat(e.client().getPort()).isEqualTo(1234);
        assertThat(e.server().getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
        byte[] h = v2(1, new byte[] {(byte) 198, 51, 100, 7}, new byte[] {10, 0, 0, 1}, 65535, 587);
        var f = ProxyProtocol.parseV2(h, h.length - 16, null);
        assertThat(f.client()).isEqualTo(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 65535));
        assertThat(f.server().getPort()).isEqualTo(587);
    }
}
