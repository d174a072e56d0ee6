// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A set of ClamAV signature databases as ClamAV ships them (signatures.md): .hdb/.hsb (MD5,
 * SHA-1 or SHA-256 of a whole file, {@code hash:size:Name}, size {@code *} for any), .ndb body
 * signatures ({@link BodySignatures}), .ldb logical signatures made of body patterns
 * ({@link LogicalSignature}), .mdb/.msb (hashes of PE sections, {@link PeSections}), .fp/.sfp (files known clean by hash), .ign2 (signature
 * names to drop) and the .cvd/.cld containers (a 512-byte "ClamAV-VDB:" header, then a tar,
 * gzipped for .cvd) holding them. Names from plain files get ClamAV's ".UNOFFICIAL" suffix,
 * names from containers do not, so verdicts read as clamd's do.
 *
 * <p>Everything else (.cdb, .idb, .wdb, .pdb, .ftm,
 * bytecode, YARA) and every unsupported line is counted by reason in {@link #unsupported()},
 * which the scanner logs at load: never silently dropped. The container's digital signature is
 * not verified (clamd does, with ClamAV's public key): the files come from the administrator's
 * own freshclam directory. Immutable once loaded.
 */
public final class SignatureDb {
    private final Map<String, String> hashes = new HashMap<>();   // "md5hex:size" or "md5hex:*" -> name
    private final Set<String> clean = new HashSet<>();              // .fp/.sfp "hash:size"
    private final Set<Integer> hashLengths = new HashSet<>();       // 32, 40, 64: which digests to compute
    private final Map<String, String> sectionHashes = new HashMap<>();   // .mdb/.msb "hash:size" -> name
    private final Set<Integer> sectionHashLengths = new HashSet<>();
    private final BodySignatures body = new BodySignatures();
    private final Set<String> ignored = new HashSet<>();
    private final Map<String, Integer> unsupported = new TreeMap<>();
    private final Map<String, Integer> loaded = new TreeMap<>();

    private SignatureDb() { }

    /** Every database file in dir (not recursing), ClamAV's DatabaseDirectory. */
    public static SignatureDb load(Path dir) throws IOException {
        SignatureDb db = new SignatureDb();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                db.add(f.getFileName().toString(), in, false);
            }
        }
        db.finish();
        return db;
    }

    /** No signatures at all (the attachment policy alone). */
    static SignatureDb empty() {
        SignatureDb db = new SignatureDb();
        db.finish();
        return db;
    }

    /** A database from named streams (tests, single files). */
    static SignatureDb of(Map<String, byte[]> files) throws IOException {
        SignatureDb db = new SignatureDb();
        for (var e : new TreeMap<>(files).entrySet()) db.add(e.getKey(), new ByteArrayInputStream(e.getValue()), false);
        db.finish();
        return db;
    }

    private void add(String name, InputStream in, boolean official) throws IOException {
        String ext = name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        switch (ext) {
            case "cvd", "cld" -> container(name, in);
            case "hdb", "hsb", "mdb", "msb", "fp", "sfp", "ndb", "ldb", "ign2", "ign" -> lines(ext, in, official ? "" : ".UNOFFICIAL");
            case "info", "cfg", "sign", "txt", "md", "" -> { }   // container metadata, not signatures
            default -> {
                // a format we do not read: count its signature lines so the log says how many are lost
                long n = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
                if (n > 0) unsupported.merge("." + ext + " files", (int) n, Integer::sum);
            }
        }
    }

    private void container(String name, InputStream in) throws IOException {
        byte[] header = in.readNBytes(512);
        if (header.length < 512 || !new String(header, 0, 11, StandardCharsets.US_ASCII).equals("ClamAV-VDB:")) {
            throw new IOException(name + ": not a ClamAV database container (no ClamAV-VDB header)");
        }
        java.io.BufferedInputStream rest = new java.io.BufferedInputStream(in);
        rest.mark(2);
        boolean gz = rest.read() == 0x1f && rest.read() == 0x8b;
        rest.reset();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(gz ? new GzipCompressorInputStream(rest) : rest)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) add(e.getName(), new ByteArrayInputStream(tar.readAllBytes()), true);
            }
        }
    }

    private void lines(String ext, InputStream in, String suffix) throws IOException {
        String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        for (String line : text.split("\r?\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            try {
                switch (ext) {
                    case "hdb", "hsb" -> hashLine(l, suffix, false);
                    case "mdb", "msb" -> sectionLine(l, suffix);
                    case "fp", "sfp" -> hashLine(l, "", true);
                    case "ndb" -> body.add(l, suffix);
                    case "ldb" -> body.addLogical(l, suffix);
                    case "ign2" -> ignored.add(l.split(":", 2)[0]);
                    default -> {   // .ign: "db:line:name"
                        String[] f = l.split(":");
                        ignored.add(f[f.length - 1]);
                    }
                }
                loaded.merge("." + ext, 1, Integer::sum);
            } catch (RuntimeException e) {
                unsupported.merge("." + ext + ": " + reason(e), 1, Integer::sum);
            }
        }
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // group by kind, not by the literal value, so the load log stays one line per reason
        return m.replaceAll("\\b(?=[0-9A-Fa-f]*\\d)[0-9A-Fa-f]+\\b", "N");
    }

    private void hashLine(String l, String suffix, boolean fp) {
        String[] f = l.split(":");
        if (f.length < 3) throw new IllegalArgumentException("malformed line");
        String hash = f[0].toLowerCase(Locale.ROOT);
        if (!hash.matches("[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}")) throw new IllegalArgumentException("bad hash");
        String size = f[1].strip();
        if (!size.equals("*")) Long.parseLong(size);
        hashLengths.add(hash.length());
        if (fp) clean.add(hash + ":" + size);
        else hashes.putIfAbsent(hash + ":" + size, f[2] + suffix);
    }

    /** .mdb/.msb: {@code PESectionSize:PESectionHash:Name[:MinFL]} (size first, unlike .hdb). */
    private void sectionLine(String l, String suffix) {
        String[] f = l.split(":");
        if (f.length < 3) throw new IllegalArgumentException("malformed line");
        String size = f[0].strip();
        if (!size.equals("*")) Long.parseLong(size);
        String hash = f[1].toLowerCase(Locale.ROOT);
        if (!hash.matches("[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}")) throw new IllegalArgumentException("bad hash");
        sectionHashLengths.add(hash.length());
        sectionHashes.putIfAbsent(hash + ":" + size, f[2] + suffix);
    }

    private void finish() {
        body.removeNames(ignored);
        hashes.values().removeIf(n -> ignored.contains(n) || ignored.contains(baseName(n)));
        sectionHashes.values().removeIf(n -> ignored.contains(n) || ignored.contains(baseName(n)));
        body.compile();
    }

    static String baseName(String name) {
        return name.endsWith(".UNOFFICIAL") ? name.substring(0, name.length() - ".UNOFFICIAL".length()) : name;
    }

    /** Result of matching one object: a signature name, CLEAN_BY_FP for an .fp hit, or null. */
    static final String CLEAN_BY_FP = "";

    String matchHash(ByteBuffer data) {
        long size = data.limit();
        for (int len : hashLengths) {
            String h = digest(data, len == 32 ? "MD5" : len == 40 ? "SHA-1" : "SHA-256");
            if (clean.contains(h + ":" + size) || clean.contains(h + ":*")) return CLEAN_BY_FP;
            String n = hashes.get(h + ":" + size);
            if (n == null) n = hashes.get(h + ":*");
            if (n != null) return n;
        }
        return null;
    }

    String matchBody(ByteBuffer data, FileType type) { return body.match(data, type); }

    /** The .mdb/.msb name matching one of a PE file's sections, or null. */
    String matchSections(ByteBuffer data, FileType type) {
        if (type != FileType.PE || sectionHashes.isEmpty()) return null;
        for (PeSections.Section s : PeSections.of(data)) {
            ByteBuffer sec = data.duplicate().position((int) s.offset()).limit((int) (s.offset() + s.size())).slice();
            for (int len : sectionHashLengths) {
                String h = digest(sec, len == 32 ? "MD5" : len == 40 ? "SHA-1" : "SHA-256");
                String n = sectionHashes.get(h + ":" + s.size());
                if (n == null) n = sectionHashes.get(h + ":*");
                if (n != null) return n;
            }
        }
        return null;
    }

    private static String digest(ByteBuffer data, String alg) {
        try {
            MessageDigest md = MessageDigest.getInstance(alg);
            md.update(data.duplicate().position(0));
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int hashSignatures() { return hashes.size() + sectionHashes.size(); }

    public int bodySignatures() { return body.size(); }

    /** Lines loaded per file type (".hdb" -> 12). */
    public Map<String, Integer> loaded() { return java.util.Collections.unmodifiableMap(loaded); }

    /** Lines or files not supported, by reason (".ndb: target type N" -> 30, ".ldb files" -> 1200). */
    public Map<String, Integer> unsupported() { return java.util.Collections.unmodifiableMap(unsupported); }

    public String summary() {
        return "loaded " + hashSignatures() + " hash and " + bodySignatures() + " body signatures (" + body.states() + " automaton states), "
                + ignored.size() + " ignored names; unsupported: " + (unsupported.isEmpty() ? "none" : unsupported);
    }
}
