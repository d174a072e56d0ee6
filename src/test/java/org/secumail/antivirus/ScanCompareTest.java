// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;

/**
 * The same test database in a real clamd and in the built-in scanner, file by file, over
 * Debian's clamav-testfiles, EICAR and generated messages. Where the built-in scanner cannot
 * open the container (RAR, ARJ, CAB, CHM, packed executables, PDF, OLE2, TNEF, SIS, BinHex, RTF,
 * SZDD, installers: ClamAV's own C unpackers) it must say clean, never a different name; every
 * format it claims to open must give clamd's verdict.
 */
class ScanCompareTest {
    @TempDir
    Path dir;

    /** Containers the built-in scanner does not open; their contents are not seen. */
    static boolean unsupportedContainer(String file) {
        return !(file.startsWith("gen-") || file.endsWith(".zip") || file.endsWith(".7z") || file.endsWith(".cpio") || file.endsWith(".tar.gz") || file.endsWith(".tgz")
                || file.endsWith(".bz2") || file.equals("clam.exe") || file.equals("clam.mail") || file.contains(".mbox."));
    }

    @Test
    void sameVerdictsAsClamd() throws Exception {
        ClamdProcess.assumeInstalled();
        Map<String, byte[]> samples = new TreeMap<>();
        if (Files.isDirectory(TestSignatures.TESTFILES)) {
            try (Stream<Path> s = Files.list(TestSignatures.TESTFILES)) {
                for (Path p : s.sorted().toList()) samples.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        } else if (System.getenv("CI") != null) {
            throw new AssertionError("clamav-testfiles missing under CI");
        }
        samples.put("eicar.com", TestSignatures.eicar());
        samples.put("eicar-in-mail.eml", TestMessages.withAttachments("e", new Attachment("eicar.com", "application/octet-stream", TestSignatures.eicar())));
        samples.put("hashed-in-mail.eml", TestMessages.withAttachments("h", new Attachment("s.bin", "application/octet-stream", TestSignatures.hashedSample())));
        samples.put("wild.txt", "xx SECUMAIL-WILD?TEST12-B-END yy".getBytes());
        samples.put("wild-no.txt", "xx SECUMAIL-WILD?TEST12345-B-END yy".getBytes());
        samples.put("wild-alt-no.txt", "xx SECUMAIL-WILD?TEST-C-END yy".getBytes());
        samples.put("star.txt", ("SECUMAIL-STAR" + "x".repeat(5000) + "-TAIL").getBytes());
        samples.put("head.txt", "SMHEAD at the start".getBytes());
        samples.put("head-no.txt", " SMHEAD not at the start".getBytes());
        byte[] eicar = TestSignatures.eicar();
        byte[] clam = samples.getOrDefault("clam.exe", TestSignatures.hashedSample());
        samples.put("gen-eicar.tar.xz", TestArchives.xz(TestArchives.tar("eicar.com", eicar)));
        samples.put("gen-eicar.tar.bz2", TestArchives.bzip2(TestArchives.tar("eicar.com", eicar)));
        samples.put("gen-clam.7z", TestArchives.sevenZip("clam.exe", clam));
        samples.put("gen-clam.cpio", TestArchives.cpio("clam.exe", clam));
        samples.put("gen-clam.exe.gz", TestArchives.gzip(clam));
        samples.put("gen-clam-in-zip-in-mail.eml", TestMessages.withAttachments("z", new Attachment("c.zip", "application/zip",
                AntivirusLimitsTest.zip("c.7z", TestArchives.sevenZip("clam.exe", clam), false))));
        samples.put("logical-a.txt", "x SECUMAIL-LOG y PART-A z".getBytes());
        samples.put("logical-b.txt", "PART-B first, then SECUMAIL-LOG".getBytes());
        samples.put("logical-no.txt", "SECUMAIL-LOG and PART-C".getBytes());
        samples.put("count-3.txt", "COUNT-ME COUNT-ME COUNT-ME".getBytes());
        samples.put("count-2.txt", "COUNT-ME COUNT-ME".getBytes());
        samples.put("clean.eml", TestMessages.withAttachments("c", new Attachment("a.txt", "text/plain", "hello\n".getBytes())));

        BuiltinScanner builtin = new BuiltinScanner(SignatureDb.load(TestSignatures.write(dir.resolve("db"))), dir.resolve("db"),
                BuiltinScanner.Limits.defaults(), dir, null);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        try (ClamdProcess clamd = ClamdProcess.start(dir.resolve("clamd"), "10M")) {
            ClamdClient client = clamd.client(10 << 20, ClamdClient.Oversize.TRUNCATE);
            for (var e : samples.entrySet()) {
                byte[] data = e.getValue();
                ScanResult c = client.scan(() -> new java.io.ByteArrayInputStream(data));
                ScanResult b = builtin.scan(() -> new java.io.ByteArrayInputStream(data));
                assertThat(c.status()).as("clamd on " + e.getKey()).isNotEqualTo(ScanResult.Status.ERROR);
                assertThat(b.status()).as("builtin on " + e.getKey() + " " + b.error()).isNotEqualTo(ScanResult.Status.ERROR);
                String cv = c.clamdReply(), bv = b.clamdReply();
                if (cv.equals(bv)) { compared++; continue; }
                if (unsupportedContainer(e.getKey()) && bv.equals("OK")) continue;
                mismatches.add(e.getKey() + ": clamd " + cv + ", builtin " + bv + " " + b.trace());
            }
        }
        assertThat(mismatches).isEmpty();
        System.out.println("compared equal: " + compared + " of " + samples.size());
        assertThat(compared).isGreaterThanOrEqualTo(samples.size() / 2);
    }

    /**
     * .mdb section hashes: candidate extents of clam.exe's one section (aligned to FileAlignment
     * as ClamAV does, and as the header says without alignment) under different names; both
     * scanners must name the same one, on the file and inside containers.
     */
    @Test
    void peSectionHashesAsClamd() throws Exception {
        ClamdProcess.assumeInstalled();
        Path clamExe = TestSignatures.TESTFILES.resolve("clam.exe");
        if (!Files.exists(clamExe)) {
            if (System.getenv("CI") != null) throw new AssertionError("clamav-testfiles missing under CI");
            org.junit.jupiter.api.Assumptions.abort("clamav-testfiles is not installed");
        }
        byte[] exe = Files.readAllBytes(clamExe);
        Path db = Files.createDirectories(dir.resolve("mdb"));
        StringBuilder mdb = new StringBuilder();
        int[][] extents = {{0, 0x200}, {1, 0x201}, {0, exe.length}};
        for (int i = 0; i < extents.length; i++) {
            byte[] sec = java.util.Arrays.copyOfRange(exe, extents[i][0], extents[i][1]);
            mdb.append(sec.length).append(':').append(TestSignatures.md5(sec)).append(":Secumail.Test.Section").append(i).append('\n');
        }
        Files.writeString(db.resolve("test.mdb"), mdb);
        BuiltinScanner builtin = new BuiltinScanner(SignatureDb.load(db), db, BuiltinScanner.Limits.defaults(), dir, null);
        Map<String, byte[]> samples = new TreeMap<>();
        for (String f : List.of("clam.exe", "clam.zip", "clam.exe.bz2", "clam.exe.mbox.base64", "clam.7z")) {
            samples.put(f, Files.readAllBytes(TestSignatures.TESTFILES.resolve(f)));
        }
        try (ClamdProcess clamd = ClamdProcess.start(dir.resolve("clamd-mdb"), "10M", db)) {
            ClamdClient client = clamd.client(10 << 20, ClamdClient.Oversize.TRUNCATE);
            for (var e : samples.entrySet()) {
                ScanResult c = client.scan(() -> new java.io.ByteArrayInputStream(e.getValue()));
                ScanResult b = builtin.scan(() -> new java.io.ByteArrayInputStream(e.getValue()));
                assertThat(c.status()).as("clamd on " + e.getKey()).isEqualTo(ScanResult.Status.INFECTED);
                assertThat(b.clamdReply()).as(e.getKey()).isEqualTo(c.clamdReply());
            }
        }
    }
}
