// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.smtpd.LineClient;

/**
 * The real process: "secumail run -c DIR" in its own JVM, then SIGHUP (kill -HUP, as systemd's
 * ExecReload or an administrator sends it) and "secumail reload -c DIR" each put a changed
 * main.cf in force for new connections, and the log says so.
 */
class HangupReloadTest {
    @TempDir
    Path dir;

    private void mainCf(int port, String senderRestrictions) throws IOException {
        Files.writeString(dir.resolve("main.cf"), String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_peername_lookup = no",
                "smtpd_sender_restrictions = " + senderRestrictions, ""));
        Files.writeString(dir.resolve("master.cf"), "127.0.0.1:" + port + " inet n - n - - smtpd\n");
    }

    private static String rcptReply(int port, String sender) throws IOException {
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.cmd("EHLO client.example");
            c.cmd("MAIL FROM:<" + sender + ">");
            String r = c.cmd("RCPT TO:<user1@example.test>");
            c.cmd("QUIT");
            return r;
        }
    }

    /** Waits until a new connection's RCPT reply starts with the prefix (bounded). */
    private static boolean awaitReply(int port, String sender, String prefix) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            try {
                if (rcptReply(port, sender).startsWith(prefix)) return true;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void sighupAndTheReloadCommandPutAChangedMainCfInForce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        mainCf(port, "permit");
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        Path log = dir.resolve("server.log");
        // the server's own logging (standard output), not the tests' logback-test.xml
        String logback = "-Dlogback.configurationFile=" + Path.of("target/classes/logback.xml").toAbsolutePath();
        Process server = new ProcessBuilder(java, logback, "-cp", cp, "org.secumail.Main", "run", "-c", dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(awaitReply(port, "one@bad.example", "250")).as("server up, nothing refused: " + tail(log)).isTrue();

            mainCf(port, "check_sender_access inline:{ {one@bad.example=REJECT first change} }, permit");
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();
            assertThat(awaitReply(port, "one@bad.example", "554")).as("SIGHUP reloaded: " + tail(log)).isTrue();
            assertThat(Files.readString(log)).contains("SIGHUP");
            assertThat(server.isAlive()).isTrue();

            mainCf(port, "check_sender_access inline:{ {two@bad.example=REJECT second change} }, permit");
            Process reload = new ProcessBuilder(java, "-cp", cp, "org.secumail.Main", "reload", "-c", dir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(reload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reload.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(reload.exitValue()).as(out).isZero();
            assertThat(out).contains("refreshing the mail system");
            assertThat(awaitReply(port, "two@bad.example", "554")).as("secumail reload reloaded: " + tail(log)).isTrue();
            assertThat(rcptReply(port, "one@bad.example")).startsWith("250");
            assertThat(server.isAlive()).isTrue();
        } finally {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}
