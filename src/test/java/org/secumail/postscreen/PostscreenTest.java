// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;
import org.secumail.smtpd.LogCapture;

/**
 * postscreen in front of smtpd (master.cf "postscreen" + "smtpd pass"), with clients on
 * several loopback addresses and DNS lists on a test DNS server: a pre-greeting bot, a client
 * listed on two weighted lists above the threshold, one below it (PASS NEW, then PASS OLD),
 * the drop action, and an allowlisted client that skips the tests.
 */
class PostscreenTest {
    @TempDir
    Path dir;

    private Server server;
    private TestDnsServer dns;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (dns != null) dns.close();
    }

    private int start(String... extra) throws Exception {
        dns = TestDnsServer.start(String.join("\n",
                "bl1.test SOA ns.bl1.test hostmaster.bl1.test 1 3600 600 86400 60",
                "bl2.test SOA ns.bl2.test hostmaster.bl2.test 1 3600 600 86400 60",
                "2.0.0.127.bl1.test A 127.0.0.2", "2.0.0.127.bl2.test A 127.0.0.2",
                "4.0.0.127.bl2.test A 127.0.0.2", ""));
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.9/32", "local_recipient_maps = inline:{ user1=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s",
                "smtpd_peername_lookup = no", "postscreen_greet_wait = 1s",
                "postscreen_dnsbl_sites = bl1.test*2, bl2.test*1", "postscreen_dnsbl_threshold = 3",
                String.join("\n", extra), "");
        String master = "127.0.0.1:0 inet n - n - 1 postscreen\nsmtpd pass - - n - - smtpd\n  -o smtpd_helo_required=yes\n";
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse(master, "master.cf", 100));
        return server.listeners().get(0).port();
    }

    private static Socket connect(int port, String source) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private static String line(BufferedReader in) throws Exception {
        return in.readLine();
    }

    private static void send(OutputStream out, String text) throws Exception {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void aPregreetingBotIsRefusedByTheDummyEngine() throws Exception {
        int port = start("postscreen_greet_action = enforce");
        try (LogCapture log = new LogCapture("secumail.postscreen"); Socket s = connect(port, "127.0.0.5")) {
            OutputStream out = s.getOutputStream();
            send(out, "EHLO bot.example");   // before the banner
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("220-mx.example.test ESMTP SecuMail");
            // no "220 " line for a client that talked first, as postscreen
            assertThat(line(in)).isEqualTo("250-mx.example.test");
            while (line(in).startsWith("250-")) { }
            send(out, "MAIL FROM:<bot@spam.example>");
            assertThat(line(in)).isEqualTo("250 2.1.0 Ok");
            send(out, "RCPT TO:<user1@example.test>");
            assertThat(line(in)).isEqualTo("550 5.5.1 Protocol error");
            send(out, "QUIT");
            assertThat(line(in)).isEqualTo("221 2.0.0 Bye");
            assertThat(log.await(l -> l.matches("PREGREET 18 after \\S+ from \\[127.0.0.5\\]:\\d+: EHLO bot.example\\\\r\\\\n"),
                    java.time.Duration.ofSeconds(5))).isNotNull();
            assertThat(log.lines()).anyMatch(l -> l.matches("NOQUEUE: reject: RCPT from \\[127.0.0.5\\]:\\d+: 550 5.5.1 Protocol error; "
                    + "from=<bot@spam.example>, to=<user1@example.test>, proto=ESMTP, helo=<bot.example>"));
        }
    }

    @Test
    void weightedListsAboveTheThresholdAreRefusedBelowItPassAndAreRemembered() throws Exception {
        int port = start("postscreen_dnsbl_action = enforce");
        try (LogCapture log = new LogCapture("secumail.postscreen")) {
            try (Socket s = connect(port, "127.0.0.2")) {   // on bl1 (2) and bl2 (1): rank 3
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).startsWith("220-");
                assertThat(line(in)).startsWith("220 ");
                send(s.getOutputStream(), "HELO listed.example");
                assertThat(line(in)).isEqualTo("250 mx.example.test");
                send(s.getOutputStream(), "MAIL FROM:<a@listed.example>");
                line(in);
                send(s.getOutputStream(), "RCPT TO:<user1@example.test>");
                assertThat(line(in)).isEqualTo("550 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl1.test");
            }
            assertThat(log.lines()).anyMatch(l -> l.matches("DNSBL rank 3 for \\[127.0.0.2\\]:\\d+"));
            for (int round = 0; round < 2; round++) {
                try (Socket s = connect(port, "127.0.0.4")) {   // on bl2 only: rank 1, below the threshold
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    if (round == 0) assertThat(line(in)).isEqualTo("220-mx.example.test ESMTP SecuMail");
                    assertThat(line(in)).as("smtpd's own greeting line").isEqualTo("220 mx.example.test ESMTP SecuMail");
                    send(s.getOutputStream(), "HELO fine.example");
                    assertThat(line(in)).isEqualTo("250 mx.example.test");
                    send(s.getOutputStream(), "MAIL FROM:<a@fine.example>");
                    assertThat(line(in)).isEqualTo("250 2.1.0 Ok");
                    send(s.getOutputStream(), "RCPT TO:<user1@example.test>");
                    assertThat(line(in)).isEqualTo("250 2.1.5 Ok");
                }
            }
            assertThat(log.lines()).anyMatch(l -> l.matches("PASS NEW \\[127.0.0.4\\]:\\d+"))
                    .anyMatch(l -> l.matches("PASS OLD \\[127.0.0.4\\]:\\d+"));
        }
    }

    @Test
    void dropAndAllowlist() throws Exception {
        int port = start("postscreen_greet_action = drop", "postscreen_access_list = permit_mynetworks, inline:{ 127.0.0.7=permit }");
        try (LogCapture log = new LogCapture("secumail.postscreen")) {
            try (Socket s = connect(port, "127.0.0.6")) {
                send(s.getOutputStream(), "EHLO eager.example");
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).startsWith("220-");
                assertThat(line(in)).isEqualTo("521 5.5.1 Protocol error");
                assertThat(line(in)).as("closed").isNull();
            }
            try (Socket s = connect(port, "127.0.0.7")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).as("no greet test: smtpd at once").isEqualTo("220 mx.example.test ESMTP SecuMail");
            }
            assertThat(log.lines()).anyMatch(l -> l.matches("ALLOWLISTED \\[127.0.0.7\\]:\\d+"))
                    .anyMatch(l -> l.matches("DISCONNECT \\[127.0.0.6\\]:\\d+"));
        }
    }

    private static java.util.List<String> replies(BufferedReader in, int n) throws Exception {
        java.util.List<String> got = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String l;
            do {
                l = line(in);
                if (l == null) return got;
                got.add(l);
            } while (l.length() > 3 && l.charAt(3) == '-');
        }
        return got;
    }

    @Test
    void deepTestsPassOnceAreRememberedAcrossARestartAndCatchBots() throws Exception {
        String[] deep = {"postscreen_pipelining_enable = yes", "postscreen_non_smtp_command_enable = yes",
            "postscreen_bare_newline_enable = yes", "postscreen_bare_newline_action = enforce"};
        int port = start(deep);
        try (LogCapture log = new LogCapture("secumail.postscreen")) {
            try (Socket s = connect(port, "127.0.0.4")) {   // on bl2 only: below the threshold
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(replies(in, 1)).containsExactly("220-mx.example.test ESMTP SecuMail", "220 mx.example.test ESMTP SecuMail");
                send(s.getOutputStream(), "EHLO good.example");
                assertThat(replies(in, 1)).startsWith("250-mx.example.test").doesNotContain("250-PIPELINING");
                send(s.getOutputStream(), "MAIL FROM:<a@good.example>");
                send(s.getOutputStream(), "RCPT TO:<user1@example.test>");
                assertThat(replies(in, 2)).containsExactly("250 2.1.0 Ok", "450 4.3.2 Service currently unavailable");
                send(s.getOutputStream(), "QUIT");
                assertThat(replies(in, 1)).containsExactly("221 2.0.0 Bye");
            }
            assertThat(log.await(l -> l.matches("PASS NEW \\[127.0.0.4\\]:\\d+"), java.time.Duration.ofSeconds(5))).isNotNull();
            try (Socket s = connect(port, "127.0.0.3")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                replies(in, 1);
                s.getOutputStream().write("EHLO bot.example\r\nMAIL FROM:<a@bot.example>\r\nRCPT TO:<user1@example.test>\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(replies(in, 3)).endsWith("550 5.5.1 Protocol error");
            }
            try (Socket s = connect(port, "127.0.0.6")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                replies(in, 1);
                send(s.getOutputStream(), "POST /cgi-bin/x HTTP/1.1");
                assertThat(replies(in, 1)).containsExactly("521 5.7.0 Error: I can break rules, too. Goodbye.");
            }
            assertThat(log.await(l -> l.matches("NON-SMTP COMMAND from \\[127.0.0.6\\]:\\d+ after CONNECT: POST /cgi-bin/x HTTP/1.1"),
                    java.time.Duration.ofSeconds(5))).isNotNull();
            assertThat(log.lines()).anyMatch(l -> l.matches("COMMAND PIPELINING from \\[127.0.0.3\\]:\\d+ after EHLO: MAIL FROM:.*"))
                    .noneMatch(l -> l.contains("PASS NEW [127.0.0.3]") || l.contains("PASS NEW [127.0.0.6]"));
        }
        server.close();
        dns.close();
        port = start(deep);
        try (LogCapture log = new LogCapture("secumail.postscreen"); Socket s = connect(port, "127.0.0.4")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(line(in)).as("remembered: smtpd at once").isEqualTo("220 mx.example.test ESMTP SecuMail");
            send(s.getOutputStream(), "HELO good.example");
            assertThat(line(in)).isEqualTo("250 mx.example.test");
            assertThat(log.lines()).anyMatch(l -> l.matches("PASS OLD \\[127.0.0.4\\]:\\d+"));
        }
    }

    @Test
    void tooManyConnectionsFromOneAddress() throws Exception {
        int port = start("postscreen_client_connection_count_limit = 1");
        try (LogCapture log = new LogCapture("secumail.postscreen"); Socket first = connect(port, "127.0.0.4")) {
            BufferedReader in1 = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(line(in1)).startsWith("220-");
            try (Socket second = connect(port, "127.0.0.4")) {
                BufferedReader in2 = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in2)).isEqualTo("421 4.7.0 Error: too many connections");
                assertThat(line(in2)).isNull();
            }
            assertThat(log.lines()).anyMatch(l -> l.matches("NOQUEUE: reject: CONNECT from \\[127.0.0.4\\]:\\d+: too many connections"));
            try (Socket other = connect(port, "127.0.0.8")) {
                BufferedReader in3 = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in3)).as("another address is unaffected").startsWith("220-");
            }
        }
    }

    @Test
    void behindAnHaproxyTheProxiedClientIsScreened() throws Exception {
        int port = start("postscreen_upstream_proxy_protocol = haproxy", "postscreen_dnsbl_action = drop");
        try (LogCapture log = new LogCapture("secumail.postscreen"); LogCapture smtpd = new LogCapture("secumail.smtpd")) {
            try (Socket s = connect(port, "127.0.0.1")) {
                s.getOutputStream().write("PROXY TCP4 127.0.0.2 127.0.0.1 4000 25\r\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).startsWith("220-");
                assertThat(line(in)).isEqualTo("521 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl1.test");
            }
            assertThat(log.lines()).anyMatch(l -> l.startsWith("CONNECT from [127.0.0.2]:4000 to [127.0.0.1]:25"));
            try (Socket s = connect(port, "127.0.0.1")) {
                s.getOutputStream().write("PROXY TCP4 127.0.0.4 127.0.0.1 4001 25\r\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).startsWith("220-");
                assertThat(line(in)).isEqualTo("220 mx.example.test ESMTP SecuMail");
                send(s.getOutputStream(), "QUIT");
                assertThat(line(in)).isEqualTo("221 2.0.0 Bye");
            }
            assertThat(smtpd.lines()).anyMatch(l -> l.matches("connect from \\S+\\[127.0.0.4\\]"));
            try (Socket s = connect(port, "127.0.0.1")) {
                s.getOutputStream().write("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(line(in)).isEqualTo("421 4.3.2 No system resources");
            }
            assertThat(log.lines()).anyMatch(l -> l.startsWith("warning: haproxy read: bad or missing protocol type"));
        }
    }

    @Test
    void aClientThatWantsTlsPassesTheDeepTestsInsideIt() throws Exception {
        int port = start("postscreen_pipelining_enable = yes", "smtpd_tls_security_level = may");
        javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
        trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
        }}, null);
        try (LogCapture log = new LogCapture("secumail.postscreen"); Socket s = connect(port, "127.0.0.11")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(replies(in, 1)).endsWith("220 mx.example.test ESMTP SecuMail");
            send(s.getOutputStream(), "EHLO tls.example");
            assertThat(replies(in, 1)).contains("250-STARTTLS").doesNotContain("250-PIPELINING");
            send(s.getOutputStream(), "STARTTLS");
            assertThat(replies(in, 1)).containsExactly("220 2.0.0 Ready to start TLS");
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory().createSocket(s, "127.0.0.1", port, true);
            tls.startHandshake();
            BufferedReader tin = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            send(tls.getOutputStream(), "EHLO tls.example");
            assertThat(replies(tin, 1)).doesNotContain("250-STARTTLS");
            send(tls.getOutputStream(), "MAIL FROM:<a@tls.example>");
            send(tls.getOutputStream(), "RCPT TO:<user1@example.test>");
            assertThat(replies(tin, 2)).containsExactly("250 2.1.0 Ok", "450 4.3.2 Service currently unavailable");
            send(tls.getOutputStream(), "QUIT");
            assertThat(replies(tin, 1)).containsExactly("221 2.0.0 Bye");
            assertThat(log.await(l -> l.matches("PASS NEW \\[127.0.0.11\\]:\\d+"), java.time.Duration.ofSeconds(5))).isNotNull();
            assertThat(log.lines()).anyMatch(l -> l.startsWith("Anonymous TLS connection established from [127.0.0.11]"));
        }
    }
}
