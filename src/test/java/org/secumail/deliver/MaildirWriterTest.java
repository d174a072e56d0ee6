// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirWriterTest {
    private static final String CRLF_MESSAGE = "Subject: test\r\nX-A: 1\r\n\r\nbody line\r\nbare\rcr kept\r\nlast\r\n";

    @TempDir Path dir;

    private static ByteArrayInputStream content(String s) { return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)); }

    @Test
    void writesHeaderLinesFirstAndLfLineEndsIntoNew() throws Exception {
        MaildirWriter w = new MaildirWriter(Clock.systemUTC(), "mx.example.test");
        Path maildir = dir.resolve("Maildir");
        Path file = w.deliver(maildir, content(CRLF_MESSAGE), "alice@example.test", "bob@example.org");

        assertThat(file.getParent()).isEqualTo(maildir.resolve("new"));
        assertThat(maildir.resolve("tmp")).isEmptyDirectory();
        assertThat(maildir.resolve("cur")).isEmptyDirectory();
        assertThat(Files.readString(file)).isEqualTo(
                "Return-Path: <bob@example.org>\nDelivered-To: alice@example.test\n"
                        + "Subject: test\nX-A: 1\n\nbody line\nbare\rcr kept\nlast\n");
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    @Test
    void nullSenderAndMissingFinalNewline() throws Exception {
        MaildirWriter w = new MaildirWriter(Clock.systemUTC(), "h");
        Path file = w.deliver(dir.resolve("m"), content("Subject: x\r\n\r\nno newline"), "a@x", "");
        assertThat(Files.readString(file)).isEqualTo("Return-Path: <>\nDelivered-To: a@x\nSubject: x\n\nno newline\n");
    }

    @Test
    void uniqueNameFollowsTheConventionWithAnEscapedHostName() {
        Clock fixed = Clock.fixed(Instant.parse("2024-11-23T10:00:00.654321Z"), ZoneOffset.UTC);
        MaildirWriter w = new MaildirWriter(fixed, "mx/1:a.example");
        String name = w.uniqueName();
        long pid = ProcessHandle.current().pid();
        assertThat(name).matches("1732356000\\.M654321P" + pid + "Q\\d+\\.mx\\\\0571\\\\072a\\.example");
        assertThat(w.uniqueName()).isNotEqualTo(name);
    }

    @Test
    void twoHundredConcurrentDeliveriesAllLandUnderDistinctNames() throws Exception {
        // A frozen clock: every delivery gets the same second and microsecond, only Q differs.
        MaildirWriter w = new MaildirWriter(Clock.fixed(Instant.parse("2024-11-23T10:00:00Z"), ZoneOffset.UTC), "mx.example.test");
        Path maildir = dir.resolve("Maildir");
        List<Future<Path>> fs = new ArrayList<>();
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                String body = "Subject: " + i + "\r\n\r\nmessage " + i + "\r\n";
                fs.add(ex.submit(() -> w.deliver(maildir, content(body), "a@x", "s@x")));
            }
        }
        Set<Path> paths = new HashSet<>();
        for (Future<Path> f : fs) paths.add(f.get());
        assertThat(paths).hasSize(200);
        Set<String> bodies = new HashSet<>();
        try (Stream<Path> s = Files.list(maildir.resolve("new"))) {
            for (Path p : s.toList()) bodies.add(Files.readString(p));
        }
        assertThat(bodies).hasSize(200).allMatch(b -> b.startsWith("Return-Path: <s@x>\nDelivered-To: a@x\nSubject: "));
        assertThat(maildir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void refusesHeaderInjectionAndReportsFailureAsIOException() throws Exception {
        MaildirWriter w = new MaildirWriter(Clock.systemUTC(), "h");
        assertThatThrownBy(() -> w.deliver(dir.resolve("m"), content("x\r\n"), "a@x\nBcc: evil", "s@x"))
                .isInstanceOf(IllegalArgumentException.class);
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        assertThatThrownBy(() -> w.deliver(notADir, content("x\r\n"), "a@x", "s@x")).isInstanceOf(java.io.IOException.class);
    }
}
