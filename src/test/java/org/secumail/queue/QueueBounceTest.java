// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import org.secumail.smtpd.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queue lifetimes, delay warnings and RFC 3464 notifications, with a fake transport and a
 * clock moved by hand; each notification is read back from incoming/ and parsed.
 */
class QueueBounceTest {
    private static final Instant T0 = Instant.parse("2024-11-23T10:00:00Z");
    private static final Duration MIN = Duration.ofSeconds(300);
    private static final Duration MAX = Duration.ofSeconds(4000);
    private static final String HOST = "mx.example.test";

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private QueueStore store;
    private QueueManager qmgr;
    private LogCapture log;
    private volatile Function<String, DeliveryResult> answer = r -> DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
    private final List<String> calls = new ArrayList<>();

    private final Transport transport = new Transport() {
        @Override public String name() { return "local"; }

        @Override public DeliveryResult deliver(QueuedMessage msg, String rcpt, Content content) {
            synchronized (calls) {
                calls.add(rcpt);
            }
            return answer.apply(rcpt);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        store = new QueueStore(dir);
        log = new LogCapture("secumail.qmgr", "secumail.local", "secumail.bounce");
        use(settings(Duration.ZERO, Set.of("resource", "software"), 50000));
    }

    @AfterEach
    void tearDown() {
        qmgr.close();
        log.close();
    }

    private static BounceSettings settings(Duration delayWarning, Set<String> notifyClasses, long sizeLimit) {
        return new BounceSettings(HOST, HOST, Duration.ofDays(5), Duration.ofDays(1), delayWarning, sizeLimit,
                "double-bounce", "postmaster", "postmaster", notifyClasses);
    }

    private void use(BounceSettings s) {
        if (qmgr != null) qmgr.close();
        qmgr = new QueueManager(store, transport, clock, 4, MIN, MAX, Duration.ofSeconds(300), new Bouncer(store, s));
    }

    private QueueId commit(String sender, Map<String, String> attrs, byte[] body, String... rcpts) throws IOException {
        QueueStore.Writer w = store.create();
        try (OutputStream out = w.content()) {
            out.write(body);
        }
        w.commit(new Envelope(sender, List.of(rcpts), clock.instant(), attrs));
        return w.id();
    }

    private QueueId commit(String... rcpts) throws IOException {
        return commit("sender@example.org", Map.of(), QueueStoreTest.BODY, rcpts);
    }

    /** The messages in incoming/ other than the given ones: the notifications just queued. */
    private List<QueuedMessage> notifications(QueueId... not) throws IOException {
        List<QueuedMessage> out = new ArrayList<>();
        for (Path env : store.list(QueueStore.INCOMING)) {
            QueuedMessage m = store.load(env);
            if (!List.of(not).contains(m.id())) out.add(m);
        }
        return out;
    }

    private static DsnParse.Report read(QueuedMessage m) throws IOException {
        try (var in = m.openContent()) {
            return DsnParse.parse(in.readAllBytes());
        }
    }

    @Test
    void aBouncedRecipientGetsAnRfc3464ReportFromTheNullSender() throws Exception {
        QueueId id = commit("sender@example.org", Map.of(DsnAttributes.ENVID, "env-42", DsnAttributes.orcpt(0), "rfc822;Nobody@X"),
                QueueStoreTest.BODY, "nobody@x", "ok@x");
        answer = r -> r.equals("nobody@x") ? DeliveryResult.bounced("5.1.1", "local", "unknown user: \"nobody\"")
                : DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        qmgr.runDue();

        List<QueuedMessage> n = notifications();
        assertThat(n).hasSize(1);
        QueuedMessage b = n.get(0);
        assertThat(b.envelope().sender()).isEmpty();
        assertThat(b.envelope().recipients()).containsExactly("sender@example.org");
        assertThat(log.lines()).contains(id + ": sender non-delivery notification: " + b.id(), id + ": removed");

        DsnParse.Report r = read(b);
        assertThat(r.headers()).containsEntry("from", "MAILER-DAEMON@" + HOST + " (Mail Delivery System)")
                .containsEntry("to", "sender@example.org")
                .containsEntry("subject", "Undelivered Mail Returned to Sender")
                .containsEntry("auto-submitted", "auto-replied")
                .containsEntry("mime-version", "1.0");
        assertThat(r.headers().get("content-type")).startsWith("multipart/report; report-type=delivery-status;");
        assertThat(r.parts()).hasSize(3);
        assertThat(r.part(0).headers().get("content-type")).isEqualTo("text/plain; charset=us-ascii");
        assertThat(r.part(0).body()).startsWith("This is the mail system at host " + HOST + ".\r\n")
                .contains("I'm sorry to have to inform you that your message could not")
                .contains("<nobody@x>: unknown user: \"nobody\"")
                .doesNotContain("ok@x");
        assertThat(r.part(1).headers().get("content-type")).isEqualTo("message/delivery-status");
        List<Map<String, String>> st = r.status();
        assertThat(st).hasSize(2);
        assertThat(st.get(0)).containsEntry("reporting-mta", "dns; " + HOST).containsEntry("x-postfix-queue-id", id.toString())
                .containsEntry("x-postfix-sender", "rfc822; sender@example.org").containsEntry("original-envelope-id", "env-42")
                .containsKey("arrival-date");
        assertThat(st.get(1)).containsEntry("final-recipient", "rfc822; nobody@x").containsEntry("original-recipient", "rfc822;Nobody@X")
                .containsEntry("action", "failed").containsEntry("status", "5.1.1")
                .containsEntry("diagnostic-code", "X-Postfix; unknown user: \"nobody\"");
        assertThat(r.part(2).headers().get("content-type")).isEqualTo("message/rfc822");
        assertThat(r.part(2).body()).isEqualTo(new String(QueueStoreTest.BODY, StandardCharsets.ISO_8859_1));

        // The notification is delivered like any other message, and a sent one raises nothing.
        calls.clear();
        qmgr.runDue();
        assertThat(calls).containsExactly("sender@example.org");
        assertThat(notifications()).isEmpty();
    }

    @Test
    void anSmtpReasonBecomesRemoteMtaAndDiagnosticCode() throws Exception {
        commit("far@example.net");
        answer = r -> DeliveryResult.bounced("5.1.1", "mx.example.net[192.0.2.25]:25",
                "host mx.example.net[192.0.2.25] said: 550 5.1.1 <far@example.net>: Recipient address rejected (in reply to RCPT TO command)");
        qmgr.runDue();
        DsnParse.Report r = read(notifications().get(0));
        assertThat(r.status().get(1)).containsEntry("remote-mta", "dns; mx.example.net")
                .containsEntry("diagnostic-code", "smtp; 550 5.1.1 <far@example.net>: Recipient address rejected");
        assertThat(r.part(0).body()).contains("<far@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1");
    }

    @Test
    void retHdrsAndLargeMessagesReturnTheHeaderOnly() throws Exception {
        answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user");
        QueueId hdrs = commit("sender@example.org", Map.of(DsnAttributes.RET, "HDRS"), QueueStoreTest.BODY, "a@x");
        qmgr.runDue();
        DsnParse.Report r = read(notifications(hdrs).get(0));
        assertThat(r.part(2).headers()).containsEntry("content-type", "text/rfc822-headers")
                .containsEntry("content-description", "Undelivered Message Headers");
        assertThat(r.part(2).body()).isEqualTo("Subject: hi\r\n\r\n");
        drain();

        byte[] big = ("Subject: big\r\n\r\n" + "x".repeat(70) + "\r\n").repeat(1).getBytes(StandardCharsets.US_ASCII);
        use(settings(Duration.ZERO, Set.of(), 50));   // bounce_size_limit = 50 bytes
        commit("sender@example.org", Map.of(DsnAttributes.RET, "FULL"), big, "a@x");
        qmgr.runDue();
        r = read(notifications().get(0));
        assertThat(r.part(2).headers()).containsEntry("content-type", "text/rfc822-headers");
        assertThat(r.part(2).body()).isEqualTo("Subject: big\r\n\r\n");
        drain();

        use(settings(Duration.ZERO, Set.of(), 50000));
        commit("sender@example.org", Map.of(DsnAttributes.RET, "FULL"), big, "a@x");
        qmgr.runDue();
        r = read(notifications().get(0));
        assertThat(r.part(2).headers()).containsEntry("content-type", "message/rfc822");
        assertThat(r.part(2).body()).isEqualTo(new String(big, StandardCharsets.US_ASCII));
    }

    /** Delivers (and so removes) everything queued, notifications included. */
    private void drain() throws Exception {
        Function<String, DeliveryResult> saved = answer;
        answer = r -> DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        qmgr.runDue();
        answer = saved;
        assertThat(store.list(QueueStore.INCOMING)).isEmpty();
    }

    @Test
    void aBounceThatBouncesRaisesNoBounceByDefault() throws Exception {
        QueueId id = commit("", Map.of(), QueueStoreTest.BODY, "gone@x");
        answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user");
        qmgr.runDue();
        assertThat(notifications()).isEmpty();
        assertThat(log.lines()).contains(id + ": undeliverable bounce discarded: notify_classes has neither 2bounce nor bounce",
                id + ": removed");
    }

    @Test
    void withTwoBounceADoubleBounceGoesToPostmasterAndATripleBounceIsDiscarded() throws Exception {
        use(settings(Duration.ZERO, Set.of("2bounce"), 50000));
        QueueId id = commit("", Map.of(), QueueStoreTest.BODY, "gone@x");
        answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user");
        qmgr.runDue();
        List<QueuedMessage> n = notifications();
        assertThat(n).hasSize(1);
        QueuedMessage dbl = n.get(0);
        assertThat(dbl.envelope().sender()).isEqualTo("double-bounce@" + HOST);
        assertThat(dbl.envelope().recipients()).containsExactly("postmaster@" + HOST);
        DsnParse.Report r = read(dbl);
        assertThat(r.headers()).containsEntry("subject", "Postmaster Copy: Undelivered Mail");
        assertThat(r.part(2).headers()).containsEntry("content-type", "text/rfc822-headers");
        assertThat(log.lines()).contains(id + ": postmaster non-delivery notification: " + dbl.id());

        // the double bounce itself cannot be delivered: no third message
        qmgr.runDue();
        assertThat(notifications()).isEmpty();
        assertThat(log.lines()).contains(dbl.id() + ": undeliverable postmaster notification discarded");
    }

    @Test
    void notifyClassesBounceSendsPostmasterAHeaderOnlyCopy() throws Exception {
        use(settings(Duration.ZERO, Set.of("bounce"), 50000));
        QueueId id = commit("nobody@x");
        answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user");
        qmgr.runDue();
        List<QueuedMessage> n = notifications();
        assertThat(n).hasSize(2);
        QueuedMessage toSender = n.stream().filter(m -> m.envelope().sender().isEmpty()).findFirst().orElseThrow();
        QueuedMessage copy = n.stream().filter(m -> !m.envelope().sender().isEmpty()).findFirst().orElseThrow();
        assertThat(toSender.envelope().recipients()).containsExactly("sender@example.org");
        assertThat(copy.envelope().sender()).isEqualTo("double-bounce@" + HOST);
        assertThat(copy.envelope().recipients()).containsExactly("postmaster@" + HOST);
        assertThat(read(copy).headers()).containsEntry("subject", "Postmaster Copy: Undelivered Mail");
        assertThat(read(copy).part(2).headers()).containsEntry("content-type", "text/rfc822-headers");
        assertThat(read(toSender).part(2).headers()).containsEntry("content-type", "message/rfc822");
        assertThat(log.lines()).contains(id + ": sender non-delivery notification: " + toSender.id(),
                id + ": postmaster non-delivery notification: " + copy.id());
    }

    @Test
    void notifyNeverSuppressesAndNotifySuccessReportsDelivery() throws Exception {
        QueueId id = commit("sender@example.org", Map.of(DsnAttributes.notify(0), "NEVER", DsnAttributes.notify(1), "SUCCESS",
                DsnAttributes.notify(2), "SUCCESS,DELAY"), QueueStoreTest.BODY, "never@x", "ok@x", "failing@x");
        answer = r -> r.equals("ok@x") ? DeliveryResult.sent("2.0.0", "local", "delivered to maildir")
                : DeliveryResult.bounced("5.1.1", "local", "unknown user");
        qmgr.runDue();
        List<QueuedMessage> n = notifications();
        // never@x asked for nothing, failing@x did not ask for FAILURE: only ok@x's success report
        assertThat(n).hasSize(1);
        DsnParse.Report r = read(n.get(0));
        assertThat(r.headers()).containsEntry("subject", "Successful Mail Delivery Report");
        assertThat(r.part(0).body()).contains("Your message was successfully delivered to the destination(s)");
        assertThat(r.status()).hasSize(2);
        assertThat(r.status().get(1)).containsEntry("final-recipient", "rfc822; ok@x").containsEntry("action", "delivered")
                .containsEntry("status", "2.0.0");
        assertThat(r.part(2).headers()).containsEntry("content-type", "text/rfc822-headers");
        assertThat(log.lines()).contains(id + ": sender delivery status notification: " + n.get(0).id());
    }

    @Test
    void aDeferredRecipientExpiresAfterMaximalQueueLifetimeWithTheLastReason() throws Exception {
        QueueId id = commit("slow@example.net");
        answer = r -> DeliveryResult.deferred("4.4.1", "none", "connect to mx.example.net[192.0.2.25]:25: Connection refused");
        qmgr.runDue();
        Path env = dir.resolve("deferred").resolve(id + ".env");
        assertThat(Files.readString(env)).contains("L 0 4.4.1 none connect to mx.example.net[192.0.2.25]:25: Connection refused\n");
        assertThat(store.load(env).lastDeferral(0)).isEqualTo(answer.apply("x"));
        assertThat(notifications()).isEmpty();

        // retries until five days have passed: no notification in between, the reason is written once
        for (int i = 0; i < 200 && Files.exists(env); i++) {
            clock.advance(MAX);
            qmgr.runDue();
            if (Files.exists(env)) assertThat(notifications()).isEmpty();
        }
        assertThat(env).doesNotExist();
        assertThat(clock.instant()).isAfterOrEqualTo(T0.plus(Duration.ofDays(5)));
        assertThat(log.lines()).contains(id + ": from=<sender@example.org>, status=expired, returned to sender");
        QueuedMessage b = notifications().get(0);
        DsnParse.Report r = read(b);
        assertThat(r.status().get(1)).containsEntry("action", "failed").containsEntry("status", "4.4.1")
                .containsEntry("diagnostic-code", "X-Postfix; connect to mx.example.net[192.0.2.25]:25: Connection refused");
        assertThat(r.part(0).body()).contains("<slow@example.net>: connect to mx.example.net[192.0.2.25]:25: Connection");
    }

    @Test
    void bounceQueueLifetimeAppliesToTheNullSender() throws Exception {
        QueueId id = commit("", Map.of(), QueueStoreTest.BODY, "slow@example.net");
        answer = r -> DeliveryResult.deferred("4.4.1", "none", "connect refused");
        qmgr.runDue();
        clock.advance(Duration.ofDays(1));
        qmgr.runDue();
        assertThat(log.lines()).contains(id + ": from=<>, status=expired, returned to sender",
                id + ": undeliverable bounce discarded: notify_classes has neither 2bounce nor bounce");
        assertThat(store.list(QueueStore.DEFERRED)).isEmpty();
    }

    @Test
    void oneDelayWarningPerMessageAfterDelayWarningTime() throws Exception {
        use(settings(Duration.ofHours(4), Set.of(), 50000));
        QueueId id = commit("sender@example.org", Map.of(DsnAttributes.notify(1), "FAILURE"), QueueStoreTest.BODY, "slow@x", "quiet@x");
        answer = r -> DeliveryResult.deferred("4.4.1", "none", "connect refused");
        qmgr.runDue();
        assertThat(notifications()).isEmpty();
        Map<String, DsnParse.Report> warnings = new HashMap<>();
        QueuedMessage w = null;
        for (int i = 0; i < 30; i++) {
            clock.advance(MAX);
            qmgr.runDue();
            for (QueuedMessage m : notifications()) {
                // seen in incoming/ once: the next pass tries (and defers) it like any message
                if (warnings.putIfAbsent(m.id().toString(), read(m)) == null) w = m;
            }
            if (w == null) assertThat(clock.instant()).isBefore(T0.plus(Duration.ofHours(4)).plus(MAX));
        }
        assertThat(warnings).hasSize(1);
        DsnParse.Report r = warnings.get(w.id().toString());
        assertThat(r.headers()).containsEntry("subject", "Delayed Mail (still being retried)");
        assertThat(r.part(0).body()).contains("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
                "Your message could not be delivered for more than 4 hour(s).", "It will be retried until it is 5 day(s) old.");
        // quiet@x asked for FAILURE only
        assertThat(r.status()).hasSize(2);
        assertThat(r.status().get(1)).containsEntry("final-recipient", "rfc822; slow@x").containsEntry("action", "delayed")
                .containsEntry("status", "4.4.1").containsKey("will-retry-until");
        assertThat(Files.readString(dir.resolve("deferred").resolve(id + ".env"))).contains("\nW\n");
        assertThat(log.lines()).contains(id + ": sender delay notification: " + w.id());
    }

    @Test
    void theBounceIsCommittedBeforeTheRecipientIsDoneSoACrashRepeatsItNeverLosesIt() throws Exception {
        QueueId id = commit("nobody@x", "slow@x");
        answer = r -> r.equals("nobody@x") ? DeliveryResult.bounced("5.1.1", "local", "unknown user")
                : DeliveryResult.deferred("4.4.1", "none", "connect refused");
        // "crash" right after the notification is committed: nothing after it runs
        List<Integer> seenAtCrash = new ArrayList<>();
        qmgr.afterNotifications = () -> {
            try {
                seenAtCrash.add(notifications(id).size());
                String env = Files.readString(dir.resolve("active").resolve(id + ".env"));
                seenAtCrash.add(env.contains("\nD 0 ") ? 1 : 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("simulated crash");
        };
        qmgr.runDue();
        assertThat(seenAtCrash).containsExactly(1, 0);   // bounce on disk, recipient not yet done
        assertThat(dir.resolve("active").resolve(id + ".env")).exists();

        qmgr.afterNotifications = () -> { };
        assertThat(store.recover()).hasSize(2);   // the original and its bounce
        calls.clear();
        answer = r -> r.equals("nobody@x") ? DeliveryResult.bounced("5.1.1", "local", "unknown user")
                : r.equals("slow@x") ? DeliveryResult.deferred("4.4.1", "none", "connect refused")
                : DeliveryResult.sent("2.0.0", "local", "delivered to maildir");
        qmgr.runDue();
        // the bounce from before the crash was delivered; the repeated attempt bounced again
        assertThat(calls).contains("sender@example.org", "nobody@x", "slow@x");
        assertThat(notifications(id)).hasSize(1);
        assertThat(Files.readString(dir.resolve("deferred").resolve(id + ".env"))).contains("\nD 0 bounced 5.1.1\n");
    }

    @Test
    void whenTheBounceCannotBeQueuedTheRecipientStaysQueued() throws Exception {
        QueueId id = commit("nobody@x");
        answer = r -> DeliveryResult.bounced("5.1.1", "local", "unknown user");
        Files.delete(dir.resolve("tmp"));   // store.create() fails
        qmgr.runDue();
        Path env = dir.resolve("deferred").resolve(id + ".env");
        assertThat(env).exists();
        assertThat(Files.readString(env)).doesNotContain("\nD 0");
        assertThat(log.lines()).anyMatch(l -> l.startsWith(id + ": cannot queue the non-delivery notification, recipients stay queued"));
    }

    @Test
    void aVanishedMessageIsSkippedAndACorruptOneQuarantined() throws Exception {
        QueueId gone = commit("a@x");
        QueueId bad = commit("b@x");
        Files.delete(dir.resolve("incoming").resolve(gone + ".msg"));
        Files.writeString(dir.resolve("incoming").resolve(bad + ".env"), "V 1\nL 0 x\n");
        qmgr.runDue();
        assertThat(dir.resolve("corrupt").resolve(gone + ".env")).exists();
        assertThat(dir.resolve("corrupt").resolve(bad + ".env")).exists();
        assertThat(calls).isEmpty();
    }
}
