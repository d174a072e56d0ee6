// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueStore;
import picocli.CommandLine;

class QueueCommandTest {
    @TempDir
    Path dir;

    private String run(int rc, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isEqualTo(rc);
        return out.toString();
    }

    @Test
    void listShowHoldReleaseDelete() throws Exception {
        Path q = dir.resolve("queue");
        Files.writeString(dir.resolve("main.cf"), "queue_directory = " + q + "\n");
        QueueStore store = new QueueStore(q);
        String qid;
        try (QueueStore.Writer w = store.create()) {
            qid = w.id().toString();
            w.content().write("Subject: queued\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            w.commit(new Envelope("a@outside.example", List.of("user1@example.test"), Instant.now(), Map.of("helo", "x")));
        }
        String c = dir.toString();
        assertThat(run(0, "queue", "list", "-c", c)).contains(qid + " ").contains("a@outside.example").contains("user1@example.test")
                .contains("-- 1 Kbytes in 1 Request.");
        assertThat(run(0, "queue", "show", qid, "-c", c)).contains("sender: a@outside.example").contains("Subject: queued");
        run(0, "queue", "hold", qid, "-c", c);
        assertThat(run(0, "queue", "list", "-c", c)).contains(qid + "!");
        run(0, "queue", "release", qid, "-c", c);
        assertThat(store.list(QueueStore.DEFERRED)).hasSize(1);
        assertThat(run(1, "queue", "release", qid, "-c", c)).contains("not on hold");
        run(0, "queue", "delete", qid, "-c", c);
        assertThat(run(0, "queue", "list", "-c", c)).contains("Mail queue is empty");
        assertThat(run(1, "queue", "show", qid, "-c", c)).contains("no such message");
    }

    @Test
    void requeueAllAndFlushWithoutARunningServer() throws Exception {
        Path q = dir.resolve("queue");
        Files.writeString(dir.resolve("main.cf"), "queue_directory = " + q + "\n");
        QueueStore store = new QueueStore(q);
        String[] ids = new String[2];
        for (int i = 0; i < 2; i++) {
            try (QueueStore.Writer w = store.create()) {
                ids[i] = w.id().toString();
                w.content().write("Subject: queued\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
                w.commit(new Envelope("a@outside.example", List.of("user1@example.test"), Instant.now(), Map.of()));
            }
        }
        String c = dir.toString();
        run(0, "queue", "hold", ids[0], "-c", c);
        var m = store.load(q.resolve("incoming").resolve(ids[1] + ".env"));
        store.recordDeferral(m, 0, org.secumail.queue.DeliveryResult.deferred("4.4.1", "none", "connect to mx[192.0.2.1]:25: Connection refused"));
        store.defer(m, Instant.now().plusSeconds(3600));
        assertThat(run(0, "queue", "list", "-c", c)).contains("(connect to mx[192.0.2.1]:25: Connection refused)");
        assertThat(run(0, "queue", "show", ids[1], "-c", c))
                .contains("last deferral: dsn=4.4.1, relay=none (connect to mx[192.0.2.1]:25: Connection refused)");
        assertThat(run(0, "queue", "flush", "-c", c)).contains("flush: 1 deferred message(s) due now; no running queue manager");
        assertThat(store.nextAttempt(q.resolve("deferred").resolve(ids[1] + ".env"))).isBeforeOrEqualTo(Instant.now());
        assertThat(run(0, "queue", "requeue", "ALL", "-c", c)).contains("Requeued: 2 messages; no running queue manager");
        assertThat(store.list(QueueStore.INCOMING)).hasSize(2);
        assertThat(store.list(QueueStore.HOLD)).isEmpty();
        assertThat(run(64, "queue", "flush", ids[0], "-c", c)).contains("takes no queue ID");
    }
}
