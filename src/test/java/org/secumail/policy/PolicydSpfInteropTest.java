// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * check_policy_service against a real postfix-policyd-spf-python (Debian). policyd-spf speaks
 * the protocol on standard input and output (Postfix runs it through spawn(8)), so the test
 * plays spawn: each connection to a loopback port starts one policyd-spf process. Its
 * configuration skips SPF for the test client (skip_addresses), so it asks no DNS server and
 * answers "prepend X-Comment: ...", which must reach the delivered message.
 */
class PolicydSpfInteropTest {
    @TempDir
    Path dir;

    @Test
    void policydSpfPrependAction() throws Exception {
        Path policyd = Path.of("/usr/bin/policyd-spf");
        if (!Files.isExecutable(policyd)) {
            if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) throw new AssertionError("policyd-spf is missing under CI");
            Assumptions.abort("postfix-policyd-spf-python is not installed (scripts/install-test-deps.sh installs it)");
        }
        Path conf = dir.resolve("policyd-spf.conf");
        Files.writeString(conf, "debugLevel = 1\nskip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1,192.0.2.0/24\n");
        try (ServerSocket spawn = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!spawn.isClosed()) {
                    try {
                        Socket s = spawn.accept();
                        Process p = new ProcessBuilder(policyd.toString(), conf.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                        Thread.ofVirtual().start(() -> pipe(s, p));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                    "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                    "local_recipient_maps = inline:{ user1=ok }", "alias_maps =", "queue_directory = " + dir.resolve("q"),
                    "mail_spool_directory = " + dir.resolve("mail") + "/", "dns_servers = 127.0.0.1:9",
                    "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service inet:127.0.0.1:" + spawn.getLocalPort(), "");
            // the server stays up until the message is delivered: closing it stops the queue manager
            try (Server server = Server.start(MainConfig.fromText(main, "main.cf", dir),
                    MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
              try (Socket s = new Socket("127.0.0.1", server.listeners().get(0).port())) {
                s.setSoTimeout(20_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                s.getOutputStream().write(("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]\r\nEHLO outside.example\r\nMAIL FROM:<a@outside.example>\r\n"
                        + "RCPT TO:<user1@example.test>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                String line;
                StringBuilder replies = new StringBuilder();
                while ((line = in.readLine()) != null) {
                    replies.append(line).append('\n');
                    if (line.startsWith("354")) {
                        s.getOutputStream().write("Subject: spf interop\r\n\r\nhi\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    if (line.startsWith("221") || line.startsWith("4") || line.startsWith("5")) break;
                }
                assertThat(replies).contains("250 2.1.5 Ok").contains("queued as");
              }
            Path box = dir.resolve("mail/user1/new");
            String msg = "";
            for (int i = 0; i < 300 && msg.isEmpty(); i++) {
                if (Files.isDirectory(box)) {
                    try (Stream<Path> f = Files.list(box)) {
                        for (Path p : f.toList()) msg = Files.readString(p);
                    }
                }
                if (msg.isEmpty()) Thread.sleep(100);
            }
            assertThat(msg).as("delivered message; files under the test directory: %s", tree(dir))
                    .contains("X-Comment: SPF check N/A for local connections - client-ip=192.0.2.10");
            }
        }
    }

    private static String tree(Path root) throws IOException {
        try (Stream<Path> w = Files.walk(root)) {
            return w.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList().toString();
        }
    }

    /** spawn(8) in miniature: socket to the process's stdin, its stdout back to the socket. */
    private static void pipe(Socket s, Process p) {
        try (s) {
            Thread up = Thread.ofVirtual().start(() -> copy(quiet(s), p.getOutputStream()));
            copy(p.getInputStream(), s.getOutputStream());
            up.join(1000);
        } catch (IOException | InterruptedException e) {
            // connection over
        } finally {
            p.destroy();
        }
    }

    private static InputStream quiet(Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    private static void copy(InputStream in, OutputStream out) {
        try (out) {
            byte[] b = new byte[4096];
            int n;
            while ((n = in.read(b)) > 0) {
                out.write(b, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        }
    }
}
