// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.cli.SecumailCommand;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;
import picocli.CommandLine;

/** check_spf end to end (headers in the delivered message) and the "secumail spf" command. */
class SpfPolicyEndToEndTest {
    private static final String ZONE = "spf-pass.test TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\nspf-fail.test TXT \"v=spf1 a:mx.spf-fail.test -all\"\n";

    @TempDir
    Path dir;

    @Test
    void passAddsReceivedSpfAndAuthenticationResults() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(ZONE)) {
            String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                    "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                    "local_recipient_maps = inline:{ user1=ok }", "alias_maps =", "queue_directory = " + dir.resolve("q"),
                    "mail_spool_directory = " + dir.resolve("mail") + "/", "dns_servers = " + dns.serverSpec(),
                    "smtpd_recipient_restrictions = reject_unauth_destination, check_spf", "");
            // the server stays up until the message is delivered: closing it stops the queue manager
            try (Server server = Server.start(MainConfig.fromText(main, "main.cf", dir),
                    MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
              try (Socket s = new Socket("127.0.0.1", server.listeners().get(0).port())) {
                s.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write(("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]\r\nEHLO client.outside.example\r\nMAIL FROM:<a@spf-pass.test>\r\n"
                        + "RCPT TO:<user1@example.test>\r\nDATA\r\nSubject: spf\r\n\r\nhi\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
                String line;
                StringBuilder all = new StringBuilder();
                while ((line = in.readLine()) != null) all.append(line).append('\n');
                assertThat(all).contains("queued as");
              }
            Path box = dir.resolve("mail/user1/new");
            String msg = "";
            for (int i = 0; i < 300 && msg.isEmpty(); i++) {
                if (Files.isDirectory(box)) {
                    try (Stream<Path> f = Files.list(box)) {
                        msg = f.findFirst().map(p -> { try { return Files.readString(p); } catch (java.io.IOException e) { return ""; } }).orElse("");
                    }
                }
                if (msg.isEmpty()) Thread.sleep(Duration.ofMillis(100));
            }
            assertThat(msg).contains("Received-SPF: pass (mx.example.test: domain of a@spf-pass.test designates 192.0.2.10 as permitted sender)"
                    + " client-ip=192.0.2.10; envelope-from=\"a@spf-pass.test\"; helo=client.outside.example; receiver=mx.example.test; identity=mailfrom;");
            // with content checks on (DKIM verification is by default) the SPF entry joins their one header
            assertThat(msg).contains("Authentication-Results: mx.example.test;\n\tspf=pass smtp.mailfrom=a@spf-pass.test;\n\tdkim=none");
            }
        }
    }

    @Test
    void spfCommandPrintsResultAndQueries() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(ZONE)) {
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new SecumailCommand());
            cl.setOut(new PrintWriter(out));
            int rc = cl.execute("spf", "--ip", "192.0.2.10", "--sender", "a@spf-fail.test", "--helo", "h.example",
                    "--dns-server", dns.serverSpec(), "-c", writeConfig());
            assertThat(rc).isEqualTo(1);
            assertThat(out.toString()).contains("result: fail").contains("mechanism: -all").contains("dns queries: 2")
                    .contains("TXT spf-fail.test").contains("mx.spf-fail.test");
        }
    }

    private String writeConfig() throws java.io.IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), "myhostname = mx.example.test\nsecumail_dns_timeout = 1s\n");
        return etc.toString();
    }
}
