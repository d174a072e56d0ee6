// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import org.secumail.smtpd.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.queue.QueueStoreTest.commit;
import static org.secumail.queue.QueueStoreTest.envelope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each test leaves the queue directory as a crash at some point would, then recovers. */
class QueueRecoveryTest {
    @TempDir Path dir;

    private Path in(String queue, QueueId id, String suffix) { return dir.resolve(queue).resolve(id + suffix); }

    @Test
    void uncommittedFilesInTmpAreDeleted() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueStore.Writer w = store.create();
        w.content().write(QueueStoreTest.BODY);
        w.content().flush();
        Files.writeString(dir.resolve("tmp").resolve(QueueId.next() + ".env"), "V 1\n");
        // no commit, no abort: the process died while receiving DATA

        QueueStore reopened = new QueueStore(dir);
        assertThat(reopened.recover()).isEmpty();
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void contentWithoutEnvelopeIsAnInterruptedCommitAndIsDeleted() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x"));
        // Crash between the two renames of commit: content in incoming/, envelope still in tmp/.
        Files.move(in("incoming", id, ".env"), in("tmp", id, ".env"));

        assertThat(store.recover()).isEmpty();
        assertThat(dir.resolve("incoming")).isEmptyDirectory();
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void activeMessagesGoBackToIncomingWithTheirDoneRecords() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x", "b@x"));
        QueuedMessage active = store.moveTo(store.load(in("incoming", id, ".env")), "active");
        store.markDone(active, 0, "sent 2.0.0");

        List<QueuedMessage> todo = store.recover();
        assertThat(todo).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(id);
            assertThat(m.queue()).isEqualTo("incoming");
            assertThat(m.pending()).containsExactly(new QueuedMessage.Recipient(1, "b@x"));
        });
        assertThat(dir.resolve("active")).isEmptyDirectory();
        assertThat(in("incoming", id, ".msg")).exists();
    }

    @Test
    void envelopeThatMovedWithoutItsContentGetsItBack() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId id = commit(store, envelope("a@x"));
        // Crash in moveTo(deferred) after the envelope moved, before the content did.
        Files.move(in("incoming", id, ".env"), in("deferred", id, ".env"));

        List<QueuedMessage> todo = store.recover();
        assertThat(todo).singleElement().satisfies(m -> assertThat(m.queue()).isEqualTo("deferred"));
        assertThat(in("deferred", id, ".msg")).exists();
        assertThat(dir.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void corruptEnvelopeAndMissingContentGoToCorrupt() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId bad = commit(store, envelope("a@x"));
        Files.writeString(in("incoming", bad, ".env"), "V 1\nT garbage\n");
        QueueId lost = commit(store, envelope("b@x"));
        Files.delete(in("incoming", lost, ".msg"));
        QueueId good = commit(store, envelope("c@x"));

        try (LogCapture log = new LogCapture("secumail.postsuper")) {
            List<QueuedMessage> todo = store.recover();
            assertThat(todo).extracting(QueuedMessage::id).containsExactly(good);
            assertThat(log.lines()).anyMatch(l -> l.startsWith(bad + ": corrupt envelope")
                    && l.endsWith("saving corrupt file \"" + bad + "\" from queue \"incoming\" to queue \"corrupt\""));
            assertThat(log.lines()).anyMatch(l -> l.startsWith(lost + ": missing content file"));
        }
        assertThat(in("corrupt", bad, ".env")).exists();
        assertThat(in("corrupt", bad, ".msg")).exists();
        assertThat(in("corrupt", lost, ".env")).exists();
        assertThat(store.list("incoming")).containsExactly(in("incoming", good, ".env"));
    }

    @Test
    void holdIsKeptButNotReturnedAndStrangersAreLeftAlone() throws Exception {
        QueueStore store = new QueueStore(dir);
        QueueId held = commit(store, envelope("a@x"));
        store.moveTo(store.load(in("incoming", held, ".env")), "hold");
        Files.writeString(dir.resolve("incoming").resolve("README"), "admin note");

        assertThat(store.recover()).isEmpty();
        assertThat(in("hold", held, ".env")).exists();
        assertThat(in("hold", held, ".msg")).exists();
        assertThat(dir.resolve("incoming").resolve("README")).exists();
    }
}
