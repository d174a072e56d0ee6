// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/**
 * One decoded object (a MIME part, an archive member, the message) held for scanning: in memory
 * up to {@link #MEMORY} bytes, beyond that in a temporary file that is memory-mapped, so large
 * parts stay on disk. Signature matching needs random access (offsets, EOF-n, backtracking), and
 * zip and 7z need a seekable channel. Reading stops at the size limit: the object is then
 * {@link #oversized()} and holds only its first {@code max} bytes. Closing deletes the file.
 */
final class Spool implements AutoCloseable {
    static final int MEMORY = 1 << 20;

    private final byte[] bytes;
    private final int length;
    private final Path file;
    private final ByteBuffer buffer;
    private final boolean oversized;

    private Spool(byte[] bytes, int length, Path file, ByteBuffer buffer, boolean oversized) {
        this.bytes = bytes;
        this.length = length;
        this.file = file;
        this.buffer = buffer;
        this.oversized = oversized;
    }

    static Spool of(byte[] data) { return new Spool(data, data.length, null, ByteBuffer.wrap(data), false); }

    /** Reads in to its end or to max bytes; over max the spool is marked oversized. */
    static Spool read(InputStream in, long max, Path tmpDir) throws IOException {
        byte[] buf = new byte[8192];
        int len = 0;
        int cap = (int) Math.min(MEMORY, max);
        while (len < cap) {
            if (len == buf.length) buf = Arrays.copyOf(buf, Math.min(cap, buf.length * 2));
            int n = in.read(buf, len, Math.min(buf.length, cap) - len);
            if (n < 0) return new Spool(buf, len, null, ByteBuffer.wrap(buf, 0, len).slice(), false);
            len += n;
        }
        if (len == max) {
            boolean more = in.read() >= 0;
            return new Spool(buf, len, null, ByteBuffer.wrap(buf, 0, len).slice(), more);
        }
        Path f = Files.createTempFile(tmpDir, "scan", ".tmp");
        boolean over;
        try {
            try (OutputStream out = Files.newOutputStream(f)) {
                out.write(buf, 0, len);
                long total = len;
                byte[] chunk = new byte[64 * 1024];
                int n;
                while (total < max && (n = in.read(chunk, 0, (int) Math.min(chunk.length, max - total))) > 0) {
                    out.write(chunk, 0, n);
                    total += n;
                }
                over = total == max && in.read() >= 0;
            }
            ByteBuffer mapped;
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            }
            return new Spool(null, 0, f, mapped, over);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    /** The bytes, position 0, limit = size; a duplicate, so callers may move its position. */
    ByteBuffer buffer() { return buffer.duplicate(); }

    long size() { return buffer.limit(); }

    boolean oversized() { return oversized; }

    InputStream open() throws IOException {
        return file == null ? new ByteArrayInputStream(bytes, 0, length) : Files.newInputStream(file);
    }

    SeekableByteChannel channel() throws IOException {
        return file == null ? new SeekableInMemoryByteChannel(Arrays.copyOf(bytes, length)) : FileChannel.open(file, StandardOpenOption.READ);
    }

    @Override public void close() throws IOException {
        if (file != null) Files.deleteIfExists(file);
    }
}
