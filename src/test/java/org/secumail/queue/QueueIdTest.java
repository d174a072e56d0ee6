// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QueueIdTest {
    @Test
    void alphanumericFixedLengthAndParsable() {
        QueueId id = QueueId.next();
        assertThat(id.toString()).matches("[0-9A-Za-z]{13}");
        assertThat(QueueId.parse(id.toString())).isEqualTo(id);
        assertThatThrownBy(() -> QueueId.parse("abc/def")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QueueId.parse("0123456789ABCD")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timeOrderedAsStringsAndCarriesItsTime() {
        Instant t = Instant.parse("2024-11-23T10:00:00.123456Z");
        QueueId earlier = new QueueId.Generator(Clock.fixed(t, ZoneOffset.UTC)).next();
        QueueId later = new QueueId.Generator(Clock.fixed(t.plusSeconds(1), ZoneOffset.UTC)).next();
        assertThat(earlier.toString()).isLessThan(later.toString());
        assertThat(earlier.timestamp()).isEqualTo(t);
    }

    @Test
    void uniqueUnderConcurrencyEvenWithAFrozenClock() throws Exception {
        QueueId.Generator frozen = new QueueId.Generator(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Future<?>> fs = new ArrayList<>();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < 2000; i++) seen.add(frozen.next().toString());
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        assertThat(seen).hasSize(16000);
    }
}
