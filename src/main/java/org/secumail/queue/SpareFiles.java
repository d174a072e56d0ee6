// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue files of removed messages, emptied and kept in {@code spare/} to be the files of
 * new messages, as PostgreSQL recycles its WAL segments. A message costs two queue files;
 * creating a file allocates an inode and removing one frees it, and on ext4 without a journal
 * each allocation first skips every inode of its group freed in the last minute (up to six
 * while their table block is dirty), so at a few hundred messages a second most of the
 * queue's kernel time went there. A spare file is renamed out of the queue (the same atomic
 * step that deleting it was: the message is gone), then truncated, so no removed message's
 * bytes stay on disk; a new message's file is a hard link to a spare under its new name,
 * which fails like CREATE_NEW if that name exists, and then the spare's name goes.
 *
 * <p>Only the server that ran recovery (and holds the queue lock) recycles: its in-memory list
 * is then the only taker of spare names. Other processes (the queue command) delete as
 * before. At most {@link #LIMIT} spares are kept; recovery empties the ones it finds (a crash
 * can come between the rename and the truncation) and keeps them, except a spare whose file
 * has another name: spare/ is never fsynced, so after a power loss a spare's old name can be
 * back beside the queue file it became, and then only that name is removed.
 */
final class SpareFiles {
    static final String DIR = "spare";
    /** Spares kept at most; more removed files are deleted. Covers the files of many concurrent sessions. */
    static final int LIMIT = 256;

    private final Path dir;
    private final ConcurrentLinkedQueue<Path> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong seq = new AtomicLong();
    /** Names of this start's spares: a spare found at startup keeps its own name. */
    private final String prefix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + "-";
    private volatile boolean enabled;

    SpareFiles(Path directory) { this.dir = directory; }

    Path directory() { return dir; }

    /** How many spares are ready (for tests and the log). */
    int size() { return count.get(); }

    /** Turns recycling on (recovery, under the queue lock): empties and keeps what spare/ holds. */
    void enable() throws IOException {
        int kept = 0;
        int deleted = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                if (linkedElsewhere(p)) {
                    // a power loss can keep a spare's name on disk after it became a queue file
                    // (spare/ is not fsynced): that file is a message now, and only the name goes
                    Files.deleteIfExists(p);
                    deleted++;
                } else if (count.get() < LIMIT && empty(p)) {
                    free.add(p);
                    count.incrementAndGet();
                    kept++;
                } else {
                    Files.deleteIfExists(p);
                    deleted++;
                }
            }
        }
        enabled = true;
        if (deleted > 0) QueueStore.LOG.info("queue spare: kept {} spare file(s), deleted {}", kept, deleted);
    }

    /**
     * Creates {@code target}, which must not exist (else FileAlreadyExistsException), readable
     * by the owner only, opened for writing and the given options; a spare when there is one.
     */
    FileChannel create(Path target, StandardOpenOption... more) throws IOException {
        Set<OpenOption> opts = new HashSet<>(Arrays.asList(more));
        opts.add(StandardOpenOption.WRITE);
        Path spare = enabled ? free.poll() : null;
        if (spare != null) {
            count.decrementAndGet();
            boolean linked = false;
            try {
                Files.createLink(target, spare);
                linked = true;
            } catch (FileAlreadyExistsException e) {
                give(spare);
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                Files.deleteIfExists(spare);   // no hard links here, or the spare went: a new file as usual
            }
            if (linked) {
                // The spare's name must go before the file is used: recovery empties spares.
                // Failing here fails the new message (4xx); its tmp/ name goes at recovery, before that.
                Files.delete(spare);
                opts.add(StandardOpenOption.TRUNCATE_EXISTING);   // already empty: truncated at removal
                return FileChannel.open(target, opts);
            }
        }
        opts.add(StandardOpenOption.CREATE_NEW);
        if (target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(target, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return FileChannel.open(target, opts);
    }

    /**
     * Removes a queue file of {@code size} bytes: renamed into spare/ and emptied while there
     * is room, else deleted. A file larger than {@link QueueStore#IN_PLACE_MAX} is deleted: a
     * content check that outlived its transaction (cancelled at the deadline) may still read
     * such a file by name (RawMessage holds only smaller ones in memory), and must then find
     * it gone, never refilled by another message. Returns false when the file did not exist.
     */
    boolean remove(Path file, long size) throws IOException {
        if (!enabled || size > QueueStore.IN_PLACE_MAX || count.get() >= LIMIT) return Files.deleteIfExists(file);
        Path spare = dir.resolve(prefix + seq.incrementAndGet());
        try {
            Files.move(file, spare, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (empty(spare)) give(spare);
        else Files.deleteIfExists(spare);
        return true;
    }

    private void give(Path spare) {
        free.add(spare);
        count.incrementAndGet();
    }

    /** Whether the file has another name too (a queue file sharing the spare's inode), or cannot be told. */
    private static boolean linkedElsewhere(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:nlink", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue() != 1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return true;   // no link count here: never truncate what might be mail
        }
    }

    /** Truncates a spare to nothing; false (and the caller deletes it) when that fails. */
    private static boolean empty(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
