// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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

/**
 * anvil's rate limits as Postfix applies them: connection attempts (421), MAIL FROM requests and
 * RCPT TO requests (450) per client address and time unit, with Postfix's replies and log lines;
 * other addresses are unaffected, and exempt clients are never limited.
 */
class AnvilRatesTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private int start(String... extra) throws Exception {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_error_sleep_time = 0", String.join("\n", extra), "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        return server.listeners().get(0).port();
    }

    private static String greeting(int port, String source) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void connectionRate() throws Exception {
        int port = start("smtpd_client_connection_rate_limit = 3", "smtpd_client_event_limit_exceptions =");
        try (LogCapture log = new LogCapture("secumail.smtpd")) {
            for (int i = 0; i < 3; i++) assertThat(greeting(port, "127.0.0.1")).startsWith("220 ");
            assertThat(greeting(port, "127.0.0.1")).isEqualTo("421 4.7.0 mx.example.test Error: too many connections from 127.0.0.1");
            assertThat(greeting(port, "127.0.0.2")).as("another address is not limited").startsWith("220 ");
            assertThat(log.lines()).anyMatch(l -> l.matches("warning: Connection rate limit exceeded: 4 from localhost\\[127.0.0.1\\] for service .*"));
        }
    }

    @Test
    void exemptClientsAreNeverLimited() throws Exception {
        int port = start("smtpd_client_connection_rate_limit = 1");
        for (int i = 0; i < 4; i++) assertThat(greeting(port, "127.0.0.1")).as("in mynetworks").startsWith("220 ");
    }

    @Test
    void messageAndRecipientRates() throws Exception {
        int port = start("smtpd_client_message_rate_limit = 2", "smtpd_client_recipient_rate_limit = 3");
        try (LineClient c = new LineClient(port); LogCapture log = new LogCapture("secumail.smtpd")) {
            c.reply();
            assertThat(c.cmd("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]")).startsWith("220");
            assertThat(c.cmd("EHLO client.example")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).startsWith("250");
            for (int i = 0; i < 3; i++) assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).isEqualTo("450 4.7.1 Error: too many recipients from 192.0.2.10");
            assertThat(c.cmd("RSET")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).startsWith("250");
            assertThat(c.cmd("RSET")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("450 4.7.1 Error: too much mail from 192.0.2.10");
            assertThat(log.lines()).anyMatch(l -> l.startsWith("warning: Recipient address rate limit exceeded: 4 from unknown[192.0.2.10]"))
                    .anyMatch(l -> l.startsWith("warning: Message delivery request rate limit exceeded: 3 from unknown[192.0.2.10]"));
        }
        try (LineClient c = new LineClient(port)) {
            c.reply();
            assertThat(c.cmd("XCLIENT ADDR=192.0.2.11 NAME=[UNAVAILABLE]")).startsWith("220");
            assertThat(c.cmd("EHLO client.example")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).as("another client is unaffected").startsWith("250");
        }
    }

    @Test
    void newTlsSessionRate() throws Exception {
        int port = start("smtpd_tls_security_level = may", "smtpd_client_new_tls_session_rate_limit = 1",
                "smtpd_client_event_limit_exceptions =");
        try (LineClient c = new LineClient(port)) {
            c.reply();
            assertThat(c.cmd("EHLO client.example")).contains("STARTTLS");
            assertThat(c.cmd("STARTTLS")).startsWith("220 2.0.0");
            c.startTls();
            assertThat(c.cmd("EHLO client.example")).startsWith("250");
        }
        try (LineClient c = new LineClient(port); LogCapture log = new LogCapture("secumail.smtpd")) {
            c.reply();
            c.cmd("EHLO client.example");
            assertThat(c.cmd("STARTTLS")).isEqualTo("421 4.7.0 mx.example.test Error: too many new TLS sessions from 127.0.0.1");
            assertThat(c.reply()).as("closed").isNull();
            assertThat(log.lines()).anyMatch(l -> l.startsWith("warning: New TLS session rate limit exceeded: 1 from localhost[127.0.0.1]"));
        }
    }

    @Test
    void junkCommandsOverTheLimitCountAsErrors() throws Exception {
        int port = start("smtpd_junk_command_limit = 3", "smtpd_hard_error_limit = 4");
        try (LineClient c = new LineClient(port)) {
            c.reply();
            for (int i = 0; i < 4; i++) assertThat(c.cmd("NOOP")).isEqualTo("250 2.0.0 Ok");
            // NOOP number 5 onwards: one error each; the fourth error closes the session
            for (int i = 0; i < 3; i++) assertThat(c.cmd("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.cmd("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.reply()).isEqualTo("421 4.7.0 mx.example.test Error: too many errors");
        }
    }

    @Test
    void aFloodFromManyAddressesCostsBoundedMemory() {
        for (int i = 0; i < AnvilRates.MAX_ENTRIES + 50_000; i++) {
            AnvilRates.bump("flood/10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), 60_000, AnvilRates.Kind.CONNECTION, 1);
        }
        assertThat(AnvilRates.size()).isLessThanOrEqualTo(AnvilRates.MAX_ENTRIES);
        assertThat(AnvilRates.bump("flood/192.0.2.99", 60_000, AnvilRates.Kind.MESSAGE, 1)).as("still counting").isEqualTo(1);
    }
}
