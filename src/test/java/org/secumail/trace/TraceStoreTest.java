// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;

/** The trace store keeps what it is given, finds it again, and stays within its age and size limits. */
class TraceStoreTest {
    @TempDir
    Path dir;

    private MainConfig cfg(String extra) {
        return MainConfig.fromText("secumail_trace_database = " + dir.resolve("t/trace.sqlite") + "\n" + extra, "main.cf", dir);
    }

    private static Trace trace(long time, String qid, String client, String sender, String rcpt, int textBytes) {
        return new Trace(time, qid, "smtp", "unknown", client, "helo.example", sender, null,
                List.of(new Trace.Recipient(rcpt, "250 2.1.5 Ok"), new Trace.Recipient("other_%@example.test", "550 5.1.1 no")),
                "accepted", "250 2.0.0 Ok: queued as " + qid, "x".repeat(textBytes) + "\n");
    }

    @Test
    void keepsFindsAndStaysWithinItsLimits() throws Exception {
        long now = System.currentTimeMillis();
        try (TraceStore s = TraceStore.open(cfg("secumail_trace_max_size = 300000\nsecumail_trace_max_age = 1d\n"))) {
            s.record(trace(now - 2 * 86_400_000L, "OLDQUEUEID01", "192.0.2.1", "a@old.example", "u@example.test", 100));
            for (int i = 0; i < 3000; i++) s.record(trace(now + i, "QUEUEID" + i, "192.0.2." + (i % 200), "s" + i + "@example.org", "u" + i + "@example.test", 1000));
            s.flush();
            assertThat(s.byQueueId("QUEUEID2999").sender()).isEqualTo("s2999@example.org");
            assertThat(s.byQueueId("QUEUEID2999").recipients()).containsExactly(new Trace.Recipient("u2999@example.test", "250 2.1.5 Ok"),
                    new Trace.Recipient("other_%@example.test", "550 5.1.1 no"));
            // LIKE wildcards in an address are taken literally
            assertThat(s.find("192.0.2.7", null, "u7@example.test", 5)).extracting(Trace::queueId).containsExactly("QUEUEID7");
            assertThat(s.find("192.0.2.7", null, "u_@example.test", 5)).isEmpty();
            assertThat(s.find("192.0.2.7", "s207@example.org", null, 5)).extracting(Trace::queueId).containsExactly("QUEUEID207");

            s.housekeeping();
            assertThat(s.byQueueId("OLDQUEUEID01")).as("older than secumail_trace_max_age").isNull();
            assertThat(s.byQueueId("QUEUEID0")).as("the oldest go first").isNull();
            assertThat(s.byQueueId("QUEUEID2999")).as("the newest stay").isNotNull();
        }
        // the file itself fits: deletes give the space back (auto_vacuum = full)
        assertThat(Files.size(dir.resolve("t/trace.sqlite"))).isLessThan(600_000);
    }

    /** Traces that come one at a time, as sessions end on a busy server, are written together. */
    @Test
    void tracesComingOneByOneShareTransactions() throws Exception {
        long now = System.currentTimeMillis();
        try (TraceStore s = TraceStore.open(cfg(""))) {
            for (int i = 0; i < 40; i++) {
                s.record(trace(now + i, "ONEBYONE" + i, "192.0.2.9", "s@example.org", "u@example.test", 10));
                Thread.sleep(2);   // sessions ending a few milliseconds apart
            }
            s.flush();
            assertThat(s.byQueueId("ONEBYONE39")).isNotNull();
            assertThat(s.transactions()).as("40 traces, 2 ms apart, against a linger of 100 ms").isBetween(1L, 5L);
        }
    }

    @Test
    void offMeansNoStore() {
        assertThat(TraceStore.open(cfg("secumail_trace_enable = no\n"))).isNull();
    }
}
