// SPDX-License-Identifier: Apache-2.0
package org.secumail.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of bounces: every message goes to one deliverable and one undeliverable
 * recipient, while the server process is killed with SIGKILL several times. For every message
 * acknowledged with 250, the good recipient must get it and the sender must get its
 * non-delivery notification (which returns the message, so its Message-ID shows up in the
 * sender's Maildir): a bounce may be repeated after a kill, never lost.
 */
class BounceCrashTest {
    private static final CrashHarness.Mail MAIL = new CrashHarness.Mail("bcrash", "sender@example.test",
            List.of("user1@example.test", "pipe@example.test"));

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageIsDeliveredAndBouncedDespiteKillMinus9() throws Exception {
        CrashHarness h = new CrashHarness(dir, String.join("\n",
                "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok, sender=ok } $alias_maps",
                "alias_maps = inline:{ {pipe=|/bin/true} }", "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "dns_servers = 127.0.0.1:9", ""));
        Set<String> acknowledged = h.killUnderLoad(3, 3, 1500, 400, MAIL);
        assertThat(acknowledged).as("messages acknowledged before the kills").hasSizeGreaterThan(10);

        Process p = h.start("final");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Set<String> delivered = Set.of();
            Set<String> bounced = Set.of();
            while (System.nanoTime() < deadline) {
                delivered = CrashHarness.messageIds(dir.resolve("mail/user1/new"), MAIL.messageId(), true).keySet();
                bounced = CrashHarness.messageIds(dir.resolve("mail/sender/new"), MAIL.messageId(), true).keySet();
                if (delivered.containsAll(acknowledged) && bounced.containsAll(acknowledged)) break;
                Thread.sleep(200);
            }
            System.out.printf("BounceCrashTest: %d acknowledged, %d delivered, %d bounced (distinct Message-IDs)%n",
                    acknowledged.size(), delivered.size(), bounced.size());
            Set<String> notDelivered = new TreeSet<>(acknowledged);
            notDelivered.removeAll(delivered);
            Set<String> notBounced = new TreeSet<>(acknowledged);
            notBounced.removeAll(bounced);
            assertThat(notDelivered).as("acknowledged with 250 but never delivered").isEmpty();
            assertThat(notBounced).as("acknowledged with 250 but its bounce never arrived").isEmpty();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
