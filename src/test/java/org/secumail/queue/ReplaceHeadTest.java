// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplaceHeadTest {
    @TempDir
    Path tmp;

    @Test
    void theNewHeadAndTheOldTailAreWhatIsCommitted() throws Exception {
        QueueStore store = new QueueStore(tmp.resolve("q"));
        QueueStore.Writer w = store.create();
        byte[] body = "x".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
        w.content().write("Old: 1\r\nKeep: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        w.content().write(body);
        Path file = w.contentFile();
        assertThat(Files.size(file)).isEqualTo(19 + body.length);
        w.replaceHead("New: 0\r\nKeep: 2\r\n".getBytes(StandardCharsets.US_ASCII), "Old: 1\r\nKeep: 2\r\n".length());
        w.commit(new Envelope("a@example.com", List.of("b@example.com"), Instant.now(), Map.of()));
        Path committed = store.queue(QueueStore.INCOMING).resolve(w.id() + QueueStore.CONTENT_SUFFIX);
        byte[] all = Files.readAllBytes(committed);
        String head = new String(all, 0, 19, StandardCharsets.US_ASCII);
        assertThat(head).isEqualTo("New: 0\r\nKeep: 2\r\n\r\n");
        assertThat(all).hasSize(19 + body.length);
        assertThat(all[19]).isEqualTo((byte) 'x');
        try (var files = Files.list(store.queue(QueueStore.TMP))) {
            assertThat(files).isEmpty();
        }
    }

    /** In place (small) and through a new file (past IN_PLACE_MAX), the head growing and shrinking. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"10, 40", "10, 2", "200000, 3", "262100, 300", "300000, 40", "300000, 1"})
    void everySizeAndHeadLengthGivesTheExactNewContent(int bodyLength, int headLength) throws Exception {
        QueueStore store = new QueueStore(tmp.resolve("q"));
        QueueStore.Writer w = store.create();
        String oldHead = "Subject: " + "o".repeat(20) + "\r\n";
        StringBuilder body = new StringBuilder("\r\n");
        for (int i = 0; body.length() < bodyLength; i++) body.append((char) ('a' + i % 26));
        w.content().write((oldHead + body).getBytes(StandardCharsets.US_ASCII));
        String newHead = headLength < 10 ? "S: " + "n".repeat(headLength) + "\r\n"   // shorter than the old
                : "X: " + "n".repeat(headLength) + "\r\n" + oldHead;
        w.replaceHead(newHead.getBytes(StandardCharsets.US_ASCII), oldHead.length());
        w.commit(new Envelope("a@example.com", List.of("b@example.com"), Instant.now(), Map.of()));
        Path committed = store.queue(QueueStore.INCOMING).resolve(w.id() + QueueStore.CONTENT_SUFFIX);
        assertThat(new String(Files.readAllBytes(committed), StandardCharsets.US_ASCII)).isEqualTo(newHead + body);
        try (var files = Files.list(store.queue(QueueStore.TMP))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void abortAfterReplaceLeavesNothing() throws Exception {
        QueueStore store = new QueueStore(tmp.resolve("q"));
        QueueStore.Writer w = store.create();
        w.content().write("A: 1\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        w.replaceHead("B: 2\r\n".getBytes(StandardCharsets.US_ASCII), 6);
        w.abort();
        try (var files = Files.list(store.queue(QueueStore.TMP))) {
            assertThat(files).isEmpty();
        }
    }
}
