// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.secumail.config.ConfigException;

/**
 * The lock that makes one server the owner of a queue directory: pid/master.pid, locked and
 * holding the owner's process ID, as Postfix's master(8) keeps it. A second server started on
 * the same directory (by hand beside systemd's, or a second configuration naming the same
 * queue_directory) stops with "the SecuMail mail system is already running" before it
 * touches anything: its startup recovery would otherwise delete the first one's messages in
 * progress from tmp/ and move its active messages back to incoming/ under it.
 *
 * <p>The lock is an fcntl lock on the open file, released by the kernel when the process
 * ends however it ends, so a crash never leaves a stale lock behind (the file's contents may
 * be stale; only the lock counts). The queue tools (secumail queue, postsuper-style commands)
 * do not take it: they work beside a running server, as Postfix's do.
 */
public final class QueueLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private QueueLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of queueDirectory, or throws a ConfigException naming the process that holds it. */
    public static QueueLock acquire(Path queueDirectory) throws IOException {
        Path dir = queueDirectory.resolve("pid");
        Files.createDirectories(dir);
        Path file = dir.resolve("master.pid");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;   // held by this very process (a second server in one JVM)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = "";
            try {
                ByteBuffer b = ByteBuffer.allocate(32);
                ch.read(b, 0);
                holder = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            } finally {
                ch.close();
            }
            throw new ConfigException("the SecuMail mail system is already running: " + file + " is locked"
                    + (holder.matches("\\d+") ? " by process " + holder : ""));
        }
        try {
            // Postfix's format: the process ID right-aligned in 10 columns, then a newline
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(String.format("%10d\n", ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new QueueLock(ch, lock);
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException e) {
            QueueStore.LOG.warn("cannot release the queue lock: {}", e.getMessage());
        }
    }
}
