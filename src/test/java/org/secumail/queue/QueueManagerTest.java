// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import org.secumail.smtpd.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueManagerTest {
    private static final Instant T0 = Instant.parse("2024-11-23T10:00:00Z");
    private static final Duration MIN = Duration.ofSeconds(300);
    private static final Duration MAX = Duration.ofSeconds(4000);

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private QueueStore store;
    private FakeTransport transport;
    private QueueManager qmgr;
    private LogCapture log;

    /** Answers per recipient from a function; records each call and the content it read. */
    final class FakeTransport implements Transport {
        volatile Function<String, DeliveryResult> answer = r -> DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        volatile Duration takes = Duration.ZERO;
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Map<String, byte[]> contentSeen = new ConcurrentHashMap<>();

        @Override public String name() { return "local"; }

        @Override
        public DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) throws IOException {
            calls.add(recipient);
            try (InputStream in = content.open()) {
                contentSeen.put(recipient, in.readAllBytes());
            }
            clock.advance(takes);
            return answer.apply(recipient);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        store = new QueueStore(dir);
        transport = new FakeTransport();
        qmgr = new QueueManager(store, transport, clock, 4, MIN, MAX, Duration.ofSeconds(300));
        log = new LogCapture("secumail.qmgr", "secumail.local");
    }

    @AfterEach
    void tearDown() {
        qmgr.close();
        log.close();
    }

    private QueueId commit(String... rcpts) throws IOException {
        return QueueStoreTest.commit(store, Envelope.of("sender@example.org", List.of(rcpts), clock.instant()));
    }

    private static long files(Path p) throws IOException {
        try (var s = Files.list(p)) {
            return s.count();
        }
    }

    @Test
    void allSentRemovesTheMessageAndLogsLikePostfix() throws Exception {
        QueueId id = commit("a@example.net", "b@example.net");
        clock.advance(Duration.ofMillis(500));
        transport.takes = Duration.ofMillis(1200);

        assertThat(qmgr.runDue()).isEqualTo(1);

        assertThat(transport.calls).containsExactly("a@example.net", "b@example.net");
        assertThat(transport.contentSeen.get("b@example.net")).isEqualTo(QueueStoreTest.BODY);
        for (String q : List.of("incoming", "active", "deferred", "tmp")) assertThat(files(dir.resolve(q))).isZero();
        assertThat(log.lines()).containsExactly(
                id + ": from=<sender@example.org>, size=" + QueueStoreTest.BODY.length + ", nrcpt=2 (queue active)",
                // one delivery agent call for both recipients: as in Postfix, they share its timing
                id + ": to=<a@example.net>, relay=local, delay=2.9, delays=0.5/0/0/2.4, dsn=2.0.0, status=sent (delivered to maildir)",
                id + ": to=<b@example.net>, relay=local, delay=2.9, delays=0.5/0/0/2.4, dsn=2.0.0, status=sent (delivered to maildir)",
                id + ": removed");
        assertThat(qmgr.runDue()).isZero();
    }

    @Test
    void aDeferredRecipientAloneIsRetriedAfterTheBackoff() throws Exception {
        QueueId id = commit("a@x", "b@x", "c@x");
        transport.answer = r -> r.equals("b@x")
                ? DeliveryResult.deferred("4.2.2", "local", "mailbox full")
                : DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        qmgr.runDue();

        Path env = dir.resolve("deferred").resolve(id + ".env");
        assertThat(env).exists();
        assertThat(dir.resolve("deferred").resolve(id + ".msg")).exists();
        assertThat(Files.readString(env)).contains("D 0 sent 2.0.0\n", "D 2 sent 2.0.0\n").doesNotContain("D 1");
        assertThat(store.nextAttempt(env)).isEqualTo(T0.plus(MIN));
        assertThat(log.lines()).contains(id + ": to=<b@x>, relay=local, delay=0, delays=0/0/0/0, dsn=4.2.2, status=deferred (mailbox full)");

        transport.calls.clear();
        clock.advance(MIN.minusSeconds(1));
        assertThat(qmgr.runDue()).isZero();
        assertThat(transport.calls).isEmpty();

        clock.advance(Duration.ofSeconds(1));
        transport.answer = r -> DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        assertThat(qmgr.runDue()).isEqualTo(1);
        assertThat(transport.calls).containsExactly("b@x");
        assertThat(log.lines()).contains(id + ": to=<b@x>, relay=local, delay=300, delays=300/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)",
                id + ": removed");
        assertThat(files(dir.resolve("deferred"))).isZero();
    }

    @Test
    void backoffDoublesUpToTheMaximum() throws Exception {
        QueueId id = commit("a@x");
        transport.answer = r -> DeliveryResult.deferred("4.4.1", "local", "try later");
        Path env = dir.resolve("deferred").resolve(id + ".env");
        List<Long> expected = List.of(300L, 600L, 1200L, 2400L, 4800L, 8800L, 12800L);
        for (long next : expected) {
            qmgr.runDue();
            Instant at = store.nextAttempt(env);
            assertThat(at).isEqualTo(T0.plusSeconds(next));
            clock.advance(Duration.between(clock.instant(), at));
        }
        assertThat(transport.calls).hasSize(expected.size());
        assertThat(qmgr.backoff(Duration.ofSeconds(10))).isEqualTo(MIN);
        assertThat(qmgr.backoff(Duration.ofSeconds(1000))).isEqualTo(Duration.ofSeconds(1000));
        assertThat(qmgr.backoff(Duration.ofDays(2))).isEqualTo(MAX);
    }

    @Test
    void aFailingTransportDefersInsteadOfLosingTheMessage() throws Exception {
        QueueId id = commit("a@x");
        transport.answer = r -> {
            throw new IllegalStateException("disk on fire");
        };
        qmgr.runDue();
        assertThat(dir.resolve("deferred").resolve(id + ".env")).exists();
        assertThat(log.lines()).anyMatch(l -> l.equals(id + ": to=<a@x>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, "
                + "status=deferred (delivery temporarily suspended: disk on fire)"));
    }

    @Test
    void bouncedRecipientsAreDoneAndLogged() throws Exception {
        QueueId id = commit("nobody@x");
        transport.answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user: \"nobody\"");
        qmgr.runDue();
        assertThat(files(dir.resolve("deferred"))).isZero();
        assertThat(files(dir.resolve("active"))).isZero();
        assertThat(log.lines()).contains(
                id + ": to=<nobody@x>, relay=local, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nobody\")",
                id + ": removed");
        // the non-delivery notification waits in incoming/ (QueueBounceTest looks inside)
        assertThat(files(dir.resolve("incoming"))).isEqualTo(2);
    }

    @Test
    void recipientsDoneBeforeACrashAreNotDeliveredAgain() throws Exception {
        QueueId id = commit("a@x", "b@x");
        QueuedMessage active = store.moveTo(store.load(dir.resolve("incoming").resolve(id + ".env")), "active");
        store.markDone(active, 0, "sent 2.0.0");
        assertThat(store.recover()).hasSize(1);
        qmgr.runDue();
        assertThat(transport.calls).containsExactly("b@x");
        assertThat(log.lines()).contains(id + ": removed");
    }

    @Test
    void aCorruptEnvelopeIsQuarantined() throws Exception {
        QueueId id = commit("a@x");
        Files.writeString(dir.resolve("incoming").resolve(id + ".env"), "V 1\nS x\n");
        qmgr.runDue();
        assertThat(dir.resolve("corrupt").resolve(id + ".env")).exists();
        assertThat(transport.calls).isEmpty();
    }

    @Test
    void wakeDeliversAtOnceWithinTheConcurrencyLimit() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        QueueManager limited = new QueueManager(store, new Transport() {
            @Override public String name() { return "local"; }

            @Override public DeliveryResult deliver(QueuedMessage msg, String rcpt, Content content) {
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet();
                }
                transport.calls.add(rcpt);
                return DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
            }
        }, clock, 2, MIN, MAX, Duration.ofSeconds(300));
        try {
            limited.start();
            for (int i = 0; i < 12; i++) {
                commit("r" + i + "@x");
                limited.wake();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (transport.calls.size() < 12 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(transport.calls).hasSize(12);
            while ((files(dir.resolve("incoming")) > 0 || files(dir.resolve("active")) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(files(dir.resolve("incoming")) + files(dir.resolve("active"))).isZero();
            assertThat(peak.get()).isBetween(1, 2);
        } finally {
            limited.close();
        }
    }

    /**
     * qmgr's per-destination scheduling: a slow but live destination, with more mail than all
     * the slots, does not hold up mail to another destination.
     */
    @Test
    void aSlowDestinationDoesNotHoldTheSlotsOfOthers() throws Exception {
        List<String> fastDone = new CopyOnWriteArrayList<>();
        AtomicInteger slowRunning = new AtomicInteger();
        AtomicInteger slowPeak = new AtomicInteger();
        QueueManager q = new QueueManager(store, new Transport() {
            @Override public String name() { return "smtp"; }

            @Override public java.util.Set<String> destinations(QueuedMessage msg) {
                return java.util.Set.of("smtp:" + msg.pending().get(0).address().substring(msg.pending().get(0).address().indexOf('@') + 1));
            }

            @Override public DeliveryResult deliver(QueuedMessage msg, String rcpt, Content content) {
                if (rcpt.endsWith("@slow.example")) {
                    slowPeak.accumulateAndGet(slowRunning.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(3000);   // answers, but after a long time
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        slowRunning.decrementAndGet();
                    }
                } else {
                    fastDone.add(rcpt);
                }
                return DeliveryResult.sent("2.0.0", "smtp", "250 ok");
            }
        }, clock, 4, MIN, MAX, Duration.ofSeconds(300));
        q.destinationLimit(2);
        try {
            for (int i = 0; i < 10; i++) commit("s" + i + "@slow.example");
            for (int i = 0; i < 3; i++) commit("f" + i + "@fast.example");
            long t0 = System.nanoTime();
            q.start();
            long deadline = t0 + Duration.ofSeconds(20).toNanos();
            while (fastDone.size() < 3 && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(fastDone).as("the fast destination's mail went at once").hasSize(3);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
            assertThat(slowPeak.get()).as("the slow destination holds its share only").isLessThanOrEqualTo(2);
            while ((files(dir.resolve("incoming")) > 0 || files(dir.resolve("active")) > 0) && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(files(dir.resolve("incoming")) + files(dir.resolve("active"))).as("all slow mail delivered in the end").isZero();
        } finally {
            q.close();
        }
    }
}
