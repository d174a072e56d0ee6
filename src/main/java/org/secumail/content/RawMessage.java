// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A received message as the content checks see it: the header fields as they arrived, in
 * order (top first), and the body as a stream of the bytes that follow the empty line that
 * ends the header section (RFC 5322 section 2.1). Line ends are CRLF, as SMTP delivers them
 * and as the queue file stores them. A queue file of at most {@link #IN_MEMORY_MAX} bytes
 * (most mail) is read once and held; a larger one's body is never held in memory: it is read
 * from the queue file each time {@link #openBody()} is called. Each content check reads the
 * message once or more, and for a small message the opens and reads cost more than the bytes.
 *
 * <p>Limits: at most {@link #MAX_HEADER_BYTES} bytes and {@link #MAX_HEADER_FIELDS} fields are
 * taken as the header section; what follows counts as body (a check that needs the rest
 * fails closed on its own terms, e.g. DKIM gives "fail"). A line in the header section that is
 * neither a field nor a continuation (no colon) ends the header section, as in Postfix's
 * cleanup(8), which treats it as the start of the body.
 */
public final class RawMessage {
    public static final int MAX_HEADER_BYTES = 1 << 20;
    public static final int MAX_HEADER_FIELDS = 10_000;
    /**
     * Queue files up to this size are held in memory. The queue rewrites the head of an
     * uncommitted file of this size in place ({@link org.secumail.queue.QueueStore#IN_PLACE_MAX}),
     * which is safe because no check is then still reading that file.
     */
    public static final int IN_MEMORY_MAX = (int) org.secumail.queue.QueueStore.IN_PLACE_MAX;

    private final List<HeaderField> headers;
    private final long bodyOffset;
    private final Path file;
    private final byte[] bytes;
    /** Where the source's last parsed field ends: from here on the source is copied as it is. */
    private final long sourceHeaderEnd;
    /** True when {@link #headers} are the source's own (not replaced by {@link #withHeaders}). */
    private final boolean original;

    private RawMessage(List<HeaderField> headers, long bodyOffset, Path file, byte[] bytes, long sourceHeaderEnd, boolean original) {
        this.headers = List.copyOf(headers);
        this.bodyOffset = bodyOffset;
        this.file = file;
        this.bytes = bytes;
        this.sourceHeaderEnd = sourceHeaderEnd;
        this.original = original;
    }

    private RawMessage(List<HeaderField> headers, long bodyOffset, Path file, byte[] bytes) {
        this(headers, bodyOffset, file, bytes, sumLengths(headers), true);
    }

    private static long sumLengths(List<HeaderField> fields) {
        long n = 0;
        for (HeaderField h : fields) n += h.length();
        return n;
    }

    /**
     * The same message with another header section (fields added, removed or reordered);
     * the rest (the empty line and the body) is still read from the same source. Used to sign
     * over the final header (DKIM signing comes last) and to write the final queue file.
     */
    public RawMessage withHeaders(List<HeaderField> newHeaders) {
        return new RawMessage(newHeaders, bodyOffset, file, bytes, sourceHeaderEnd, false);
    }

    /**
     * The offset in the source where the header fields end (the empty line, or the first
     * line taken as body). {@link #openTail()} streams the source from here.
     */
    public long sourceHeaderEnd() { return sourceHeaderEnd; }

    /** The source from {@link #sourceHeaderEnd()} on: the empty line and the body. */
    public InputStream openTail() throws IOException {
        if (bytes != null) {
            int off = (int) Math.min(sourceHeaderEnd, bytes.length);
            return new ByteArrayInputStream(bytes, off, bytes.length - off);
        }
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(sourceHeaderEnd);
        return in;
    }

    /** The header fields' bytes, in order, as they would be written. */
    public byte[] headerBytes() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (HeaderField h : headers) h.writeTo(out);
        return out.toByteArray();
    }

    /** A message held in memory (tests, command-line tools, small messages). */
    public static RawMessage of(byte[] message) {
        try {
            Parsed p = parse(new ByteArrayInputStream(message));
            return new RawMessage(p.fields, p.bodyOffset, null, message);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A message in a file (the queue file): read whole if it has at most {@link #IN_MEMORY_MAX}
     * bytes, else only the header section now.
     */
    public static RawMessage of(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= IN_MEMORY_MAX) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) size);
                while (b.hasRemaining() && ch.read(b) >= 0) { }
                byte[] message = b.position() == b.capacity() ? b.array() : java.util.Arrays.copyOf(b.array(), b.position());
                Parsed p = parse(new ByteArrayInputStream(message));
                return new RawMessage(p.fields, p.bodyOffset, null, message);
            }
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            Parsed p = parse(in);
            return new RawMessage(p.fields, p.bodyOffset, file, null);
        }
    }

    public List<HeaderField> headers() { return headers; }

    /** The byte offset of the body in the message (after the empty line). */
    public long bodyOffset() { return bodyOffset; }

    /** A new stream over the body bytes; the caller closes it. */
    public InputStream openBody() throws IOException {
        if (bytes != null) {
            int off = (int) Math.min(bodyOffset, bytes.length);
            return new ByteArrayInputStream(bytes, off, bytes.length - off);
        }
        InputStream in = Files.newInputStream(file);
        in.skipNBytes(bodyOffset);
        return in;
    }

    /** A new stream over the whole message, headers included; the caller closes it. */
    public InputStream openMessage() throws IOException {
        if (original) return bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
        return new java.io.SequenceInputStream(new ByteArrayInputStream(headerBytes()), openTail());
    }

    /** The fields with this name, top first. */
    public List<HeaderField> all(String name) {
        List<HeaderField> out = new ArrayList<>();
        for (HeaderField h : headers) if (h.is(name)) out.add(h);
        return out;
    }

    /** The first (topmost) field with this name, or null. */
    public HeaderField first(String name) {
        for (HeaderField h : headers) if (h.is(name)) return h;
        return null;
    }

    private record Parsed(List<HeaderField> fields, long bodyOffset) { }

    /**
     * Splits the header section into fields. A field starts with a line holding a colon and
     * continues over lines that begin with SP or HTAB (folding). The empty line is consumed;
     * the body starts after it. A message with no empty line is all header.
     */
    private static Parsed parse(InputStream in) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
        String curName = null;
        long offset = 0;
        byte[] line;
        while ((line = readLine(in)) != null) {
            boolean blank = line.length == 0 || (line[0] == '\r' && (line.length == 1 || line[1] == '\n')) || line[0] == '\n';
            boolean cont = line.length > 0 && (line[0] == ' ' || line[0] == '\t');
            if (curName != null && cont && offset + line.length <= MAX_HEADER_BYTES) {
                cur.write(line);
                offset += line.length;
                continue;
            }
            if (curName != null) {
                fields.add(new HeaderField(curName, cur.toByteArray()));
                cur.reset();
                curName = null;
            }
            if (blank) return new Parsed(fields, offset + line.length);
            int colon = indexOf(line, (byte) ':');
            if (colon <= 0 || cont || offset + line.length > MAX_HEADER_BYTES || fields.size() >= MAX_HEADER_FIELDS
                    || !fieldName(line, colon)) {
                return new Parsed(fields, offset);   // not a header line: the body starts here
            }
            curName = new String(line, 0, colon, java.nio.charset.StandardCharsets.ISO_8859_1).stripTrailing();
            cur.write(line);
            offset += line.length;
        }
        if (curName != null) fields.add(new HeaderField(curName, cur.toByteArray()));
        return new Parsed(fields, offset);
    }

    /** RFC 5322 section 3.6.8: printable US-ASCII except colon; trailing WSP before the colon is tolerated (obs-optional). */
    private static boolean fieldName(byte[] line, int colon) {
        int end = colon;
        while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
        if (end == 0) return false;
        for (int i = 0; i < end; i++) if (line[i] < 33 || line[i] > 126) return false;
        return true;
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }

    /** One line including its LF (or up to EOF); null at EOF. Lines are bounded by the header limit. */
    private static byte[] readLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (c == '\n' || b.size() > MAX_HEADER_BYTES) break;
        }
        return b.size() == 0 ? null : b.toByteArray();
    }
}
