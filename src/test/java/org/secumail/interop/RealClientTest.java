// SPDX-License-Identifier: Apache-2.0
package org.secumail.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * Real SMTP clients against SecuMail: swaks (Debian package, installed by
 * scripts/install-test-deps.sh) plain and pipelined, and Python's smtplib. Each message must
 * reach the Maildir. Without the client the test is skipped, except under CI, where it fails.
 */
class RealClientTest {
    @TempDir
    Path dir;

    private Server server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9",
                "secumail_dns_timeout = 1s",
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        port = server.listeners().get(0).port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void swaksPlainAndPipelined() throws Exception {
        requireTool("swaks");
        run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port), "--from", "alice@example.test",
                "--to", "user1@example.test", "--helo", "client.example.test", "--header", "Subject: swaks plain",
                "--body", "hello from swaks"));
        run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port), "--from", "alice@example.test",
                "--to", "user1@example.test", "--helo", "client.example.test", "--pipeline", "--header",
                "Subject: swaks pipelined", "--body", "hello again"));
        assertDelivered("Subject: swaks plain", "Subject: swaks pipelined");
    }

    @Test
    void pythonSmtplib() throws Exception {
        requireTool("python3");
        String script = String.join("\n",
                "import smtplib, sys",
                "from email.message import EmailMessage",
                "m = EmailMessage()",
                "m['From'] = 'bob@example.test'; m['To'] = 'user1@example.test'; m['Subject'] = 'smtplib test'",
                "m.set_content('.leading dot line\\nand UTF-8: gr\\u00fc\\u00dfe\\n')",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:",
                "    s.ehlo('client.example.test')",
                "    refused = s.send_message(m)",
                "    assert not refused, refused",
                "    code, _ = s.noop()",
                "    assert code == 250",
                "");
        run(List.of("python3", "-c", script, String.valueOf(port)));
        assertDelivered("Subject: smtplib test");
    }

    private void assertDelivered(String... subjects) throws Exception {
        Path newDir = dir.resolve("mail/user1/new");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String all = "";
        while (System.nanoTime() < deadline) {
            all = readAll(newDir);
            boolean ok = true;
            for (String s : subjects) ok &= all.contains(s);
            if (ok) break;
            Thread.sleep(100);
        }
        for (String s : subjects) assertThat(all).contains(s);
        assertThat(all).contains("Received: from client.example.test (localhost [127.0.0.1])");
    }

    private static String readAll(Path d) throws IOException {
        if (!Files.isDirectory(d)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) sb.append(Files.readString(p, StandardCharsets.UTF_8)).append('\n');
        }
        return sb.toString();
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) p.destroyForcibly();
        assertThat(done).as("client finished in time:\n" + out).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd.subList(0, 1)) + " exit status; output:\n" + out).isZero();
    }

    private static void requireTool(String tool) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        boolean found = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!found) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError(tool + " is missing under CI");
            Assumptions.abort(tool + " is not installed (scripts/install-test-deps.sh installs it)");
        }
    }
}
