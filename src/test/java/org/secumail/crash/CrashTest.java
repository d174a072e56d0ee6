// SPDX-License-Identifier: Apache-2.0
package org.secumail.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: SecuMail runs as a separate process while 4 clients send mail; the process is
 * killed with SIGKILL (kill -9) in the middle, several times, and restarted on the same queue.
 * Every message that got "250 ... queued as" must end up in the Maildir (at least once; only
 * deliveries in flight at the kill may be repeated).
 */
class CrashTest {
    private static final CrashHarness.Mail MAIL = new CrashHarness.Mail("crash", "a@example.test", List.of("user1@example.test"));

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageSurvivesKillMinus9() throws Exception {
        CrashHarness h = new CrashHarness(dir, CrashHarness.localDeliveryMainCf(dir));
        Set<String> acknowledged = h.killUnderLoad(3, 4, 1500, 300, MAIL);
        assertThat(acknowledged).as("messages acknowledged before the kills").hasSizeGreaterThan(20);

        Process p = h.start("final");
        try {
            Path maildir = dir.resolve("mail/user1/new");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Map<String, Integer> delivered = Map.of();
            while (System.nanoTime() < deadline) {
                delivered = CrashHarness.messageIds(maildir, MAIL.messageId(), false);
                if (delivered.keySet().containsAll(acknowledged)) break;
                Thread.sleep(200);
            }
            Set<String> missing = new TreeSet<>(acknowledged);
            missing.removeAll(delivered.keySet());
            assertThat(missing).as("acknowledged with 250 but never delivered").isEmpty();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
