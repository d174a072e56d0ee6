// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * fsync of a directory with group commit: a rename or link into a directory is durable once
 * the directory has been fsynced after it. When many sessions commit at once, one fsync
 * started after all their renames makes them all durable, so a caller whose change is already
 * covered by a finished fsync returns at once. Each caller still returns only after an fsync
 * that began after its own change: the durability is the same as one fsync per caller.
 */
public final class DirectorySync {
    private static final ConcurrentHashMap<Path, DirectorySync> DIRS = new ConcurrentHashMap<>();

    private final Path dir;
    private final AtomicLong changes = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();   // virtual-thread friendly (no pinning)
    private long syncedUpTo;

    private DirectorySync(Path dir) { this.dir = dir; }

    /** Makes every change made to {@code dir} before this call durable. */
    public static void sync(Path dir) throws IOException {
        DIRS.computeIfAbsent(dir.toAbsolutePath().normalize(), DirectorySync::new).syncChanges();
    }

    private void syncChanges() throws IOException {
        long mine = changes.incrementAndGet();   // numbered after the caller's rename or link
        lock.lock();
        try {
            if (syncedUpTo >= mine) return;      // an fsync that began after our change has finished
            long covered = changes.get();        // every change numbered so far happened before this fsync
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
            syncedUpTo = covered;
        } finally {
            lock.unlock();
        }
    }
}
