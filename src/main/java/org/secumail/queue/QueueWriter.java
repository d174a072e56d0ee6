// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * The one implementation of {@link QueueStore.Writer}: Postfix's cleanup(8) step of writing
 * a queue file and handing it to the queue manager, minus the header rewriting.
 */
final class QueueWriter implements QueueStore.Writer {
    private enum State { OPEN, COMMITTED, ABORTED }

    private final QueueStore store;
    private final QueueId id;
    private final Path tmpContent;
    private final Path tmpEnvelope;
    private FileChannel channel;
    private final OutputStream contentStream;
    private boolean headReplaced;
    /** Set while the content is rewritten in place: a failure there leaves it unusable. */
    private boolean damaged;
    private State state = State.OPEN;

    QueueWriter(QueueStore store, QueueId id) throws IOException {
        this.store = store;
        this.id = id;
        Path tmp = store.queue(QueueStore.TMP);
        this.tmpContent = tmp.resolve(id + QueueStore.CONTENT_SUFFIX);
        this.tmpEnvelope = tmp.resolve(id + QueueStore.ENVELOPE_SUFFIX);
        this.channel = store.spares.create(tmpContent, StandardOpenOption.READ);   // READ: replaceHead in place
        // Closing the caller's stream must not close the channel: commit still has to fsync it.
        this.contentStream = new FilterOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 16 * 1024)) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() throws IOException { out.flush(); }
        };
    }

    /** Creates a file that must not exist yet, readable by the owner only (mail is private). */
    private static FileChannel createPrivate(Path p, StandardOpenOption... more) throws IOException {
        Set<StandardOpenOption> opts = new java.util.HashSet<>(Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        opts.addAll(Arrays.asList(more));
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(p, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return FileChannel.open(p, opts);
    }

    @Override public QueueId id() { return id; }

    @Override public OutputStream content() { return contentStream; }

    @Override
    public synchronized Path contentFile() throws IOException {
        if (!headReplaced) contentStream.flush();
        return tmpContent;
    }

    @Override
    public synchronized void replaceHead(byte[] newHead, long oldHeadLength) throws IOException {
        if (state == State.OPEN && !damaged) {
            if (!headReplaced) contentStream.flush();
            long size = channel.size();
            if (size <= QueueStore.IN_PLACE_MAX && oldHeadLength <= size && newHead.length + size - oldHeadLength <= QueueStore.IN_PLACE_MAX) {
                replaceInPlace(newHead, oldHeadLength, size);
                return;
            }
        }
        rewrite(newHead, out -> {
            long size = channel.size();
            long pos = oldHeadLength;
            try (FileChannel in = FileChannel.open(tmpContent, StandardOpenOption.READ)) {
                while (pos < size) {
                    long n = in.transferTo(pos, size - pos, out);   // copied in the kernel, not through the heap
                    if (n <= 0) throw new IOException("short copy of " + tmpContent);
                    pos += n;
                }
            }
        });
    }

    @Override
    public synchronized void replaceContent(byte[] newHead, java.io.InputStream rest) throws IOException {
        rewrite(newHead, out -> {
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = rest.read(buf)) > 0) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) out.write(b);
            }
        });
    }

    /**
     * The head replaced in the same file (see {@link QueueStore#IN_PLACE_MAX}). Until the new
     * content is whole the file is neither the old message nor the new one, so a failure
     * half-way marks the writer damaged and commit refuses it (the client gets a 4xx).
     */
    private void replaceInPlace(byte[] newHead, long oldHeadLength, long size) throws IOException {
        ByteBuffer tail = ByteBuffer.allocate((int) (size - oldHeadLength));
        while (tail.hasRemaining()) {
            if (channel.read(tail, oldHeadLength + tail.position()) < 0) throw new IOException("short read of " + tmpContent);
        }
        tail.flip();
        damaged = true;
        ByteBuffer[] parts = {ByteBuffer.wrap(newHead), tail};
        channel.position(0);
        while (parts[1].hasRemaining()) channel.write(parts);
        channel.truncate(newHead.length + size - oldHeadLength);
        damaged = false;
        headReplaced = true;
    }

    private interface Tail {
        void writeTo(FileChannel out) throws IOException;
    }

    /** A new content file: the head, then what {@code tail} writes; it replaces the old one atomically. */
    private void rewrite(byte[] newHead, Tail tail) throws IOException {
        if (state != State.OPEN) throw new IllegalStateException(id + ": writer already " + state.name().toLowerCase());
        if (!headReplaced) contentStream.flush();
        Path next = tmpContent.resolveSibling(tmpContent.getFileName() + ".new");
        Files.deleteIfExists(next);
        FileChannel out = createPrivate(next, StandardOpenOption.READ);
        try {
            ByteBuffer head = ByteBuffer.wrap(newHead);
            while (head.hasRemaining()) out.write(head);
            tail.writeTo(out);
            Files.move(next, tmpContent, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            out.close();
            deleteQuietly(next);
            throw e;
        }
        channel.close();
        channel = out;   // commit fsyncs and closes the new file
        headReplaced = true;
    }

    @Override
    public synchronized void commit(Envelope envelope) throws IOException {
        if (state != State.OPEN) throw new IllegalStateException(id + ": writer already " + state.name().toLowerCase());
        Path incoming = store.queue(QueueStore.INCOMING);
        Path inContent = incoming.resolve(tmpContent.getFileName());
        Path inEnvelope = incoming.resolve(tmpEnvelope.getFileName());
        boolean contentMoved = false;
        boolean envelopeMoved = false;
        try {
            if (damaged) throw new IOException("the content file was damaged rewriting its head: " + tmpContent);
            if (!headReplaced) contentStream.flush();
            // fdatasync (data and size: for a new file that is all we need) of the content on
            // a second thread while the envelope is written and synced here: the two waits
            // for the disk overlap (a millisecond or more each) instead of adding up
            FileChannel content = channel;
            java.util.concurrent.FutureTask<Void> contentSync = new java.util.concurrent.FutureTask<>(() -> {
                content.force(false);
                return null;
            });
            Thread.ofVirtual().name("queue-sync-" + id).start(contentSync);
            try (FileChannel env = store.spares.create(tmpEnvelope)) {
                ByteBuffer buf = ByteBuffer.wrap(EnvelopeFormat.encode(envelope).getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) env.write(buf);
                env.force(false);
            } finally {
                awaitSync(contentSync);
            }
            channel.close();
            Files.move(tmpContent, inContent, StandardCopyOption.ATOMIC_MOVE);
            contentMoved = true;
            // The envelope's arrival in incoming/ is the commit point.
            Files.move(tmpEnvelope, inEnvelope, StandardCopyOption.ATOMIC_MOVE);
            envelopeMoved = true;
            QueueStore.fsyncDirectory(incoming);
            state = State.COMMITTED;
        } catch (IOException | RuntimeException e) {
            // Un-commit in the same order as removal (envelope first), so that no half is left
            // that recovery would have to guess about; the client gets a 4xx and retries.
            if (envelopeMoved) deleteQuietly(inEnvelope);
            if (contentMoved) deleteQuietly(inContent);
            discard();
            throw e;
        }
    }

    /** Waits for the content's fdatasync; its failure is the commit's failure. */
    private static void awaitSync(java.util.concurrent.FutureTask<Void> sync) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    sync.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;   // the disk is not interrupted: wait for its answer all the same
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException("cannot sync the queue file", e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void abort() {
        if (state == State.OPEN) discard();
    }

    @Override public void close() { abort(); }

    private void discard() {
        state = State.ABORTED;
        long size = Long.MAX_VALUE;   // unknown: deleted, not kept as a spare
        try {
            size = channel.isOpen() ? channel.size() : size;
        } catch (IOException e) {
            // keep MAX_VALUE
        }
        try {
            channel.close();
        } catch (IOException e) {
            QueueStore.LOG.warn("{}: cannot close {}: {}", id, tmpContent, e.getMessage());
        }
        recycleQuietly(tmpContent, size);
        recycleQuietly(tmpEnvelope, 0);
    }

    private void recycleQuietly(Path p, long size) {
        try {
            store.spares.remove(p, size);
        } catch (IOException e) {
            // recovery at the next start deletes what is left in tmp/
            QueueStore.LOG.warn("{}: cannot remove {}: {}", id, p, e.getMessage());
        }
    }

    private void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // recovery at the next start deletes what is left in tmp/ or without an envelope
            QueueStore.LOG.warn("{}: cannot remove {}: {}", id, p, e.getMessage());
        }
    }
}
