// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ContentChecksTest {
    private static final String MSG = "Received: from a by b\r\n"
            + "Authentication-Results: MX.example.org; dkim=pass header.d=forged.example\r\n"
            + "Authentication-Results: other.example; spf=pass\r\n"
            + "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";

    private static ContentContext ctx() {
        return new ContentContext("QID1", "192.0.2.1", "unknown", "helo.example", "a@example.com", List.of("b@example.org"),
                null, false, null, List.of());
    }

    private static ContentCheck check(String name, int phase, java.util.function.Function<ContentContext, ContentResult> f) {
        return new ContentCheck() {
            @Override public String name() { return name; }
            @Override public int phase() { return phase; }
            @Override public ContentResult check(ContentContext c, RawMessage m) { return f.apply(c); }
        };
    }

    /** What a check that starts early does with its first context and the future of its phase's context. */
    private interface EarlyBody {
        ContentResult check(ContentContext first, java.util.concurrent.Future<ContentContext> earlier) throws Exception;
    }

    private static ContentCheck earlyCheck(String name, int phase, EarlyBody body) {
        return new ContentCheck() {
            @Override public String name() { return name; }
            @Override public int phase() { return phase; }
            @Override public boolean startsEarly() { return true; }
            @Override public ContentResult check(ContentContext c, RawMessage m) { throw new AssertionError("not called"); }
            @Override public ContentResult check(ContentContext c, RawMessage m, java.util.concurrent.Future<ContentContext> earlier) throws Exception {
                return body.check(c, earlier);
            }
        };
    }

    private static String text(RawMessage m) throws Exception {
        try (var in = m.openMessage()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void acceptBuildsOneAuthenticationResultsAndRemovesForgedOnes() throws Exception {
        ContentCheck dkim = check("dkim", 0, c -> ContentResult.accept("dkim",
                List.of(new AuthResult("dkim", "pass", null, List.of("header.d=example.com"))), List.of(), List.of(), null));
        ContentCheck av = check("antivirus", 0, c -> ContentResult.accept("antivirus", List.of(),
                List.of(HeaderField.of("X-Virus-Scanned", "SecuMail")), List.of(), null));
        ContentChecks cc = new ContentChecks(List.of(dkim, av), List.of(), "mx.example.org", Duration.ofSeconds(5));
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)),
                List.of(new AuthResult("spf", "pass", null, List.of("smtp.mailfrom=a@example.com"))));
        assertThat(out.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(text(out.message())).isEqualTo("Authentication-Results: mx.example.org;\r\n"
                + "\tspf=pass smtp.mailfrom=a@example.com;\r\n\tdkim=pass header.d=example.com\r\n"
                + "X-Virus-Scanned: SecuMail\r\n"
                + "Received: from a by b\r\n"
                + "Authentication-Results: other.example; spf=pass\r\n"
                + "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n");
    }

    @Test
    void strongestActionWinsAndLaterPhasesSeeEarlierResults() {
        AtomicReference<ContentResult> seen = new AtomicReference<>();
        ContentCheck a = check("dkim", 0, c -> ContentResult.accept("dkim", List.of(), List.of(), List.of(), "detail"));
        ContentCheck q = check("spam", 0, c -> ContentResult.quarantine("spam", "score 9", List.of(), List.of(), List.of()));
        ContentCheck r = check("dmarc", 1, c -> {
            seen.set(c.earlier("dkim"));
            return ContentResult.reject("dmarc", 550, "5.7.1", "Email rejected per DMARC policy for example.com", List.of(), List.of());
        });
        ContentChecks cc = new ContentChecks(List.of(q, r, a), List.of(), "mx", Duration.ofSeconds(5));
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(out.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(out.decidedBy()).isEqualTo("dmarc");
        assertThat(out.code()).isEqualTo(550);
        assertThat(out.message()).isNull();
        assertThat(seen.get().detail()).isEqualTo("detail");
        assertThat(out.results()).extracting(ContentResult::check).containsExactly("spam", "dkim", "dmarc");
    }

    @Test
    void aCheckThatStartsEarlyRunsWithTheFirstPhaseAndWaitsOnlyForWhatItReads() {
        java.util.concurrent.CountDownLatch lateStarted = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<ContentResult> seen = new AtomicReference<>();
        // DKIM finishes only once the phase-2 check has started: without the early start this would wait 5 s
        ContentCheck dkim = check("dkim", 0, c -> {
            try {
                assertThat(lateStarted.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ContentResult.accept("dkim", List.of(), List.of(), List.of(), "signed");
        });
        ContentCheck dmarc = check("dmarc", 1, c -> ContentResult.accept("dmarc", List.of(), List.of(), List.of(), "aligned"));
        ContentCheck spam = earlyCheck("spam", 2, (c, earlier) -> {
            assertThat(c.earlier()).isEmpty();
            lateStarted.countDown();
            ContentContext later = earlier.get();
            seen.set(later.earlier("dmarc"));
            assertThat(later.earlier("dkim").detail()).isEqualTo("signed");
            return ContentResult.accept("spam", List.of(), List.of(), List.of(), null);
        });
        ContentChecks cc = new ContentChecks(List.of(spam, dmarc, dkim), List.of(), "mx", Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(out.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(seen.get().detail()).isEqualTo("aligned");
        assertThat(out.results()).extracting(ContentResult::check).containsExactly("dkim", "dmarc", "spam");
    }

    @Test
    void aCheckThatStartsEarlyStillMeetsTheDeadline() {
        ContentCheck dkim = check("dkim", 0, c -> ContentResult.accept("dkim", List.of(), List.of(), List.of(), null));
        ContentCheck spam = earlyCheck("spam", 2, (c, earlier) -> {
            Thread.sleep(10_000);
            return ContentResult.accept("spam", List.of(), List.of(), List.of(), null);
        });
        ContentChecks cc = new ContentChecks(List.of(dkim, spam), List.of(), "mx", Duration.ofMillis(300));
        long t0 = System.nanoTime();
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(out.action()).isEqualTo(ContentResult.Action.TEMPFAIL);
        assertThat(out.decidedBy()).isEqualTo("spam");
    }

    @Test
    void quarantineKeepsTheMessageWithItsHeaders() {
        ContentCheck q = check("spam", 0, c -> ContentResult.quarantine("spam", "score 9", List.of(), List.of(), List.of()));
        ContentChecks cc = new ContentChecks(List.of(q), List.of(), "mx.example.org", Duration.ofSeconds(5));
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(out.action()).isEqualTo(ContentResult.Action.QUARANTINE);
        assertThat(out.text()).isEqualTo("score 9");
        // the forged Authentication-Results is still removed from a held message
        assertThat(out.message().headers()).noneMatch(h -> AuthenticationResults.claimsOurId(h, "mx.example.org"));
    }

    @Test
    void aCheckThatThrowsOrHangsGivesATemporaryFailure() {
        ContentCheck boom = check("antivirus", 0, c -> { throw new IllegalStateException("clamd gone"); });
        ContentCheck hang = check("spam", 0, c -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ContentResult.accept("spam", List.of(), List.of(), List.of(), null);
        });
        ContentChecks cc = new ContentChecks(List.of(hang, boom), List.of(), "mx", Duration.ofMillis(300));
        long t0 = System.nanoTime();
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(out.action()).isEqualTo(ContentResult.Action.TEMPFAIL);
        assertThat(out.code()).isEqualTo(451);
        assertThat(out.enhanced()).isEqualTo("4.7.1");
        assertThat(out.results()).extracting(ContentResult::trace).anySatisfy(t -> assertThat(t.get(0)).contains("timed out"))
                .anySatisfy(t -> assertThat(t.get(0)).contains("clamd gone"));
    }

    @Test
    void signersSignTheFinalHeaderSection() throws Exception {
        AtomicReference<String> signedOver = new AtomicReference<>();
        MessageSigner signer = new MessageSigner() {
            @Override public String name() { return "dkim-sign"; }
            @Override public List<HeaderField> sign(ContentContext c, RawMessage m) throws Exception {
                signedOver.set(text(m));
                return List.of(HeaderField.of("DKIM-Signature", "v=1; d=example.com"));
            }
        };
        ContentChecks cc = new ContentChecks(List.of(), List.of(signer), "mx.example.org", Duration.ofSeconds(5));
        ContentOutcome out = cc.run(ctx(), RawMessage.of(MSG.getBytes(StandardCharsets.UTF_8)), List.of());
        assertThat(signedOver.get()).doesNotContain("MX.example.org").startsWith("Received: from a by b\r\n");
        assertThat(text(out.message())).startsWith("DKIM-Signature: v=1; d=example.com\r\nReceived: from a by b\r\n").endsWith("\r\n\r\nbody\r\n");
    }

    @Test
    void authservIdRecognitionSkipsCommentsAndVersions() {
        assertThat(AuthenticationResults.claimsOurId(HeaderField.of("Authentication-Results", "(x) mx.example.org 1; none"), "mx.example.org")).isTrue();
        assertThat(AuthenticationResults.claimsOurId(HeaderField.of("authentication-results", "MX.Example.Org;spf=pass"), "mx.example.org")).isTrue();
        assertThat(AuthenticationResults.claimsOurId(HeaderField.of("Authentication-Results", "mx.example.org.evil; spf=pass"), "mx.example.org")).isFalse();
        assertThat(AuthenticationResults.claimsOurId(HeaderField.of("ARC-Authentication-Results", "i=1; mx.example.org; spf=pass"), "mx.example.org")).isFalse();
    }
}
