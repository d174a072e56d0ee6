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
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * Crash safety with outbound delivery: a relaying SecuMail runs as a separate process and
 * forwards everything over SMTP to a receiving SecuMail (in this JVM); 4 clients send to the
 * relay while it is killed with SIGKILL three times and restarted on the same queue. Every
 * message the relay acknowledged must reach the receiver's Maildir; a message may arrive
 * twice only when its delivery was in flight at a kill (at most secumail_delivery_concurrency
 * per kill).
 */
class OutboundCrashTest {
    private static final CrashHarness.Mail MAIL = new CrashHarness.Mail("ocrash", "a@relay.test", List.of("user1@dest.test"));
    private static final int KILLS = 3;
    private static final int CONCURRENCY = 20;

    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesReachTheNextHopDespiteKillMinus9() throws Exception {
        String rcvMain = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.dest.test", "mydestination = dest.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("rcv-queue"), "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9", "smtpd_peername_lookup = no", "");
        try (Server receiver = Server.start(MainConfig.fromText(rcvMain, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int rcvPort = receiver.listeners().get(0).port();
            CrashHarness h = new CrashHarness(dir, String.join("\n", "compatibility_level = 3.6", "myhostname = mx.relay.test",
                    "mydestination = relay.test", "mynetworks = 127.0.0.0/8", "alias_maps =", "local_recipient_maps =",
                    "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9", "smtpd_peername_lookup = no",
                    "transport_maps = inline:{ {dest.test=smtp:[127.0.0.1]:" + rcvPort + "} }",
                    "secumail_delivery_concurrency = " + CONCURRENCY,
                    "minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s", ""));
            Set<String> acknowledged = h.killUnderLoad(KILLS, 4, 1500, 300, MAIL);
            assertThat(acknowledged).as("messages acknowledged before the kills").hasSizeGreaterThan(20);

            Process p = h.start("final");
            try {
                Path maildir = dir.resolve("mail/user1/new");
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                Map<String, Integer> delivered = Map.of();
                while (System.nanoTime() < deadline) {
                    delivered = CrashHarness.messageIds(maildir, MAIL.messageId(), false);
                    if (delivered.keySet().containsAll(acknowledged)) break;
                    Thread.sleep(200);
                }
                Set<String> missing = new TreeSet<>(acknowledged);
                missing.removeAll(delivered.keySet());
                assertThat(missing).as("acknowledged by the relay but never delivered by it").isEmpty();
                long repeats = delivered.values().stream().mapToLong(n -> n - 1).sum();
                assertThat(repeats).as("repeated deliveries (only those in flight at a kill)").isLessThanOrEqualTo((long) KILLS * CONCURRENCY);
                org.slf4j.LoggerFactory.getLogger(OutboundCrashTest.class).info("outbound crash test: {} acknowledged, {} delivered, {} repeated",
                        acknowledged.size(), delivered.size(), repeats);
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }
}
