// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueueStoreTest {
    static final byte[] BODY = "Subject: hi\r\n\r\nline one\r\n.leading dot was unstuffed\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path dir;

    static Envelope envelope(String... rcpts) {
        return new Envelope("sender@example.org", List.of(rcpts), Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.of("client_address", "192.0.2.7", "protocol", "ESMTP"));
    }

    static QueueId commit(QueueStore store, Envelope env) throws IOException {
        QueueStore.Writer w = store.create();
        try (OutputStream out = w.content()) {
            out.write(BODY);
        }
        w.commit(env);
        return w.id();
    }

    @Test
    void createsTheQueueLayout() throws Exception {
        new QueueStore(dir.resolve("q"));
        for (String q : List.of("tmp", "incoming", "active", "deferred", "hold", "corrupt")) {
            assertThat(dir.resolve("q").resolve(q)).isDirectory();
        }
    }

    @Test
    void commitThenLoadRoundTrip() throws Exception {
        QueueStore store = new QueueStore(dir);
        Envelope env = envelope("a@example.net", "b@example.net");
        QueueId id = commit(store, env);

        assertThat(dir.resolve("tmp")).isEmptyDirectory();
        Path envFile = dir.resolve("incoming").resolve(id + ".env");
        assertThat(Files.readString(envFile)).contains("S sender@example.org\n", "R 1 b@example.net\n", "A protocol=ESMTP\n");
        QueuedMessage m = store.load(envFile);
        assertThat(m.id()).isEqualTo(id);
        assertThat(m.queue()).isEqualTo("incoming");
        assertThat(m.envelope()).isEqualTo(env);
        assertThat(m.pending()).extracting(QueuedMessage.Recipient::address).containsExactly("a@example.net", "b@example.net");
        assertThat(m.size()).isEqualTo(BODY.length);
        try (InputStream in = m.openContent()) {
            assertThat(in.readAllBytes()).isEqualTo(BODY);
        }
        assertThat(store.list("incoming")).containsExactly(envFile);
    }

    @Test
    void abortIsIdempotentAndDoesNotTouchACommittedMessage() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueStore.Writer w = store.create();
        w.content().write(BODY);
        assertThat(dir.resolve("tmp").resolve(w.id() + ".msg")).exists();
        w.abort();
        w.abort();
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
        assertThatThrownBy(() -> w.commit(envelope("a@x"))).isInstanceOf(IllegalStateException.class);

        QueueStore.Writer ok = store.create();
        ok.content().write(BODY);
        ok.commit(envelope("a@x"));
        ok.abort();
        ok.close();
        assertThat(store.list("incoming")).hasSize(1);
    }

    @Test
    void failedCommitLeavesNothingBehind() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueStore.Writer w = store.create();
        w.content().write(BODY);
        // incoming/ replaced by a file: the rename into it fails as a full or broken disk would.
        Files.delete(dir.resolve("incoming"));
        Files.writeString(dir.resolve("incoming"), "not a directory");
        assertThatThrownBy(() -> w.commit(envelope("a@x"))).isInstanceOf(IOException.class);
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
        w.abort();
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void markDoneAppendsAndLoadReplays() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x", "b@x", "c@x"));
        QueuedMessage m = store.load(dir.resolve("incoming").resolve(id + ".env"));
        String before = Files.readString(m.envelopeFile());
        store.markDone(m, 1, "sent 2.0.0");
        store.markDone(m, 0, "bounced 5.1.1");
        assertThat(Files.readString(m.envelopeFile())).isEqualTo(before + "D 1 sent 2.0.0\nD 0 bounced 5.1.1\n");

        QueuedMessage again = store.load(m.envelopeFile());
        assertThat(again.pending()).containsExactly(new QueuedMessage.Recipient(2, "c@x"));
        assertThat(again.done()).containsEntry(1, "sent 2.0.0").containsEntry(0, "bounced 5.1.1");
        assertThatThrownBy(() -> store.markDone(m, 3, "sent")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void markDoneAfterATornAppendCutsTheFragmentInsteadOfGluingToIt() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x", "b@x", "c@x"));
        QueuedMessage m = store.load(dir.resolve("incoming").resolve(id + ".env"));
        // A crash during the append of "D 1 sent 2.0.0\n" left "D 1".
        Files.writeString(m.envelopeFile(), "D 1", StandardOpenOption.APPEND);
        assertThat(store.load(m.envelopeFile()).pending()).hasSize(3);
        store.markDone(m, 2, "sent 2.0.0");
        QueuedMessage again = store.load(m.envelopeFile());
        assertThat(again.pending()).extracting(QueuedMessage.Recipient::address).containsExactly("a@x", "b@x");
        assertThat(Files.readString(m.envelopeFile())).endsWith("E\nD 2 sent 2.0.0\n");
    }

    @Test
    void moveDeferWithNextAttemptAndRemove() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x"));
        QueuedMessage m = store.load(dir.resolve("incoming").resolve(id + ".env"));
        QueuedMessage active = store.moveTo(m, "active");
        assertThat(active.envelopeFile()).isEqualTo(dir.resolve("active").resolve(id + ".env")).exists();
        assertThat(active.contentFile()).exists();
        Instant next = Instant.parse("2031-05-05T05:05:05Z");
        QueuedMessage deferred = store.defer(active, next);
        assertThat(store.list("deferred")).containsExactly(deferred.envelopeFile());
        assertThat(store.nextAttempt(deferred.envelopeFile())).isEqualTo(next);
        assertThat(store.load(deferred.envelopeFile()).queue()).isEqualTo("deferred");
        store.remove(deferred);
        assertThat(dir.resolve("deferred")).isEmptyDirectory();
        assertThatThrownBy(() -> store.moveTo(m, "nowhere")).isInstanceOf(IllegalArgumentException.class);
    }
}
