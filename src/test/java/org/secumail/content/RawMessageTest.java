// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawMessageTest {
    @TempDir
    Path tmp;

    private static String s(java.io.InputStream in) throws Exception {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void fieldsKeepTheirBytesAndFolding() throws Exception {
        String m = "From: a@example.com\r\nSubject: one\r\n two\r\n\tthree\r\nX-Empty:\r\n\r\nbody line\r\n";
        Path f = tmp.resolve("m");
        Files.writeString(f, m);
        RawMessage r = RawMessage.of(f);
        assertThat(r.headers()).extracting(HeaderField::name).containsExactly("From", "Subject", "X-Empty");
        assertThat(new String(r.headers().get(1).raw(), StandardCharsets.US_ASCII)).isEqualTo("Subject: one\r\n two\r\n\tthree\r\n");
        assertThat(r.first("subject").value()).isEqualTo("one two\tthree");
        assertThat(s(r.openBody())).isEqualTo("body line\r\n");
        assertThat(s(r.openTail())).isEqualTo("\r\nbody line\r\n");
        assertThat(s(r.openMessage())).isEqualTo(m);
    }

    /** Held in memory up to IN_MEMORY_MAX, read from the file past it: the same answers. */
    @Test
    void aLargeFileReadsLikeASmallOne() throws Exception {
        for (int size : new int[] {RawMessage.IN_MEMORY_MAX - 100, RawMessage.IN_MEMORY_MAX + 100}) {
            String head = "From: a@example.com\r\nSubject: big\r\n";
            String body = "y".repeat(size - head.length() - 2);
            Path f = tmp.resolve("big" + size);
            Files.writeString(f, head + "\r\n" + body);
            RawMessage r = RawMessage.of(f);
            assertThat(r.headers()).extracting(HeaderField::name).containsExactly("From", "Subject");
            assertThat(r.bodyOffset()).isEqualTo(head.length() + 2);
            assertThat(s(r.openBody())).isEqualTo(body);
            assertThat(s(r.openMessage())).isEqualTo(head + "\r\n" + body);
            Files.delete(f);   // held in memory or not, a small message no longer needs its file
            if (size <= RawMessage.IN_MEMORY_MAX) assertThat(s(r.openBody())).isEqualTo(body);
        }
    }

    @Test
    void aLineWithoutColonStartsTheBody() throws Exception {
        RawMessage r = RawMessage.of("From: a\r\nnot a header\r\nmore\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.headers()).hasSize(1);
        assertThat(s(r.openBody())).isEqualTo("not a header\r\nmore\r\n");
    }

    @Test
    void withHeadersReplacesOnlyTheHeaderSection() throws Exception {
        RawMessage r = RawMessage.of("A: 1\r\nB: 2\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        RawMessage w = r.withHeaders(List.of(HeaderField.of("C", "3"), r.headers().get(1)));
        assertThat(s(w.openMessage())).isEqualTo("C: 3\r\nB: 2\r\n\r\nbody\r\n");
        assertThat(s(w.openBody())).isEqualTo("body\r\n");
    }

    @Test
    void noBodyAndHugeHeadersAreBounded() {
        RawMessage r = RawMessage.of("A: 1\r\nB: 2".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.headers()).hasSize(2);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < RawMessage.MAX_HEADER_FIELDS + 5; i++) sb.append("X: ").append(i).append("\r\n");
        sb.append("\r\nbody\r\n");
        RawMessage big = RawMessage.of(sb.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(big.headers()).hasSize(RawMessage.MAX_HEADER_FIELDS);
    }
}
