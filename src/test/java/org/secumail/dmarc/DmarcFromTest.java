// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.secumail.content.RawMessage;

/** The RFC5322.From domains (RFC 7489 section 6.6.1). */
class DmarcFromTest {
    private static FromDomains from(String headers) {
        return FromDomains.of(RawMessage.of((headers + "Subject: x\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theUsualForms() {
        assertThat(from("From: a@Example.COM\r\n").single()).isEqualTo("example.com");
        assertThat(from("From: \"Doe, John\" <john@example.org>\r\n").single()).isEqualTo("example.org");
        assertThat(from("From: John (the <boss>, really) <john@example.net.>\r\n").single()).isEqualTo("example.net");
        assertThat(from("From: =?UTF-8?Q?J=C3=B6rg?=\r\n <j@mail.example.de>\r\n").single()).isEqualTo("mail.example.de");
        assertThat(from("From: <@relay.example:user@example.com>\r\n").single()).isEqualTo("example.com");
        assertThat(from("From: \"a@evil.example\"@example.com\r\n").single()).isEqualTo("example.com");
        assertThat(from("From: x@bücher.example\r\n").single()).isEqualTo("bücher.example");
    }

    @Test
    void severalAddressesAndFields() {
        FromDomains two = from("From: a@one.example, b@two.example\r\n");
        assertThat(two.domains()).containsExactly("one.example", "two.example");
        assertThat(two.single()).isNull();
        assertThat(from("From: a@one.example, b@ONE.example\r\n").single()).isEqualTo("one.example");
        FromDomains fields = from("From: a@one.example\r\nFrom: b@two.example\r\n");
        assertThat(fields.fields()).isEqualTo(2);
        assertThat(fields.domains()).containsExactly("one.example", "two.example");
        assertThat(from("From: friends: a@one.example, b@two.example;\r\n").domains()).containsExactly("one.example", "two.example");
    }

    @Test
    void unusableFromFields() {
        assertThat(from("To: a@example.com\r\n").error()).isEqualTo("no From field");
        assertThat(from("From: \r\n").error()).isEqualTo("no address in From field");
        assertThat(from("From: undisclosed-recipients:;\r\n").error()).isEqualTo("no address in From field");
        assertThat(from("From: nobody\r\n").error()).startsWith("no usable domain");
        assertThat(from("From: a@[192.0.2.1]\r\n").error()).startsWith("no usable domain");
        assertThat(from("From: <a@exa mple.com>\r\n").error()).startsWith("no usable domain");
        assertThat(from("From: \"unterminated <a@example.com>\r\n").error()).isNotNull();
        assertThat(from("From: (unterminated comment a@example.com\r\n").error()).isNotNull();
        assertThat(from("From: <a@example.com\r\n").single()).isEqualTo("example.com");
    }
}
