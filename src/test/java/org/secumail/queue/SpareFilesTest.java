// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recycling of removed messages' files ({@link SpareFiles}): same inode, never old bytes. */
class SpareFilesTest {
    @TempDir Path dir;

    private static Object inode(Path p) throws IOException { return Files.getAttribute(p, "unix:ino"); }

    private static Path file(Path p, int size) throws IOException {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) 'x');
        return Files.write(p, b);
    }

    @Test
    void beforeRecoveryARemovedFileIsDeleted() throws Exception {
        SpareFiles spares = new SpareFiles(Files.createDirectory(dir.resolve("spare")));
        Path f = file(dir.resolve("a.msg"), 100);
        assertThat(spares.remove(f, 100)).isTrue();
        assertThat(f).doesNotExist();
        assertThat(dir.resolve("spare")).isEmptyDirectory();
        assertThat(spares.size()).isZero();
    }

    @Test
    void aRemovedFileIsEmptiedAndBecomesTheNextNewFile() throws Exception {
        SpareFiles spares = new SpareFiles(Files.createDirectory(dir.resolve("spare")));
        spares.enable();
        Path old = file(dir.resolve("old.msg"), 5000);
        Object ino = inode(old);
        assertThat(spares.remove(old, 5000)).isTrue();
        assertThat(old).doesNotExist();
        assertThat(spares.size()).isEqualTo(1);
        try (var ds = Files.list(dir.resolve("spare"))) {
            List<Path> kept = ds.toList();
            assertThat(kept).hasSize(1);
            assertThat(Files.size(kept.get(0))).isZero();   // the removed message's bytes are gone at once
        }

        Path fresh = dir.resolve("fresh.msg");
        try (FileChannel ch = spares.create(fresh, java.nio.file.StandardOpenOption.READ)) {
            ch.write(java.nio.ByteBuffer.wrap("new".getBytes(StandardCharsets.US_ASCII)));
        }
        assertThat(inode(fresh)).isEqualTo(ino);
        assertThat(Files.readString(fresh)).isEqualTo("new");
        assertThat(dir.resolve("spare")).isEmptyDirectory();
        assertThat(spares.size()).isZero();
        assertThat(Files.getAttribute(fresh, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void aNewFileIsPrivateWhetherSpareOrNot() throws Exception {
        SpareFiles spares = new SpareFiles(Files.createDirectory(dir.resolve("spare")));
        spares.enable();
        try (FileChannel ch = spares.create(dir.resolve("one"))) { ch.write(java.nio.ByteBuffer.wrap(new byte[10])); }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("one")))).isEqualTo("rw-------");
        spares.remove(dir.resolve("one"), 10);
        spares.create(dir.resolve("two")).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("two")))).isEqualTo("rw-------");
    }

    @Test
    void anExistingNameIsRefusedAndTheSpareKept() throws Exception {
        SpareFiles spares = new SpareFiles(Files.createDirectory(dir.resolve("spare")));
        spares.enable();
        spares.remove(file(dir.resolve("gone"), 10), 10);
        Path taken = Files.writeString(dir.resolve("taken"), "someone else's");
        assertThatThrownBy(() -> spares.create(taken)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(taken)).isEqualTo("someone else's");
        assertThat(spares.size()).isEqualTo(1);
        // without a spare the same holds
        spares.create(dir.resolve("other")).close();
        assertThatThrownBy(() -> spares.create(taken)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void largeFilesAndFilesBeyondTheLimitAreDeleted() throws Exception {
        SpareFiles spares = new SpareFiles(Files.createDirectory(dir.resolve("spare")));
        spares.enable();
        long big = QueueStore.IN_PLACE_MAX + 1;
        assertThat(spares.remove(file(dir.resolve("big"), (int) big), big)).isTrue();
        assertThat(spares.size()).isZero();
        assertThat(dir.resolve("spare")).isEmptyDirectory();
        for (int i = 0; i < SpareFiles.LIMIT + 5; i++) spares.remove(file(dir.resolve("f" + i), 1), 1);
        assertThat(spares.size()).isEqualTo(SpareFiles.LIMIT);
        try (var ds = Files.list(dir.resolve("spare"))) {
            assertThat(ds.count()).isEqualTo(SpareFiles.LIMIT);
        }
        assertThat(spares.remove(dir.resolve("never-was"), 1)).isFalse();
    }

    @Test
    void recoveryEmptiesTheSparesItFinds() throws Exception {
        Path spareDir = Files.createDirectory(dir.resolve("spare"));
        file(spareDir.resolve("left-by-a-crash"), 300);   // renamed in, not yet truncated
        SpareFiles spares = new SpareFiles(spareDir);
        spares.enable();
        assertThat(spares.size()).isEqualTo(1);
        assertThat(Files.size(spareDir.resolve("left-by-a-crash"))).isZero();
    }

    @Test
    void aSpareNameBackBesideTheQueueFileItBecameIsOnlyUnlinked() throws Exception {
        // a power loss kept spare/N on disk after its file became incoming/ID.msg (spare/ is not fsynced)
        Path spareDir = Files.createDirectory(dir.resolve("spare"));
        Path queued = file(Files.createDirectory(dir.resolve("incoming")).resolve("ID.msg"), 700);
        Files.createLink(spareDir.resolve("n-1"), queued);
        SpareFiles spares = new SpareFiles(spareDir);
        spares.enable();
        assertThat(spareDir).isEmptyDirectory();
        assertThat(spares.size()).isZero();
        assertThat(Files.size(queued)).isEqualTo(700);   // the message keeps its bytes
    }

    @Test
    void theQueueReusesRemovedMessagesFilesAndDeliversExactBytes() throws Exception {
        QueueStore store = new QueueStore(dir.resolve("q"));
        assertThat(store.recover()).isEmpty();
        QueueStore.Writer w = store.create();
        try (OutputStream out = w.content()) {
            out.write(("Subject: long\r\n\r\n" + "y".repeat(20_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        w.commit(QueueStoreTest.envelope("a@example.net"));
        QueuedMessage first = store.load(store.list(QueueStore.INCOMING).get(0));
        Object contentInode = inode(first.contentFile());
        Object envelopeInode = inode(first.envelopeFile());
        store.remove(first);
        assertThat(store.list(QueueStore.INCOMING)).isEmpty();
        assertThat(store.spares.size()).isEqualTo(2);

        QueueId id = QueueStoreTest.commit(store, QueueStoreTest.envelope("b@example.net", "c@example.net"));
        QueuedMessage second = store.load(store.queue(QueueStore.INCOMING).resolve(id + ".env"));
        assertThat(List.of(inode(second.contentFile()), inode(second.envelopeFile())))
                .containsExactlyInAnyOrder(contentInode, envelopeInode);
        try (InputStream in = second.openContent()) {
            assertThat(in.readAllBytes()).isEqualTo(QueueStoreTest.BODY);
        }
        assertThat(second.envelope().recipients()).containsExactly("b@example.net", "c@example.net");
        assertThat(store.spares.size()).isZero();

        // an aborted message's files are spares too
        QueueStore.Writer aborted = store.create();
        try (OutputStream out = aborted.content()) {
            out.write(QueueStoreTest.BODY);
        }
        aborted.contentFile();
        aborted.abort();
        assertThat(dir.resolve("q/tmp")).isEmptyDirectory();
        assertThat(store.spares.size()).isEqualTo(1);
    }
}
