// SPDX-License-Identifier: Apache-2.0
package org.secumail.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second "secumail run" on a queue directory that a running server owns stops at once with
 * "the SecuMail mail system is already running", as Postfix's master(8) does, and leaves the
 * queue alone: its startup recovery would otherwise remove the first server's messages in
 * progress from tmp/ and move its active ones back to incoming/ under it.
 */
class SecondServerTest {
    @TempDir
    Path dir;

    @Test
    void aSecondServerOnTheSameQueueStopsAndTouchesNothing() throws Exception {
        CrashHarness h = new CrashHarness(dir, CrashHarness.localDeliveryMainCf(dir));
        Process first = h.start("first");
        try {
            // a message the first server is receiving: the recovery of a second one would delete it
            Path inProgress = Files.writeString(dir.resolve("queue/tmp/8EAZZZZZZZZZZ.msg"), "Received: from x\r\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process second = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.secumail.Main", "run",
                    "-c", dir.resolve("etc").toString()).redirectErrorStream(true).start();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("second server exits").isTrue();
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.exitValue()).as(out).isEqualTo(1);
            assertThat(out).contains("fatal: the SecuMail mail system is already running")
                    .contains("is locked by process " + first.pid())
                    .doesNotContain("uncommitted");
            assertThat(inProgress).exists();
            assertThat(Files.readString(dir.resolve("queue/pid/master.pid")).strip()).isEqualTo(Long.toString(first.pid()));
            try (Socket s = new Socket("127.0.0.1", h.port)) {
                String banner = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                assertThat(banner).startsWith("220 ");
            }
        } finally {
            first.destroyForcibly();
            first.waitFor();
        }
        // the lock dies with its process: a server starts again on the same queue after a crash
        Process again = h.start("again");
        again.destroyForcibly();
        again.waitFor();
    }

    @Test
    void aServerWhosePortIsTakenSaysSoInOneLine() throws Exception {
        CrashHarness h = new CrashHarness(dir.resolve("a"), CrashHarness.localDeliveryMainCf(dir.resolve("a")));
        Process first = h.start("first");
        try {
            // another queue, the same port
            Path other = Files.createDirectories(dir.resolve("b/etc"));
            Files.writeString(other.resolve("main.cf"), CrashHarness.localDeliveryMainCf(dir.resolve("b")));
            Files.copy(dir.resolve("a/etc/master.cf"), other.resolve("master.cf"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process second = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.secumail.Main", "run",
                    "-c", other.toString()).redirectErrorStream(true).start();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("second server exits").isTrue();
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.exitValue()).as(out).isEqualTo(1);
            assertThat(out).contains("secumail: fatal: bind 127.0.0.1 port " + h.port + ": Address already in use")
                    .doesNotContain("\tat ");
        } finally {
            first.destroyForcibly();
            first.waitFor();
        }
    }
}
