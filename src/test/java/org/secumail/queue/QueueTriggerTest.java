// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public/qmgr trigger: a flush reaches a started queue manager, even while a silent client hangs on. */
class QueueTriggerTest {
    @TempDir Path dir;

    @Test
    void aFlushRequestScansDeferredNowAndASilentClientBlocksNothing() throws Exception {
        QueueStore store = new QueueStore(dir);
        List<String> calls = new CopyOnWriteArrayList<>();
        Transport t = new Transport() {
            @Override public String name() { return "local"; }

            @Override public DeliveryResult deliver(QueuedMessage msg, String rcpt, Content content) {
                calls.add(rcpt);
                return DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
            }
        };
        // queue_run_delay of an hour: only the trigger can make the deferred scan happen in this test
        QueueManager qmgr = new QueueManager(store, t, Clock.systemUTC(), 2, Duration.ofSeconds(300), Duration.ofSeconds(4000),
                Duration.ofHours(1));
        qmgr.start();
        assertThat(QueueTrigger.send(dir, QueueTrigger.FLUSH)).as("nobody listens yet").isFalse();
        try (QueueTrigger trigger = QueueTrigger.listen(dir, qmgr)) {
            assertThat(trigger).isNotNull();
            Thread.sleep(200);   // the start-up pass is over
            QueueId id = QueueStoreTest.commit(store, Envelope.of("s@example.org", List.of("late@x"), Instant.now()));
            QueuedMessage m = store.load(store.queue(QueueStore.INCOMING).resolve(id + ".env"));
            store.defer(m, Instant.now().minusSeconds(1));   // due, but deferred/ is not scanned for an hour
            Thread.sleep(200);
            assertThat(calls).isEmpty();
            try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                silent.connect(UnixDomainSocketAddress.of(QueueTrigger.socketPath(dir)));
                assertThat(QueueTrigger.send(dir, QueueTrigger.FLUSH)).isTrue();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (calls.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(calls).containsExactly("late@x");
            }
        } finally {
            qmgr.close();
        }
        assertThat(QueueTrigger.socketPath(dir)).doesNotExist();
    }
}
