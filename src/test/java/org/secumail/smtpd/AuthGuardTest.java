// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Failure counting per address: limit, window expiry, AUTH rate limit, bounded memory. */
class AuthGuardTest {
    private static final class StepClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        @Override public ZoneId getZone() { return ZoneId.of("UTC"); }
        @Override public Clock withZone(ZoneId z) { return this; }
        @Override public Instant instant() { return now; }
    }

    @Test
    void blocksAtTheLimitUntilTheWindowPasses() {
        StepClock clock = new StepClock();
        AuthGuard g = new AuthGuard(3, Duration.ofMinutes(10), 0, Duration.ofSeconds(60), clock);
        assertThat(g.recordFailure("192.0.2.1")).isEqualTo(1);
        assertThat(g.recordFailure("192.0.2.1")).isEqualTo(2);
        assertThat(g.blocked("192.0.2.1")).isFalse();
        assertThat(g.recordFailure("192.0.2.1")).isEqualTo(3);
        assertThat(g.blocked("192.0.2.1")).isTrue();
        assertThat(g.blocked("192.0.2.2")).as("per address").isFalse();
        clock.now = clock.now.plus(Duration.ofMinutes(9));
        assertThat(g.blocked("192.0.2.1")).isTrue();
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThat(g.blocked("192.0.2.1")).isFalse();
        assertThat(g.recordFailure("192.0.2.1")).as("a new window").isEqualTo(1);
    }

    @Test
    void rateLimitPerTimeUnit() {
        StepClock clock = new StepClock();
        AuthGuard g = new AuthGuard(0, Duration.ofMinutes(10), 2, Duration.ofSeconds(60), clock);
        assertThat(g.allowAttempt("192.0.2.1")).isTrue();
        assertThat(g.allowAttempt("192.0.2.1")).isTrue();
        assertThat(g.allowAttempt("192.0.2.1")).isFalse();
        clock.now = clock.now.plusSeconds(60);
        assertThat(g.allowAttempt("192.0.2.1")).isTrue();
        assertThat(g.recordFailure("192.0.2.1")).as("limit 0 disables failure counting").isZero();
        assertThat(g.blocked("192.0.2.1")).isFalse();
    }

    @Test
    void memoryIsBounded() {
        StepClock clock = new StepClock();
        AuthGuard g = new AuthGuard(5, Duration.ofMinutes(10), 0, Duration.ofSeconds(60), clock);
        for (int i = 0; i < AuthGuard.MAX_ENTRIES * 2; i++) g.recordFailure("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        assertThat(g.size()).isLessThanOrEqualTo(AuthGuard.MAX_ENTRIES);
    }
}
