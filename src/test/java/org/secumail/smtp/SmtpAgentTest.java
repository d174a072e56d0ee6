// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.DeliveryResult.Status;
import org.secumail.queue.DsnAttributes;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueuedMessage;

/** The smtp(8) agent against scripted servers on loopback and the test DNS server. */
class SmtpAgentTest {
    private static final String ZONE = """
            multi.test MX 10 mx1.multi.test
            multi.test MX 20 mx2.multi.test
            mx1.multi.test A 127.0.0.2
            mx2.multi.test A 127.0.0.1
            refused.test MX 10 mx1.refused.test
            refused.test MX 20 mx2.refused.test
            mx1.refused.test A 127.0.0.3
            mx2.refused.test A 127.0.0.1
            nullmx.test MX 0 .
            loop.test MX 10 me.sender.test
            implicit.test A 127.0.0.1
            """;

    @TempDir
    Path dir;
    TestDnsServer dns;
    final List<AutoCloseable> closeMe = new ArrayList<>();

    @BeforeEach
    void startDns() throws Exception {
        dns = TestDnsServer.start(ZONE);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeMe) c.close();
        dns.close();
    }

    private SmtpAgent agent(String... extra) {
        String main = "myhostname = me.sender.test\nsmtp_helo_timeout = 2s\nsmtp_connect_timeout = 2s\n" + String.join("\n", extra) + "\n";
        MainConfig cfg = MainConfig.fromText(main, "main.cf", dir);
        SmtpAgent a = new SmtpAgent(ClientSettings.fromConfig(cfg, false),
                new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofSeconds(2)), SaslLogin.fromConfig(cfg), new Random(1));
        closeMe.add(a);
        return a;
    }

    private ScriptedSmtpServer server(java.util.function.Function<String, String> f) throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer(f);
        closeMe.add(s);
        return s;
    }

    private QueuedMessage message(String content, Map<String, String> attrs, String... rcpts) throws Exception {
        Path file = Files.createTempFile(dir, "msg", ".msg");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        List<QueuedMessage.Recipient> rs = new ArrayList<>();
        for (int i = 0; i < rcpts.length; i++) rs.add(new QueuedMessage.Recipient(i, rcpts[i]));
        Envelope env = new Envelope("sender@sender.test", List.of(rcpts), Instant.now(), attrs);
        return new QueuedMessage(QueueId.next(), "active", env, rs, Map.of(), file, file, Files.size(file));
    }

    private static List<DeliveryResult> send(SmtpAgent a, QueuedMessage m, String nexthop) {
        return a.deliver(m, nexthop, m.pending(), m::openContent);
    }

    @Test
    void pipelinedTransactionWithSizeDsnDotStuffingAndCrlf() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m = message("Subject: t\r\n\r\n.dot line\nbare lf\rbare cr\r\nlast", Map.of(DsnAttributes.RET, "HDRS",
                DsnAttributes.ENVID, "id+1=x", DsnAttributes.notify(0), "SUCCESS,FAILURE", DsnAttributes.orcpt(0), "rfc822;a@dest.test"),
                "a@dest.test", "b@dest.test");
        List<DeliveryResult> r = send(agent(), m, "[127.0.0.1]:" + srv.port());
        String relay = "127.0.0.1[127.0.0.1]:" + srv.port();
        assertThat(r).containsExactly(DeliveryResult.sent("2.0.0", relay, "250 2.0.0 Ok: queued as ABC123"),
                DeliveryResult.sent("2.0.0", relay, "250 2.0.0 Ok: queued as ABC123"));
        assertThat(srv.lines).contains("EHLO me.sender.test",
                "MAIL FROM:<sender@sender.test> SIZE=" + m.size() + " RET=HDRS ENVID=id+2B1+3Dx",
                "RCPT TO:<a@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@dest.test", "RCPT TO:<b@dest.test>", "DATA");
        assertThat(srv.batchedReads.get()).as("MAIL, RCPT and DATA in one write").isPositive();
        String raw = new String(srv.rawData.get(0), StandardCharsets.ISO_8859_1);
        assertThat(raw).isEqualTo("Subject: t\r\n\r\n..dot line\r\nbare lf\r\nbare cr\r\nlast\r\n.\r\n");
    }

    @Test
    void eachRecipientGetsItsOwnReplyAndFiveHundredDoesNotTryAnotherServer() throws Exception {
        ScriptedSmtpServer srv = server(c -> {
            if (c.startsWith("RCPT TO:<bad@")) return "550 5.1.1 <bad@dest.test>: Recipient address rejected: User unknown";
            if (c.startsWith("RCPT TO:<soft@")) return "450 4.2.0 <soft@dest.test>: Recipient address rejected: Greylisted";
            return ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 PIPELINING");
        });
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "bad@dest.test", "ok@dest.test", "soft@dest.test");
        List<DeliveryResult> r = send(agent(), m, "[127.0.0.1]:" + srv.port());
        String host = "127.0.0.1[127.0.0.1]";
        assertThat(r.get(0)).isEqualTo(DeliveryResult.bounced("5.1.1", host + ":" + srv.port(), "host " + host
                + " said: 550 5.1.1 <bad@dest.test>: Recipient address rejected: User unknown (in reply to RCPT TO command)"));
        assertThat(r.get(1).status()).isEqualTo(Status.SENT);
        assertThat(r.get(2).status()).isEqualTo(Status.DEFERRED);
        assertThat(r.get(2).dsn()).isEqualTo("4.2.0");
        assertThat(srv.connections.get()).isEqualTo(1);
        assertThat(srv.lines.stream().filter(l -> l.startsWith("MAIL")).toList()).containsExactly("MAIL FROM:<sender@sender.test>");
    }

    @Test
    void tooBigForTheServersSizeBouncesWithoutSending() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 SIZE 10"));
        QueuedMessage m = message("Subject: big\r\n\r\nmore than ten bytes\r\n", Map.of(), "a@dest.test");
        List<DeliveryResult> r = send(agent(), m, "[127.0.0.1]:" + srv.port());
        assertThat(r.get(0).status()).isEqualTo(Status.BOUNCED);
        assertThat(r.get(0).dsn()).isEqualTo("5.3.4");
        assertThat(r.get(0).text()).isEqualTo("message size " + m.size() + " exceeds size limit 10 of server 127.0.0.1[127.0.0.1]");
        assertThat(srv.lines).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void heloFallbackWhenEhloIsRefused() throws Exception {
        ScriptedSmtpServer srv = server(c -> c.startsWith("EHLO") ? "502 5.5.2 Error: command not recognized"
                : ScriptedSmtpServer.standard(c, ""));
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test");
        assertThat(send(agent(), m, "[127.0.0.1]:" + srv.port()).get(0).status()).isEqualTo(Status.SENT);
        assertThat(srv.lines).contains("HELO me.sender.test", "MAIL FROM:<sender@sender.test>");
    }

    @Test
    void busyGreetingOnTheBestMxMovesToTheNextOne() throws Exception {
        ScriptedSmtpServer good = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        ScriptedSmtpServer busy = new ScriptedSmtpServer("127.0.0.2", good.port(),
                c -> c.equals("CONNECT") ? "421 4.3.2 mx1 busy, try later" : ScriptedSmtpServer.standard(c, ""));
        closeMe.add(busy);
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@multi.test");
        List<DeliveryResult> r = send(agent(), m, "multi.test:" + good.port());
        assertThat(busy.connections.get()).isEqualTo(1);
        assertThat(r.get(0)).isEqualTo(DeliveryResult.sent("2.0.0", "mx2.multi.test[127.0.0.1]:" + good.port(),
                "250 2.0.0 Ok: queued as ABC123"));
    }

    @Test
    void refusedConnectionMovesToTheNextMxAndAllRefusedDefers() throws Exception {
        ScriptedSmtpServer good = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@refused.test");
        assertThat(send(agent(), m, "refused.test:" + good.port()).get(0).relay()).isEqualTo("mx2.refused.test[127.0.0.1]:" + good.port());
        good.close();
        DeliveryResult r = send(agent("smtp_connection_cache_time_limit = 0s"), m, "refused.test:" + good.port()).get(0);
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.relay()).isEqualTo("none");
        assertThat(r.text()).isEqualTo("connect to mx2.refused.test[127.0.0.1]:" + good.port() + ": Connection refused");
    }

    @Test
    void anUnreachableDestinationIsThrottledForMinimalBackoffTime() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();   // closed again: connections are refused
        }
        SmtpAgent a = agent("minimal_backoff_time = 60s");
        QueuedMessage m1 = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@dead.test");
        DeliveryResult first = send(a, m1, "[127.0.0.1]:" + port).get(0);
        assertThat(first.status()).isEqualTo(Status.DEFERRED);
        assertThat(first.text()).isEqualTo("connect to 127.0.0.1[127.0.0.1]:" + port + ": Connection refused");
        // Postfix's qmgr: the next message for the dead destination is deferred without a connection attempt
        ScriptedSmtpServer listening = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m2 = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "b@dead.test");
        DeliveryResult second = send(a, m2, "[127.0.0.1]:" + port).get(0);
        assertThat(second.status()).isEqualTo(Status.DEFERRED);
        assertThat(second.relay()).isEqualTo("none");
        assertThat(second.dsn()).isEqualTo(first.dsn());
        assertThat(second.text()).isEqualTo("delivery temporarily suspended: " + first.text());
        // other destinations are not affected
        assertThat(send(a, m2, "[127.0.0.1]:" + listening.port()).get(0).status()).isEqualTo(Status.SENT);
        // with minimal_backoff_time over, the destination is tried again
        SmtpAgent b = agent("minimal_backoff_time = 1s");
        send(b, m1, "[127.0.0.1]:" + port);
        Thread.sleep(1100);
        assertThat(send(b, m2, "[127.0.0.1]:" + port).get(0).text()).startsWith("connect to ");
    }

    @Test
    void nullMxBouncesAtOnceAndUnknownDomainBounces() throws Exception {
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@nullmx.test");
        assertThat(send(agent(), m, "nullmx.test").get(0))
                .isEqualTo(DeliveryResult.bounced("5.1.10", "none", "Domain nullmx.test does not accept mail (nullMX)"));
        DeliveryResult nx = send(agent(), m, "nowhere.test").get(0);
        assertThat(nx.status()).isEqualTo(Status.BOUNCED);
        assertThat(nx.dsn()).isEqualTo("5.4.4");
        assertThat(nx.text()).contains("Host or domain name not found. Name service error for name=nowhere.test type=MX");
    }

    @Test
    void mxPointingToOurselvesLoopsBack() throws Exception {
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@loop.test");
        assertThat(send(agent(), m, "loop.test").get(0))
                .isEqualTo(DeliveryResult.bounced("5.4.6", "none", "mail for loop.test loops back to myself"));
    }

    @Test
    void implicitMxUsesTheDomainsAddress() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@implicit.test");
        assertThat(send(agent(), m, "implicit.test:" + srv.port()).get(0).relay()).isEqualTo("implicit.test[127.0.0.1]:" + srv.port());
    }

    @Test
    void sessionIsReusedForTheNextMessageAfterRset() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        SmtpAgent a = agent("smtp_connection_cache_time_limit = 5s");
        for (int i = 0; i < 3; i++) {
            QueuedMessage m = message("Subject: " + i + "\r\n\r\nhi\r\n", Map.of(), "a@dest.test");
            assertThat(send(a, m, "[127.0.0.1]:" + srv.port()).get(0).status()).isEqualTo(Status.SENT);
        }
        assertThat(srv.connections.get()).isEqualTo(1);
        assertThat(srv.lines.stream().filter(l -> l.equals("RSET")).count()).isEqualTo(3);
        assertThat(a.idleSessions()).isEqualTo(1);
    }

    @Test
    void idleSessionIsClosedAfterTheCacheTimeLimit() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        SmtpAgent a = agent("smtp_connection_cache_time_limit = 1s");
        send(a, message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), "[127.0.0.1]:" + srv.port());
        assertThat(a.idleSessions()).isEqualTo(1);
        for (int i = 0; i < 50 && !srv.lines.contains("QUIT"); i++) Thread.sleep(100);
        assertThat(srv.lines).contains("QUIT");
        assertThat(a.idleSessions()).isZero();
    }

    @Test
    void silentServerTimesOutInTheGreetingStage() throws Exception {
        ScriptedSmtpServer srv = server(c -> c.equals("CONNECT") ? "" : ScriptedSmtpServer.standard(c, ""));
        long t0 = System.nanoTime();
        DeliveryResult r = send(agent("smtp_helo_timeout = 1s"), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"),
                "[127.0.0.1]:" + srv.port()).get(0);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.text()).isEqualTo("conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting");
    }

    @Test
    void hostileRepliesAreBounded() throws Exception {
        ScriptedSmtpServer longLine = server(c -> c.equals("CONNECT") ? "220 " + "x".repeat(5000) : ScriptedSmtpServer.standard(c, ""));
        DeliveryResult r = send(agent(), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), "[127.0.0.1]:" + longLine.port()).get(0);
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.text()).contains("reply line longer than 2048 bytes");
        ScriptedSmtpServer endless = server(c -> c.startsWith("EHLO") ? "250-x\r\n".repeat(500) + "250 x"
                : ScriptedSmtpServer.standard(c, ""));
        r = send(agent(), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), "[127.0.0.1]:" + endless.port()).get(0);
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.text()).contains("reply longer than 100 lines");
    }

    @Test
    void encryptWithoutStarttlsDefers() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        DeliveryResult r = send(agent("smtp_tls_security_level = encrypt"), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"),
                "[127.0.0.1]:" + srv.port()).get(0);
        assertThat(r).isEqualTo(DeliveryResult.deferred("4.7.4", "127.0.0.1[127.0.0.1]:" + srv.port(),
                "TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]"));
        assertThat(srv.lines).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void saslPlainWithThePasswordOfTheNextHop() throws Exception {
        ScriptedSmtpServer srv = server(c -> c.startsWith("AUTH PLAIN ") ? "235 2.7.0 Authentication successful"
                : ScriptedSmtpServer.standard(c, "250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING"));
        String hop = "[127.0.0.1]:" + srv.port();
        String[] cfg = {"smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = inline:{ " + hop + "=user:secret }"};
        // Postfix's default smtp_sasl_security_options refuses plaintext mechanisms outside TLS
        DeliveryResult refused = send(agent(cfg), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(refused.status()).isEqualTo(Status.DEFERRED);
        assertThat(refused.text()).startsWith("SASL authentication failed; cannot authenticate to server 127.0.0.1[127.0.0.1]: no mechanism available");
        assertThat(srv.lines).noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
        String[] plain = {cfg[0], cfg[1], "smtp_sasl_security_options = noanonymous"};
        assertThat(send(agent(plain), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0).status()).isEqualTo(Status.SENT);
        String b64 = java.util.Base64.getEncoder().encodeToString("\0user\0secret".getBytes(StandardCharsets.UTF_8));
        assertThat(srv.lines).contains("AUTH PLAIN " + b64);
    }

    /**
     * smtp_sender_dependent_authentication: the sender's password (by user@domain, then
     * @domain) before the next hop's, and a logged-in session is not reused for the next
     * message, which may come from another sender.
     */
    @Test
    void saslPasswordBySenderWhenSenderDependent() throws Exception {
        ScriptedSmtpServer srv = server(c -> c.startsWith("AUTH PLAIN ") ? "235 2.7.0 Authentication successful"
                : ScriptedSmtpServer.standard(c, "250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING"));
        String hop = "[127.0.0.1]:" + srv.port();
        String maps = "smtp_sasl_password_maps = inline:{ {@sender.test=brand:pw1}, {" + hop + "=relay:pw0} }";
        String b64brand = java.util.Base64.getEncoder().encodeToString("\0brand\0pw1".getBytes(StandardCharsets.UTF_8));
        String b64relay = java.util.Base64.getEncoder().encodeToString("\0relay\0pw0".getBytes(StandardCharsets.UTF_8));
        SmtpAgent bySender = agent("smtp_sasl_auth_enable = yes", maps, "smtp_sasl_security_options = noanonymous",
                "smtp_sender_dependent_authentication = yes");
        assertThat(send(bySender, message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0).status()).isEqualTo(Status.SENT);
        assertThat(send(bySender, message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0).status()).isEqualTo(Status.SENT);
        assertThat(srv.lines.stream().filter(l -> l.equals("AUTH PLAIN " + b64brand)).count()).isEqualTo(2);
        assertThat(srv.lines.stream().filter(l -> l.startsWith("EHLO")).count()).isEqualTo(2);
        srv.lines.clear();
        SmtpAgent byHop = agent("smtp_sasl_auth_enable = yes", maps, "smtp_sasl_security_options = noanonymous");
        assertThat(send(byHop, message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0).status()).isEqualTo(Status.SENT);
        assertThat(srv.lines).contains("AUTH PLAIN " + b64relay);
    }

    /**
     * smtp_header_checks and smtp_body_checks change the content while it is sent: a
     * submission's Received: header dropped (IGNORE), a Subject: rewritten (REPLACE), a body
     * line replaced; other lines, and the queued content, stay as they were.
     */
    @Test
    void smtpHeaderAndBodyChecksChangeTheContentOnItsWayOut() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("smtp_header_checks"), """
                /^Received: from .* with ESMTPSA/ IGNORE
                /^Subject: (.*)/ REPLACE Subject: [outgoing] $1
                """);
        java.nio.file.Files.writeString(dir.resolve("smtp_body_checks"), "/^secret line$/ REPLACE (removed)\n");
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 PIPELINING"));
        String content = "Received: from laptop (unknown [192.0.2.55]) by mx.sender.test with ESMTPSA id X1\r\n"
                + "Received: from mx.sender.test by relay.test with ESMTP id X2\r\n"
                + "Subject: hello\r\nFrom: a@sender.test\r\n\r\nfirst\r\nsecret line\r\n.dot\r\n";
        QueuedMessage m = message(content, Map.of(), "a@dest.test");
        DeliveryResult r = send(agent("smtp_header_checks = regexp:" + dir.resolve("smtp_header_checks"),
                "smtp_body_checks = regexp:" + dir.resolve("smtp_body_checks")), m, "[127.0.0.1]:" + srv.port()).get(0);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.SENT);
        String sent = srv.messages.get(0);
        assertThat(sent).doesNotContain("ESMTPSA").contains("Received: from mx.sender.test by relay.test with ESMTP id X2\r\n")
                .contains("Subject: [outgoing] hello\r\n").contains("\r\n\r\nfirst\r\n(removed)\r\n.dot\r\n");
        assertThat(java.nio.file.Files.readString(m.contentFile())).contains("ESMTPSA").contains("secret line");
    }

    /**
     * smtp_tls_policy_maps: the next hop's own level replaces smtp_tls_security_level
     * ("encrypt" for a server without STARTTLS defers); a level SecuMail cannot meet
     * (fingerprint) defers rather than send with less protection; other next hops keep the
     * default; keys: the next hop as written, then ".parent" domains.
     */
    @Test
    void tlsPolicyPerNextHop() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 PIPELINING"));
        String hop = "[127.0.0.1]:" + srv.port();
        DeliveryResult enc = send(agent("smtp_tls_policy_maps = inline:{ {" + hop + "=encrypt protocols=>=TLSv1.2} }"),
                message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(enc.status()).isEqualTo(Status.DEFERRED);
        assertThat(enc.text()).isEqualTo("TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]");
        DeliveryResult fp = send(agent("smtp_tls_policy_maps = inline:{ {" + hop + "=fingerprint match=AA:BB} }"),
                message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(fp.status()).isEqualTo(Status.DEFERRED);
        assertThat(fp.text()).contains("TLS policy \"fingerprint\" is not supported");
        assertThat(srv.lines).noneMatch(l -> l.startsWith("MAIL"));
        DeliveryResult other = send(agent("smtp_tls_policy_maps = inline:{ {[other.test]=encrypt} }"),
                message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(other.status()).isEqualTo(Status.SENT);
        assertThat(TlsPolicy.keys("mail.example.com")).containsExactly("mail.example.com", ".example.com", ".com");
        assertThat(TlsPolicy.keys("[mx.example.com]:587")).containsExactly("[mx.example.com]:587");
    }

    /**
     * smtp_generic_maps: the envelope sender, the recipients and the address headers of mail
     * that leaves are rewritten ("@domain" results keep the user); the queued copy is not.
     */
    @Test
    void smtpGenericMapsRewriteWhatLeaves() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 PIPELINING"));
        String maps = "smtp_generic_maps = inline:{ {sender@sender.test=public@example.net}, {@box.lan=@example.net} }";
        QueuedMessage m = message("From: Box <root@box.lan>\r\nTo: a@dest.test, b@box.lan\r\nSubject: s\r\n\r\nroot@box.lan\r\n",
                Map.of(), "a@dest.test", "b@box.lan");
        List<DeliveryResult> r = send(agent(maps), m, "[127.0.0.1]:" + srv.port());
        assertThat(r).extracting(DeliveryResult::status).containsOnly(Status.SENT);
        assertThat(srv.lines).contains("MAIL FROM:<public@example.net>").contains("RCPT TO:<a@dest.test>").contains("RCPT TO:<b@example.net>");
        assertThat(srv.messages.get(0)).contains("From: Box <root@example.net>\r\n").contains("To: a@dest.test, b@example.net\r\n")
                .endsWith("\r\n\r\nroot@box.lan\r\n");   // the body is not rewritten
        assertThat(java.nio.file.Files.readString(m.contentFile())).contains("From: Box <root@box.lan>");
    }

    @Test
    void saslPasswordLookupOrder() {
        assertThat(SaslLogin.keys("[relay.example]:587", "mx.relay.example", "dest.test"))
                .containsExactly("[relay.example]:587", "[relay.example]", "relay.example", "mx.relay.example", "dest.test");
        assertThat(SaslLogin.keys("example.com", "mx1.example.com", "example.com")).containsExactly("example.com", "mx1.example.com");
    }

    @Test
    void destinationConcurrencyIsLimited() throws Exception {
        DestinationGate gate = new DestinationGate(2, Duration.ZERO);
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger max = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ts.add(Thread.ofVirtual().start(() -> {
                try {
                    gate.acquire("dest.test");
                    max.accumulateAndGet(now.incrementAndGet(), Math::max);
                    Thread.sleep(50);
                    now.decrementAndGet();
                    gate.release("dest.test");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : ts) t.join(5000);
        assertThat(max.get()).isEqualTo(2);
        assertThat(gate.size()).isZero();
    }

    @Test
    void rateDelaySpacesDeliveries() throws Exception {
        DestinationGate gate = new DestinationGate(20, Duration.ofMillis(300));
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            gate.acquire("d");
            gate.release("d");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        Thread.sleep(350);
        gate.acquire("other");
        assertThat(gate.size()).as("the finished delay of \"d\" no longer holds an entry").isEqualTo(1);
        gate.release("other");
    }

    @Test
    void ipv6AddressLiteral() throws Exception {
        ScriptedSmtpServer srv;
        try {
            srv = new ScriptedSmtpServer("::1", 0, c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            return;
        }
        closeMe.add(srv);
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test");
        DeliveryResult r = send(agent(), m, "[ipv6:::1]:" + srv.port()).get(0);
        assertThat(r).isEqualTo(DeliveryResult.sent("2.0.0", "::1[::1]:" + srv.port(), "250 2.0.0 Ok: queued as ABC123"));
    }

    @Test
    void eightBitBodyAndUtf8Addresses() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m = message("Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n", Map.of(), "j\u00f6rg@dest.test");
        assertThat(send(agent(), m, "[127.0.0.1]:" + srv.port()).get(0).status()).isEqualTo(Status.SENT);
        assertThat(srv.lines).contains("MAIL FROM:<sender@sender.test> SIZE=" + m.size() + " BODY=8BITMIME SMTPUTF8",
                "RCPT TO:<j\u00f6rg@dest.test>");
        ScriptedSmtpServer old = server(c -> ScriptedSmtpServer.standard(c, "250-old.test\r\n250 PIPELINING"));
        DeliveryResult r = send(agent(), m, "[127.0.0.1]:" + old.port()).get(0);
        assertThat(r).isEqualTo(DeliveryResult.bounced("5.6.7", "127.0.0.1[127.0.0.1]:" + old.port(),
                "SMTPUTF8 is required, but was not offered by host 127.0.0.1[127.0.0.1]"));
        assertThat(old.lines).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void lostConnectionAfterTheDotDefersWithoutTryingTheNextServer() throws Exception {
        ScriptedSmtpServer mx2 = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        // mx1.multi.test (127.0.0.2, preference 10) drops the connection after the final "."
        ScriptedSmtpServer mx1 = new ScriptedSmtpServer("127.0.0.2", mx2.port(),
                c -> c.startsWith("DATA-END") ? null : ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        closeMe.add(mx1);
        QueuedMessage m = message("Subject: t\r\n\r\nhi\r\n", Map.of(), "a@multi.test");
        DeliveryResult r = send(agent(), m, "multi.test:" + mx2.port()).get(0);
        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.text()).isEqualTo("lost connection with mx1.multi.test[127.0.0.2] while sending end of data -- message may be sent more than once");
        assertThat(mx1.messages).hasSize(1);
        assertThat(mx2.connections.get()).as("the message may have arrived: no second copy").isZero();
    }

    @Test
    void saslLoginWhenPlainIsNotOffered() throws Exception {
        String b64user = java.util.Base64.getEncoder().encodeToString("user".getBytes(StandardCharsets.UTF_8));
        String b64pass = java.util.Base64.getEncoder().encodeToString("secret".getBytes(StandardCharsets.UTF_8));
        ScriptedSmtpServer srv = server(c -> {
            if (c.equals("AUTH LOGIN")) return "334 VXNlcm5hbWU6";
            if (c.equals(b64user)) return "334 UGFzc3dvcmQ6";
            if (c.equals(b64pass)) return "235 2.7.0 Authentication successful";
            return ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 AUTH LOGIN");
        });
        String hop = "[127.0.0.1]:" + srv.port();
        DeliveryResult r = send(agent("smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = inline:{ 127.0.0.1=user:secret }",
                "smtp_sasl_security_options = noanonymous"), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.SENT);
        assertThat(srv.lines).containsSubsequence("AUTH LOGIN", b64user, b64pass, "MAIL FROM:<sender@sender.test>");
    }

    @Test
    void failedLoginDefersAndNeverBounces() throws Exception {
        ScriptedSmtpServer srv = server(c -> c.startsWith("AUTH PLAIN") ? "535 5.7.8 Error: authentication failed"
                : ScriptedSmtpServer.standard(c, "250-fake.test\r\n250 AUTH PLAIN"));
        String hop = "[127.0.0.1]:" + srv.port();
        DeliveryResult r = send(agent("smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = inline:{ " + hop + "=user:bad }",
                "smtp_sasl_security_options = noanonymous"), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"), hop).get(0);
        assertThat(r).isEqualTo(DeliveryResult.deferred("4.7.0", "127.0.0.1[127.0.0.1]:" + srv.port(),
                "SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.8 Error: authentication failed"));
        assertThat(srv.lines).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void mayWithoutStarttlsSendsInPlainText() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        DeliveryResult r = send(agent("smtp_tls_security_level = may"), message("S: t\r\n\r\nhi\r\n", Map.of(), "a@dest.test"),
                "[127.0.0.1]:" + srv.port()).get(0);
        assertThat(r.status()).isEqualTo(Status.SENT);
        assertThat(srv.lines).doesNotContain("STARTTLS");
    }

    @Test
    void addressesThatWouldBreakTheCommandLineAreRefused() throws Exception {
        ScriptedSmtpServer srv = server(c -> ScriptedSmtpServer.standard(c, ScriptedSmtpServer.EHLO_FULL));
        QueuedMessage m = message("S: t\r\n\r\nhi\r\n", Map.of(DsnAttributes.notify(1), "SUCCESS\r\nRSET"),
                "evil@dest.test>\r\nRCPT TO:<x@y.test", "good@dest.test");
        List<DeliveryResult> r = send(agent(), m, "[127.0.0.1]:" + srv.port());
        assertThat(r.get(0)).isEqualTo(DeliveryResult.bounced("5.1.3", "none", "bad recipient address syntax"));
        assertThat(r.get(1).status()).isEqualTo(Status.SENT);
        assertThat(srv.lines).contains("RCPT TO:<good@dest.test>").noneMatch(l -> l.contains("x@y.test") || l.contains("NOTIFY") || l.contains("evil"));
    }
}
