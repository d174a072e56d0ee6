// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentChecks;
import org.secumail.content.RawMessage;
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;

/**
 * Our milter client against our milter server, on loopback: the restriction lists of
 * secumail milter answer each stage with SecuMail's replies, a refusal at connect persists,
 * and a malformed packet sent to the server closes the connection.
 */
class MilterLoopbackTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private MilterServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (dns != null) dns.close();
    }

    private MilterServer start(String... lines) throws Exception {
        dns = TestDnsServer.start("bl.test SOA ns.bl.test hostmaster.bl.test 1 3600 600 86400 60\n66.2.0.192.bl.test A 127.0.0.2\n");
        MainConfig cfg = MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s", String.join("\n", lines), ""), "main.cf", dir);
        var resolver = new CachingResolver(DnsjavaResolver.fromConfig(cfg.list("dns_servers"), cfg.duration("secumail_dns_timeout")));
        server = new MilterServer(cfg, new CheckSettings(cfg, Restrictions.builtin(), resolver), ContentChecks.none(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return server;
    }

    private Milters client() {
        MainConfig cfg = MainConfig.fromText("milter_command_timeout = 5s\n", "main.cf", dir);
        return new Milters(MilterDefinition.list(cfg.withOverrides(java.util.Map.of("smtpd_milters", "inet:127.0.0.1:" + server.port())),
                "smtpd_milters"), n -> null);
    }

    @Test
    void recipientRestrictionsAnswerRcpt() throws Exception {
        start("secumail_milter_recipient_restrictions = reject_rbl_client bl.test");
        try (Milters m = client()) {
            assertThat(m.connect("unknown", "192.0.2.66", 4000, MilterProtocol.SMFIA_INET)).isNull();
            assertThat(m.helo("client.example")).isNull();
            assertThat(m.mail(List.of("<a@b.example>"))).isNull();
            MilterReply r = m.rcpt(List.of("<user@example.test>"), false);
            assertThat(r).isNotNull();
            assertThat(r.text()).startsWith("554 5.7.1 Service unavailable; Client host [192.0.2.66] blocked using bl.test");
        }
    }

    @Test
    void aClientRefusalAtConnectAnswersEveryMail() throws Exception {
        start("secumail_milter_client_restrictions = reject_rbl_client bl.test");
        try (Milters m = client()) {
            MilterReply r = m.connect("unknown", "192.0.2.66", 4000, MilterProtocol.SMFIA_INET);
            assertThat(r.text()).startsWith("554 5.7.1 Service unavailable; Client host [192.0.2.66] blocked using bl.test");
            assertThat(m.helo("client.example")).isEqualTo(r);
            assertThat(m.mail(List.of("<a@b.example>"))).as("Sendmail's rule: the connect answer persists").isEqualTo(r);
        }
    }

    @Test
    void aMalformedPacketClosesTheConnectionWithALogLine() throws Exception {
        start();
        try (org.secumail.smtpd.LogCapture log = new org.secumail.smtpd.LogCapture("secumail.milter");
             java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(new byte[] {0x7f, 0, 0, 0, 'O'});   // a 2 GB packet
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).as("the server closes the connection").isEqualTo(-1);
            assertThat(log.await(l -> l.contains("malformed packet") && l.contains("unreasonable packet length"), java.time.Duration.ofSeconds(5)))
                    .isNotNull();
        }
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(new byte[] {0, 0, 0, 1, 'Z'});   // no such command
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Milters m = client()) {
            assertThat(m.connect("unknown", "192.0.2.1", 4000, MilterProtocol.SMFIA_INET)).as("and it still serves").isNull();
        }
    }
}
