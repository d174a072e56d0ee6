// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends a message to a UNIX mbox file, as local(8) does for mail_spool_directory without
 * a trailing '/' (or home_mailbox without one): a {@code From sender date} separator line
 * (asctime date, MAILER-DAEMON for the null sender), Return-Path and Delivered-To, the
 * message with LF line ends and {@code >From } quoting, and a blank line at the end.
 *
 * <p>The file is locked with an fcntl-style lock (FileChannel.lock) for the whole append,
 * which is what other mail programs on the host honour; deliveries within this process to
 * the same file are serialised first, because the JVM does not let two threads hold
 * overlapping locks on one file. If the append fails half-way the file is truncated back
 * to its old length, as Postfix does, so a reader never sees a partial message.
 */
public final class MboxWriter {
    /** asctime(3): "Thu Nov 21 10:00:00 2024", the day padded with a space. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    private final Clock clock;

    /** @param clock the time and zone for the From_ line (Postfix uses local time) */
    public MboxWriter(Clock clock) { this.clock = clock; }

    /** Appends {@code content} (CRLF line ends, as queued) to {@code mboxFile}, creating it (mode 0600) if missing. */
    public void deliver(Path mboxFile, InputStream content, String deliveredTo, String returnPath) throws IOException {
        byte[] headers = HeaderLines.returnPathAndDeliveredTo(returnPath, deliveredTo);
        String sender = returnPath.isEmpty() ? "MAILER-DAEMON" : returnPath;
        byte[] fromLine = ("From " + sender + " " + ASCTIME.format(ZonedDateTime.now(clock)) + "\n").getBytes(StandardCharsets.UTF_8);
        Path key = mboxFile.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
        local.lock();
        try (FileChannel ch = open(key)) {
            FileLock lock = ch.lock();
            long start = ch.size();
            try {
                ch.position(start);
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 16 * 1024);
                out.write(fromLine);
                out.write(headers);
                MessageCopier.copy(content, out, true);
                out.write('\n');
                out.flush();
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                try {
                    ch.truncate(start);
                    ch.force(true);
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
                throw e;
            } finally {
                lock.release();
            }
        } finally {
            local.unlock();
        }
    }

    private static FileChannel open(Path p) throws IOException {
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(p, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return FileChannel.open(p, opts);
    }
}
