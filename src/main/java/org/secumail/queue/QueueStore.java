// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue directory: one message is a content file {@code ID.msg} and an envelope file
 * {@code ID.env} (see {@link EnvelopeFormat}) in one of the queues {@code incoming/},
 * {@code active/}, {@code deferred/}, {@code hold/}, {@code corrupt/}, written first in
 * {@code tmp/}. The envelope file's presence in a queue is what makes a message committed:
 * it is renamed last on commit and deleted first on removal, and when a message moves
 * between queues the envelope goes first (recovery brings the content after it).
 */
public final class QueueStore {
    public static final String TMP = "tmp";
    public static final String INCOMING = "incoming";
    public static final String ACTIVE = "active";
    public static final String DEFERRED = "deferred";
    public static final String HOLD = "hold";
    public static final String CORRUPT = "corrupt";
    /**
     * Uncommitted content files up to this size have their head replaced in place (the rest
     * read into memory and written back after the new head) rather than through a new file:
     * creating and deleting a file costs more than the bytes, on ext4 without a journal most
     * of all (each new inode is checked against every recently deleted one). Safe before the
     * commit: the client has no reply yet, and a failure half-way aborts the transaction.
     */
    public static final long IN_PLACE_MAX = 256 * 1024;

    /** Queues that hold committed messages, in the order recovery looks at them. */
    static final List<String> QUEUES = List.of(INCOMING, ACTIVE, DEFERRED, HOLD);
    static final String ENVELOPE_SUFFIX = ".env";
    static final String CONTENT_SUFFIX = ".msg";

    static final Logger LOG = LoggerFactory.getLogger("secumail.postsuper");

    private final Path dir;
    final SpareFiles spares;

    /** Opens (and creates, mode 0700 where POSIX) the queue directory and its subdirectories. */
    public QueueStore(Path queueDirectory) throws IOException {
        this.dir = queueDirectory.toAbsolutePath();
        for (String q : List.of(TMP, INCOMING, ACTIVE, DEFERRED, HOLD, CORRUPT, SpareFiles.DIR)) {
            Path p = dir.resolve(q);
            if (Files.isDirectory(p)) continue;
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(p);
            }
        }
        this.spares = new SpareFiles(dir.resolve(SpareFiles.DIR));
    }

    public Path directory() { return dir; }

    /**
     * A message being received. Write the message bytes to {@link #content()} (CRLF line
     * ends, dot-unstuffed, exactly as they will be delivered), then {@link #commit}; only
     * after commit returns may the SMTP server answer 250. {@link #abort} (or close without
     * commit) discards the message.
     */
    public sealed interface Writer extends AutoCloseable permits QueueWriter {
        QueueId id();

        /** The content file's stream (buffered); closing it only flushes. */
        java.io.OutputStream content();

        /**
         * Makes the message durable: fsyncs the content, writes and fsyncs the envelope,
         * renames both into incoming/ (the envelope last) and fsyncs incoming/. On failure
         * nothing is left behind and the exception tells the SMTP server to answer 4xx.
         */
        void commit(Envelope envelope) throws IOException;

        /** Deletes the uncommitted files; idempotent, harmless after commit or a failed commit. */
        void abort();

        /**
         * Flushes what was written and returns the uncommitted content file, for the content
         * checks at end of DATA to read (never to write).
         */
        Path contentFile() throws IOException;

        /**
         * Replaces the first {@code oldHeadLength} bytes of the content with {@code newHead}
         * (the header section after content checks and signing: Authentication-Results
         * added, forged ones removed). Up to {@link QueueStore#IN_PLACE_MAX} in the same file,
         * above it into a new file with the rest copied in the kernel, not through the heap.
         * Nothing may be written to {@link #content()} afterwards.
         */
        void replaceHead(byte[] newHead, long oldHeadLength) throws IOException;

        /**
         * Replaces the whole content with {@code newHead} followed by what {@code rest} holds
         * (a milter's changes: edited headers, maybe a new body). {@code rest} is read to its
         * end before the old content goes, so it may read the old content file.
         */
        void replaceContent(byte[] newHead, java.io.InputStream rest) throws IOException;

        /** Aborts unless committed. */
        @Override void close();
    }

    /** The directory of one queue by name ("incoming", "deferred", ...). */
    public Path queue(String name) {
        if (!name.equals(TMP) && !name.equals(CORRUPT) && !QUEUES.contains(name)) {
            throw new IllegalArgumentException("no such queue: " + name);
        }
        return dir.resolve(name);
    }

    /** Starts a new message in tmp/ under a fresh queue ID. */
    public Writer create() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            // QueueId.next() never repeats within the process and carries microseconds plus
            // random bits across restarts; CREATE_NEW in tmp/ catches what is left.
            QueueId id = QueueId.next();
            try {
                return new QueueWriter(this, id);
            } catch (FileAlreadyExistsException e) {
                // another writer took this ID in tmp/ meanwhile; take the next one
            }
        }
        throw new IOException("cannot allocate a unique queue ID in " + dir);
    }

    /** Reads a committed message from its envelope file; its content file must be beside it. */
    public QueuedMessage load(Path envelopeFile) throws IOException {
        QueueId id = idOf(envelopeFile, ENVELOPE_SUFFIX);
        byte[] raw = Files.readAllBytes(envelopeFile);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptQueueFileException("envelope is not UTF-8");
        }
        EnvelopeFormat.Parsed parsed = EnvelopeFormat.decode(text);
        Path content = envelopeFile.resolveSibling(id + CONTENT_SUFFIX);
        long size = Files.size(content);
        List<QueuedMessage.Recipient> pending = new ArrayList<>();
        List<String> rcpts = parsed.envelope().recipients();
        for (int i = 0; i < rcpts.size(); i++) {
            if (!parsed.done().containsKey(i)) pending.add(new QueuedMessage.Recipient(i, rcpts.get(i)));
        }
        String queue = envelopeFile.getParent().getFileName().toString();
        return new QueuedMessage(id, queue, parsed.envelope(), pending, parsed.done(), envelopeFile, content, size,
                parsed.reasons(), parsed.delayWarned());
    }

    /**
     * Records that a recipient is done (delivered or bounced) by appending a D record and
     * fsyncing. The file is only ever appended to, so recovery is a replay of the records.
     */
    public void markDone(QueuedMessage msg, int recipientIndex, String status) throws IOException {
        if (recipientIndex < 0 || recipientIndex >= msg.envelope().recipients().size()) {
            throw new IllegalArgumentException(msg.id() + ": no recipient with index " + recipientIndex);
        }
        append(msg, EnvelopeFormat.doneRecord(recipientIndex, status));
    }

    /** Reason texts in L records are cut here: a remote server must not grow our queue file without bound. */
    static final int REASON_LIMIT = 1000;

    /**
     * Records a recipient's deferral ("L index dsn relay text"), fsynced: the bounce that an
     * expiry produces days later, and mailq, quote the last one.
     */
    public void recordDeferral(QueuedMessage msg, int recipientIndex, DeliveryResult res) throws IOException {
        if (recipientIndex < 0 || recipientIndex >= msg.envelope().recipients().size()) {
            throw new IllegalArgumentException(msg.id() + ": no recipient with index " + recipientIndex);
        }
        String text = res.text().length() > REASON_LIMIT ? res.text().substring(0, REASON_LIMIT) : res.text();
        String relay = res.relay().isEmpty() ? "none" : res.relay().replace(' ', '_');
        append(msg, EnvelopeFormat.reasonRecord(recipientIndex, res.dsn() + " " + relay + " " + text));
    }

    /** Records that the delay warning was sent, so it is sent once per message. */
    public void markDelayWarned(QueuedMessage msg) throws IOException {
        append(msg, EnvelopeFormat.delayWarnedRecord());
    }

    private void append(QueuedMessage msg, String recordText) throws IOException {
        byte[] record = recordText.getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(msg.envelopeFile(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            dropTornTail(ch);
            ch.position(ch.size());
            ByteBuffer buf = ByteBuffer.wrap(record);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(false);   // fdatasync: the appended bytes and the new size
        }
    }

    /**
     * Cuts a last line without LF, the trace of an append interrupted by a crash: the next
     * record must not be glued to it (a torn "D 1" glued to "2 sent" would mark the wrong
     * recipient). Readers already ignore such a fragment, so nothing is lost by cutting it.
     */
    private static void dropTornTail(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) return;
        ByteBuffer one = ByteBuffer.allocate(1);
        ch.read(one, size - 1);
        if (one.get(0) == '\n') return;
        ByteBuffer block = ByteBuffer.allocate(4096);
        long end = size;
        while (end > 0) {
            long start = Math.max(0, end - block.capacity());
            block.clear().limit((int) (end - start));
            while (block.hasRemaining() && ch.read(block, start + block.position()) >= 0) { /* fill */ }
            for (int i = (int) (end - start) - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    ch.truncate(start + i + 1);
                    return;
                }
            }
            end = start;
        }
        ch.truncate(0);
    }

    /**
     * Removes a message: envelope first (that un-commits it), then the content. In the server
     * the files become spares for new messages ({@link SpareFiles}), emptied at once.
     */
    public void remove(QueuedMessage msg) throws IOException {
        spares.remove(msg.envelopeFile(), 0);   // envelopes are small, and read whole when loaded
        spares.remove(msg.contentFile(), msg.size());
    }

    /**
     * Moves a message to another queue, envelope first. No directory fsync is needed: after
     * a crash the message is in one queue or the other, and recovery handles both.
     */
    public QueuedMessage moveTo(QueuedMessage msg, String queueName) throws IOException {
        Path target = queue(queueName);
        Path env = target.resolve(msg.envelopeFile().getFileName());
        Path content = target.resolve(msg.contentFile().getFileName());
        Files.move(msg.envelopeFile(), env, StandardCopyOption.ATOMIC_MOVE);
        Files.move(msg.contentFile(), content, StandardCopyOption.ATOMIC_MOVE);
        return new QueuedMessage(msg.id(), queueName, msg.envelope(), msg.pending(), msg.done(), env, content, msg.size(),
                msg.reasons(), msg.delayWarned());
    }

    /**
     * Moves a message to deferred/ with its next delivery attempt at the given time. As in
     * Postfix, the time is kept as the envelope file's modification time, so it survives a
     * restart without rewriting the file.
     */
    public QueuedMessage defer(QueuedMessage msg, Instant nextAttempt) throws IOException {
        Files.setLastModifiedTime(msg.envelopeFile(), FileTime.from(nextAttempt));
        return moveTo(msg, DEFERRED);
    }

    /** Makes a deferred message due at the given time (postqueue -f: now) without moving it. */
    public void makeDue(Path envelopeFile, Instant when) throws IOException {
        Files.setLastModifiedTime(envelopeFile, FileTime.from(when));
    }

    /** When a deferred message is due again (the envelope file's modification time). */
    public Instant nextAttempt(Path envelopeFile) throws IOException {
        return Files.getLastModifiedTime(envelopeFile).toInstant();
    }

    /** The envelope files of a queue, oldest queue ID first. */
    public List<Path> list(String queueName) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue(queueName), "*" + ENVELOPE_SUFFIX)) {
            for (Path p : ds) {
                if (isQueueFile(p, ENVELOPE_SUFFIX)) out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Moves an unreadable message (both files, whichever exist) to corrupt/ for the
     * administrator, with Postfix's warning.
     */
    public void quarantine(Path envelopeFile, String reason) throws IOException {
        QueueId id = idOf(envelopeFile, ENVELOPE_SUFFIX);
        Path from = envelopeFile.getParent();
        Path to = queue(CORRUPT);
        LOG.warn("{}: {}; saving corrupt file \"{}\" from queue \"{}\" to queue \"{}\"",
                id, reason, id, from.getFileName(), CORRUPT);
        for (String suffix : List.of(ENVELOPE_SUFFIX, CONTENT_SUFFIX)) {
            try {
                Files.move(from.resolve(id + suffix), to.resolve(id + suffix), StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // the content may be missing: that can be the very reason for the quarantine
            }
        }
    }

    /**
     * Startup recovery, run before the SMTP server accepts mail and before the queue manager
     * starts: deletes uncommitted files in tmp/ and content files without an envelope,
     * brings content files after envelopes that moved without them, returns active/ to
     * incoming/, quarantines unreadable messages, and returns the messages to deliver
     * (incoming, then deferred).
     */
    public List<QueuedMessage> recover() throws IOException {
        List<QueuedMessage> out = new QueueRecovery(this).run();
        spares.enable();   // recovery means the queue lock: this process alone takes spares now
        return out;
    }

    static boolean isQueueFile(Path p, String suffix) {
        String name = p.getFileName().toString();
        return name.endsWith(suffix) && QueueId.isValid(name.substring(0, name.length() - suffix.length()));
    }

    static QueueId idOf(Path p, String suffix) {
        String name = p.getFileName().toString();
        if (!name.endsWith(suffix)) throw new IllegalArgumentException("not a queue file: " + p);
        return QueueId.parse(name.substring(0, name.length() - suffix.length()));
    }

    /** Makes renames and new names in a directory durable (fsync on the directory itself). */
    static void fsyncDirectory(Path directory) throws IOException {
        DirectorySync.sync(directory);
    }
}
