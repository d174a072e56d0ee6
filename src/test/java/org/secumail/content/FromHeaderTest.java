// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FromHeaderTest {
    @Test
    void theFormsRealSendersUse() {
        assertThat(FromHeader.parse("Alice <alice@example.com>")).containsExactly("alice@example.com");
        assertThat(FromHeader.parse("alice@example.com")).containsExactly("alice@example.com");
        assertThat(FromHeader.parse("\"Doe, John\" <john@example.com>, bob@example.org")).containsExactly("john@example.com", "bob@example.org");
        assertThat(FromHeader.parse("\"a@evil.example\" <real@example.com>")).containsExactly("real@example.com");
        assertThat(FromHeader.parse("alice@example.com (Alice (the first))")).containsExactly("alice@example.com");
        assertThat(FromHeader.parse("=?UTF-8?B?w4RsaWNl?= <alice@example.com>")).containsExactly("alice@example.com");
        assertThat(FromHeader.parse("friends: a@example.com, b@example.net;")).containsExactly("a@example.com", "b@example.net");
        assertThat(FromHeader.parse("undisclosed-recipients:;")).isEmpty();
        assertThat(FromHeader.parse("no address here")).isEmpty();
        assertThat(FromHeader.parse("\"quoted local\"@example.com")).containsExactly("\"quoted local\"@example.com");
        assertThat(FromHeader.domain("a@Example.COM.")).isEqualTo("example.com");
    }

    @Test
    void singleNeedsExactlyOneFieldWithOneAddress() {
        assertThat(FromHeader.single(msg("From: a@example.com\r\n\r\n"))).isEqualTo("a@example.com");
        assertThat(FromHeader.single(msg("From: a@example.com\r\nFrom: b@example.org\r\n\r\n"))).isNull();
        assertThat(FromHeader.single(msg("From: a@example.com, b@example.org\r\n\r\n"))).isNull();
        assertThat(FromHeader.single(msg("Subject: x\r\n\r\n"))).isNull();
    }

    private static RawMessage msg(String s) {
        return RawMessage.of(s.getBytes(StandardCharsets.UTF_8));
    }
}
