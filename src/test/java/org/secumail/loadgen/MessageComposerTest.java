// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MessageComposerTest {
    private static final ZonedDateTime DATE = ZonedDateTime.of(2024, 3, 5, 14, 7, 9, 0, ZoneOffset.UTC);

    private static String compose(int size, long n, List<String> rcpts) {
        byte[] b = new MessageComposer(size, "run1", "loadgen.example.test").compose(n, "s@example.test", rcpts, DATE);
        return new String(b, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 301, 302, 303, 379, 380, 381, 382, 500, 5000, 5001, 65536})
    void hitsTheSizeExactlyWithShortPrintableCrlfLines(int size) {
        String m = compose(size, 42, List.of("user1@example.test"));
        assertThat(m.getBytes(StandardCharsets.US_ASCII)).hasSize(size);
        assertThat(m).endsWith("\r\n");
        String[] lines = m.substring(0, m.length() - 2).split("\r\n", -1);
        for (String line : lines) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
            assertThat(line).matches("[ -~]*");
        }
        assertThat(m.replace("\r\n", "")).doesNotContain("\r", "\n");
    }

    @Test
    void hasTheRfc5322Headers() {
        String m = compose(1000, 7, List.of("a@example.test", "b@example.test"));
        assertThat(m).startsWith("From: <s@example.test>\r\n"
                + "To: <a@example.test>,\r\n <b@example.test>\r\n"
                + "Subject: loadgen message 7\r\n"
                + "Date: Tue, 5 Mar 2024 14:07:09 +0000\r\n"
                + "Message-ID: <run1.7@loadgen.example.test>\r\n\r\n");
    }

    @Test
    void aSizeBelowTheHeadersGivesJustTheHeaders() {
        String m = compose(10, 1, List.of("a@example.test"));
        assertThat(m).endsWith("\r\n\r\n").contains("Message-ID:");
    }

    @Test
    void dotStuffingDoublesLeadingDotsAndEndsTheData() {
        byte[] in = "a\r\n.b\r\n.\r\nc.\r\n..d".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(DotStuffing.encode(in), StandardCharsets.US_ASCII))
                .isEqualTo("a\r\n..b\r\n..\r\nc.\r\n...d\r\n.\r\n");
        assertThat(new String(DotStuffing.encode(new byte[0]), StandardCharsets.US_ASCII)).isEqualTo(".\r\n");
    }
}
