// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MboxWriterTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-11-03T09:05:07Z"), ZoneOffset.UTC);

    @TempDir Path dir;

    private static ByteArrayInputStream content(String s) { return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)); }

    @Test
    void fromLineHeadersQuotedBodyAndBlankLine() throws Exception {
        Path mbox = dir.resolve("alice");
        new MboxWriter(CLOCK).deliver(mbox, content(
                "From: Bob <bob@example.org>\r\nSubject: hi\r\n\r\nFrom here on\r\nFrom\r\n>From kept\r\n From indented\r\nFrom "),
                "alice@example.test", "bob@example.org");
        assertThat(Files.readString(mbox)).isEqualTo("""
                From bob@example.org Sun Nov  3 09:05:07 2024
                Return-Path: <bob@example.org>
                Delivered-To: alice@example.test
                From: Bob <bob@example.org>
                Subject: hi

                >From here on
                From
                >From kept
                 From indented
                >From\s

                """);
    }

    @Test
    void appendsAndUsesMailerDaemonForTheNullSender() throws Exception {
        Path mbox = dir.resolve("bob");
        MboxWriter w = new MboxWriter(CLOCK);
        w.deliver(mbox, content("Subject: 1\r\n\r\none\r\n"), "bob@x", "a@x");
        w.deliver(mbox, content("Subject: 2\r\n\r\ntwo\r\n"), "bob@x", "");
        String text = Files.readString(mbox);
        assertThat(text).startsWith("From a@x Sun Nov  3 09:05:07 2024\n")
                .contains("\n\nFrom MAILER-DAEMON Sun Nov  3 09:05:07 2024\nReturn-Path: <>\n")
                .endsWith("two\n\n");
    }

    @Test
    void aFailedAppendIsCutBackSoNoPartialMessageRemains() throws Exception {
        Path mbox = dir.resolve("carol");
        MboxWriter w = new MboxWriter(CLOCK);
        w.deliver(mbox, content("Subject: ok\r\n\r\nfine\r\n"), "c@x", "s@x");
        long before = Files.size(mbox);
        InputStream failing = new InputStream() {
            private int n;
            @Override public int read() throws IOException {
                if (n++ < 100_000) return 'x';
                throw new IOException("read error in queue file");
            }
        };
        assertThatThrownBy(() -> w.deliver(mbox, failing, "c@x", "s@x"))
                .isInstanceOf(IOException.class).hasMessage("read error in queue file");
        assertThat(Files.size(mbox)).isEqualTo(before);
    }

    @Test
    void concurrentDeliveriesToOneMailboxDoNotInterleave() throws Exception {
        Path mbox = dir.resolve("dave");
        MboxWriter w = new MboxWriter(CLOCK);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2000; i++) big.append("line ").append(i).append("\r\n");
        List<Future<?>> fs = new ArrayList<>();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 30; i++) {
                String msg = "Subject: " + i + "\r\n\r\n" + big;
                fs.add(ex.submit(() -> {
                    w.deliver(mbox, content(msg), "d@x", "s@x");
                    return null;
                }));
            }
        }
        for (Future<?> f : fs) f.get();
        String[] messages = Files.readString(mbox).split("(?m)^From s@x ", -1);
        assertThat(messages).hasSize(31);
        for (int i = 1; i < messages.length; i++) {
            assertThat(messages[i]).contains("line 0\nline 1\n").endsWith("line 1999\n\n");
        }
    }
}
