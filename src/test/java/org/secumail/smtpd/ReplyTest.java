// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyTest {
    @Test
    void enhancedCodeClassFollowsReplyCode() {
        assertThat(Reply.of(504, "4.5.2", "x").line()).isEqualTo("504 5.5.2 x");
        assertThat(Reply.of(450, "5.7.1", "x").line()).isEqualTo("450 4.7.1 x");
    }

    @Test
    void multilineWireForm() {
        String wire = new String(Reply.of(250, "", "host\nPIPELINING\nSIZE 10").wire(), StandardCharsets.US_ASCII);
        assertThat(wire).isEqualTo("250-host\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
        assertThat(new String(Reply.of(221, "2.0.0", "Bye").wire(), StandardCharsets.US_ASCII)).isEqualTo("221 2.0.0 Bye\r\n");
    }
}
