// SPDX-License-Identifier: Apache-2.0
package org.secumail.dnsbl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;

/** Client DNS list lookups start at XCLIENT/connect time, in parallel, and RCPT uses the cached answers. */
class DnsblPrefetchTest {
    @TempDir
    Path dir;

    @Test
    void listsAreQueriedBeforeRcptAndOnlyOnce() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start("7.2.0.192.b.test A 127.0.0.2\n")) {
            String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                    "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                    "local_recipient_maps = inline:{ user1=ok }", "alias_maps =", "queue_directory = " + dir.resolve("q"),
                    "dns_servers = " + dns.serverSpec(),
                    "smtpd_client_restrictions = reject_rbl_client a.test, reject_rbl_client b.test, reject_rbl_client c.test", "");
            try (Server server = Server.start(MainConfig.fromText(main, "main.cf", dir),
                    MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
                 Socket s = new Socket("127.0.0.1", server.listeners().get(0).port())) {
                s.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                in.readLine();
                out.write("XCLIENT ADDR=192.0.2.7\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("220 ");
                for (int i = 0; i < 50 && dns.queryCount("7.2.0.192.c.test") == 0; i++) Thread.sleep(20);
                assertThat(dns.queryCount("7.2.0.192.a.test")).isEqualTo(1);
                assertThat(dns.queryCount("7.2.0.192.b.test")).isGreaterThanOrEqualTo(1);
                assertThat(dns.queryCount("7.2.0.192.c.test")).isEqualTo(1);
                int before = dns.queryCount("7.2.0.192.a.test");
                out.write("EHLO x.example\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<user1@example.test>\r\n".getBytes(StandardCharsets.US_ASCII));
                String line;
                do {
                    line = in.readLine();
                } while (line != null && !line.startsWith("554") && !line.startsWith("250 2.1.5"));
                assertThat(line).isEqualTo("554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using b.test");
                assertThat(dns.queryCount("7.2.0.192.a.test")).as("the RCPT check used the cached answer").isEqualTo(before);
            }
        }
    }
}
