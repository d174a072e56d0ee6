// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZOutputFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;

/** Archives generated at test time, one member each, in the formats the built-in scanner opens. */
final class TestArchives {
    private TestArchives() { }

    interface Wrap { OutputStream wrap(OutputStream o) throws IOException; }

    static byte[] compress(byte[] data, Wrap w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = w.wrap(b)) {
            o.write(data);
        }
        return b.toByteArray();
    }

    static byte[] gzip(byte[] d) throws IOException { return compress(d, GzipCompressorOutputStream::new); }

    static byte[] bzip2(byte[] d) throws IOException { return compress(d, BZip2CompressorOutputStream::new); }

    static byte[] xz(byte[] d) throws IOException { return compress(d, XZCompressorOutputStream::new); }

    static byte[] tar(String name, byte[] d) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(d.length);
            t.putArchiveEntry(e);
            t.write(d);
            t.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    static byte[] cpio(String name, byte[] d) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (CpioArchiveOutputStream c = new CpioArchiveOutputStream(b)) {
            CpioArchiveEntry e = new CpioArchiveEntry(name, d.length);
            e.setMode(CpioArchiveEntry.C_ISREG | 0644);
            c.putArchiveEntry(e);
            c.write(d);
            c.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    static byte[] sevenZip(String name, byte[] d) throws IOException {
        SeekableInMemoryByteChannel ch = new SeekableInMemoryByteChannel();
        try (SevenZOutputFile z = new SevenZOutputFile(ch)) {
            SevenZArchiveEntry e = new SevenZArchiveEntry();
            e.setName(name);
            e.setSize(d.length);
            z.putArchiveEntry(e);
            z.write(d);
            z.closeArchiveEntry();
        }
        return java.util.Arrays.copyOf(ch.array(), (int) ch.size());
    }
}
