// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.util.Collections;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZFile;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Opens archives and compressed files with Apache Commons Compress and hands each member to a
 * sink: zip (read through its central directory, or streamed when that is damaged), 7z, tar,
 * cpio (new, odc and binary), gzip, bzip2 and xz. Encrypted members are reported, not opened.
 * Decoders that allocate by what the file says (7z and xz dictionaries) get a memory cap, so a
 * crafted header cannot make the scanner allocate gigabytes. Member names are only displayed:
 * nothing is ever written under them, so "../../etc/passwd" members are harmless here.
 */
final class Archives {
    private Archives() { }

    static final int MEMORY_LIMIT_KIB = 64 * 1024;

    interface Sink {
        void member(String name, InputStream data) throws IOException;

        /** An encrypted member; format is "Zip" or "7Zip" (ClamAV's Heuristics.Encrypted.* names). */
        void encrypted(String name, String format) throws IOException;

        void skipped(String name, String why);
    }

    static void open(Spool obj, FileType type, Sink sink) throws IOException {
        switch (type) {
            case ZIP -> zip(obj, sink);
            case SEVENZ -> sevenZip(obj, sink);
            case TAR -> stream(new TarArchiveInputStream(obj.open()), sink);
            case CPIO -> stream(new CpioArchiveInputStream(obj.open()), sink);
            case GZIP -> {
                try (GzipCompressorInputStream in = GzipCompressorInputStream.builder().setInputStream(obj.open()).setDecompressConcatenated(true).get()) {
                    String n = in.getMetaData().getFileName();
                    sink.member(n == null || n.isEmpty() ? "(gunzipped)" : n, in);
                }
            }
            case BZIP2 -> {
                try (InputStream in = new BZip2CompressorInputStream(obj.open(), true)) {
                    sink.member("(bunzipped)", in);
                }
            }
            case XZ -> {
                try (InputStream in = XZCompressorInputStream.builder().setInputStream(obj.open()).setDecompressConcatenated(true)
                        .setMemoryLimitKiB(MEMORY_LIMIT_KIB).get()) {
                    sink.member("(unxz)", in);
                }
            }
            default -> throw new IllegalArgumentException("not an archive type: " + type);
        }
    }

    private static void zip(Spool obj, Sink sink) throws IOException {
        ZipFile zf;
        try {
            zf = ZipFile.builder().setSeekableByteChannel(obj.channel()).setIgnoreLocalFileHeader(false).get();
        } catch (IOException e) {
            // no usable central directory (truncated, or made to confuse): read the local headers
            stream(new ZipArchiveInputStream(obj.open(), "UTF-8", true, true), sink);
            return;
        }
        try (zf) {
            for (ZipArchiveEntry e : Collections.list(zf.getEntriesInPhysicalOrder())) {
                if (e.isDirectory()) continue;
                if (e.getGeneralPurposeBit().usesEncryption()) {
                    sink.encrypted(e.getName(), "Zip");
                    continue;
                }
                if (!zf.canReadEntryData(e)) {
                    sink.skipped(e.getName(), "compression method " + e.getMethod() + " not supported");
                    continue;
                }
                try (InputStream in = zf.getInputStream(e)) {
                    sink.member(e.getName(), in);
                }
            }
        }
    }

    private static void sevenZip(Spool obj, Sink sink) throws IOException {
        SeekableByteChannel ch = obj.channel();
        try (SevenZFile sz = SevenZFile.builder().setSeekableByteChannel(ch).setMaxMemoryLimitKiB(MEMORY_LIMIT_KIB).get()) {
            SevenZArchiveEntry e;
            while ((e = sz.getNextEntry()) != null) {
                if (e.isDirectory() || !e.hasStream()) continue;
                try (InputStream in = sz.getInputStream(e)) {
                    sink.member(e.getName(), in);
                }
            }
        } catch (org.apache.commons.compress.PasswordRequiredException e) {
            sink.encrypted("(7z headers)", "7Zip");
        }
    }

    private static void stream(ArchiveInputStream<? extends ArchiveEntry> in, Sink sink) throws IOException {
        try (in) {
            ArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.isDirectory()) continue;
                if (in instanceof ZipArchiveInputStream z && e instanceof ZipArchiveEntry ze && ze.getGeneralPurposeBit().usesEncryption()) {
                    sink.encrypted(e.getName(), "Zip");
                    continue;
                }
                if (!in.canReadEntryData(e)) {
                    sink.skipped(e.getName(), "entry data not readable");
                    continue;
                }
                sink.member(e.getName(), in);
            }
        }
    }
}
