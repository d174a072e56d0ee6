// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DelayFormatTest {
    private static String f(long millis) { return DelayFormat.format(Duration.ofMillis(millis)); }

    @Test
    void twoSignificantDigitsLikePostfix() {
        assertThat(f(0)).isEqualTo("0");
        assertThat(f(3)).isEqualTo("0");          // below delay_logging_resolution_limit
        assertThat(f(10)).isEqualTo("0.01");
        assertThat(f(123)).isEqualTo("0.12");
        assertThat(f(500)).isEqualTo("0.5");
        assertThat(f(1200)).isEqualTo("1.2");
        assertThat(f(2000)).isEqualTo("2");
        assertThat(f(9960)).isEqualTo("10");
        assertThat(f(13_400)).isEqualTo("13");
        assertThat(f(4_000_000)).isEqualTo("4000");
        assertThat(DelayFormat.format(Duration.ofMillis(-5))).isEqualTo("0");
    }
}
