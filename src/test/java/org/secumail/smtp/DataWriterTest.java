// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the SMTP client writes after DATA: CRLF everywhere, dot-stuffing, long lines broken as Postfix breaks them. */
class DataWriterTest {
    private static String write(String content, int limit) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataWriter.write(new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII)), out, limit);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void linesOverTheLimitGetCrlfSpace() throws Exception {
        assertThat(write("abcdefghij\r\n.dot\r\nshort", 4)).isEqualTo("abcd\r\n efg\r\n hij\r\n..dot\r\nshor\r\n t\r\n.\r\n");
        String line = "y".repeat(2500);
        String out = write("Subject: x\r\n\r\n" + line + "\r\n", 998);
        assertThat(out.lines().mapToInt(String::length).max().orElse(0)).isLessThanOrEqualTo(998);
        assertThat(out.replace("\r\n ", "")).isEqualTo("Subject: x\r\n\r\n" + line + "\r\n.\r\n");
        assertThat(write("bare\nlf", 0)).isEqualTo("bare\r\nlf\r\n.\r\n");
    }
}
