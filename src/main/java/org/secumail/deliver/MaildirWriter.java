// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers a message into a Maildir (cr.yp.to/proto/maildir.html), as local(8) does for
 * home_mailbox or mail_spool_directory ending in '/': the file is written in tmp/ under a
 * unique name, fsynced, then linked into new/ (a link, unlike a rename, never replaces an
 * existing file) and new/ is fsynced, so the message is either fully there or not at all.
 *
 * <p>Unique names follow the modern convention used by Dovecot and Postfix:
 * {@code <seconds>.M<microseconds>P<pid>Q<counter>.<hostname>}, with '/' and ':' in the
 * host name written as \057 and \072 (':' separates the info part, '/' is a path).
 * The per-process counter makes names unique even for deliveries in the same microsecond.
 */
public final class MaildirWriter {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    private final Clock clock;
    private final String hostname;

    /** @param hostname this machine's name (myhostname), escaped here for file names */
    public MaildirWriter(Clock clock, String hostname) {
        this.clock = clock;
        this.hostname = escapeHostname(hostname);
    }

    /**
     * Delivers {@code content} (CRLF line ends, as queued) to {@code maildir}, creating
     * maildir/{tmp,new,cur} as needed, with Return-Path and Delivered-To header lines
     * first and LF line ends. Returns the file in new/. On failure nothing is left behind
     * in new/ and the IOException is the caller's cue to defer the recipient.
     */
    public Path deliver(Path maildir, InputStream content, String deliveredTo, String returnPath) throws IOException {
        byte[] headers = HeaderLines.returnPathAndDeliveredTo(returnPath, deliveredTo);
        for (String sub : List.of("tmp", "new", "cur")) createPrivateDirectories(maildir.resolve(sub));
        String name = uniqueName();
        Path tmp = maildir.resolve("tmp").resolve(name);
        Path target = maildir.resolve("new").resolve(name);
        boolean linked = false;
        try {
            try (FileChannel ch = createPrivateFile(tmp)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 16 * 1024);
                out.write(headers);
                MessageCopier.copy(content, out, false);
                out.flush();
                ch.force(false);   // fdatasync: data and size of the new file
            }
            publish(tmp, target);
            linked = true;
            fsyncDirectory(target.getParent());
            return target;
        } catch (IOException | RuntimeException e) {
            if (linked) Files.deleteIfExists(target);
            throw e;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** tmp/ to new/ with link(2) as the Maildir specification asks; rename where links are not supported. */
    private static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** A fresh name: {@code <seconds>.M<microseconds>P<pid>Q<counter>.<hostname>}. */
    String uniqueName() {
        Instant now = clock.instant();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + PID + "Q" + COUNTER.incrementAndGet() + "." + hostname;
    }

    /** '/' and ':' in the host name as octal escapes, as Maildir readers expect. */
    static String escapeHostname(String host) {
        return host.replace("/", "\\057").replace(":", "\\072");
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    static FileChannel createPrivateFile(Path p) throws IOException {
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return FileChannel.open(p, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return FileChannel.open(p, opts);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        org.secumail.queue.DirectorySync.sync(dir);
    }
}
