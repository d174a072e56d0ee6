// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ClamAV database formats and the body-signature matcher. */
class AntivirusSignaturesTest {
    @TempDir
    Path dir;

    private static String hex(String s) { return java.util.HexFormat.of().formatHex(s.getBytes(StandardCharsets.ISO_8859_1)); }

    private static String match(String ndb, String data) throws Exception {
        SignatureDb db = SignatureDb.of(Map.of("t.ndb", (ndb + "\n").getBytes()));
        assertThat(db.unsupported()).isEmpty();
        return db.matchBody(ByteBuffer.wrap(data.getBytes(StandardCharsets.ISO_8859_1)), FileType.UNKNOWN);
    }

    @Test
    void wildcardsAndRanges() throws Exception {
        assertThat(match("A:0:*:" + hex("abc") + "??" + hex("def"), "xxabcZdefyy")).isEqualTo("A.UNOFFICIAL");
        assertThat(match("A:0:*:" + hex("abc") + "??" + hex("def"), "xxabcdefyy")).isNull();
        assertThat(match("A:0:*:" + hex("abc") + "{2-3}" + hex("def"), "abc12def")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "{2-3}" + hex("def"), "abc1234def")).isNull();
        assertThat(match("A:0:*:" + hex("abc") + "{-2}" + hex("def"), "abcdef")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "{3-}" + hex("def"), "abc12def")).isNull();
        assertThat(match("A:0:*:" + hex("abc") + "[1-2]" + hex("def"), "abc12def")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "*" + hex("def"), "abc" + "q".repeat(10000) + "def")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "(31|32)" + hex("def"), "abc2def")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "!(31|32)" + hex("def"), "abc2def")).isNull();
        assertThat(match("A:0:*:" + hex("abc") + "!(31|32)" + hex("def"), "abc3def")).isNotNull();
        // nibbles: 4? matches 0x40-0x4F ('@'..'O'), ?1 matches 0x?1
        assertThat(match("A:0:*:" + hex("abc") + "4?" + hex("def"), "abcMdef")).isNotNull();
        assertThat(match("A:0:*:" + hex("abc") + "4?" + hex("def"), "abcmdef")).isNull();
        assertThat(match("A:0:*:" + hex("abc") + "?1" + hex("def"), "abcadef")).isNotNull();
        // the anchor can be the second fragment: the first must be found backwards
        assertThat(match("A:0:*:" + hex("a") + "{1-4}" + hex("longanchor"), "zza12longanchor")).isNotNull();
        assertThat(match("A:0:*:" + hex("a") + "{1-4}" + hex("longanchor"), "zza12345longanchor")).isNull();
    }

    @Test
    void offsets() throws Exception {
        assertThat(match("A:0:0:" + hex("head"), "head and more")).isNotNull();
        assertThat(match("A:0:0:" + hex("head"), " head")).isNull();
        assertThat(match("A:0:3,2:" + hex("mid"), "12345mid")).isNotNull();
        assertThat(match("A:0:3,1:" + hex("mid"), "12345mid")).isNull();
        assertThat(match("A:0:EOF-4:" + hex("tail"), "xxxxtail")).isNotNull();
        assertThat(match("A:0:EOF-5:" + hex("tail"), "xxxxtail")).isNull();
        // one automaton, several signatures sharing prefixes
        SignatureDb db = SignatureDb.of(Map.of("t.ndb", ("A:0:*:" + hex("virus") + "\nB:0:*:" + hex("virusB") + "\nC:0:*:" + hex("irusC") + "\n").getBytes()));
        assertThat(db.matchBody(ByteBuffer.wrap("xx virusC".getBytes()), FileType.UNKNOWN)).isIn("A.UNOFFICIAL", "C.UNOFFICIAL");
        assertThat(db.matchBody(ByteBuffer.wrap("xx irusC".getBytes()), FileType.UNKNOWN)).isEqualTo("C.UNOFFICIAL");
    }

    @Test
    void targetTypes() throws Exception {
        SignatureDb db = SignatureDb.of(Map.of("t.ndb", ("Pe:1:*:" + hex("payload") + "\nMail:4:*:" + hex("payload") + "\n").getBytes()));
        assertThat(db.matchBody(ByteBuffer.wrap("MZ..payload".getBytes()), FileType.PE)).isEqualTo("Pe.UNOFFICIAL");
        assertThat(db.matchBody(ByteBuffer.wrap("From: x\n\npayload".getBytes()), FileType.MAIL)).isEqualTo("Mail.UNOFFICIAL");
        assertThat(db.matchBody(ByteBuffer.wrap("..payload".getBytes()), FileType.UNKNOWN)).isNull();
    }

    @Test
    void logicalSignatures() throws Exception {
        String l = "L;Engine:51-255,Target:0;(0|1)&2=2;" + hex("alpha") + ";" + hex("beta") + ";10:" + hex("gamma") + "{0-2}" + hex("!");
        SignatureDb db = SignatureDb.of(Map.of("a.ldb", (l + "\nSized;Target:0,FileSize:0-10;0;" + hex("tiny") + "\n").getBytes()));
        assertThat(db.unsupported()).isEmpty();
        assertThat(db.bodySignatures()).isEqualTo(2);
        assertThat(db.matchBody(ByteBuffer.wrap("0123456789gamma!alpha gamma!".getBytes()), FileType.UNKNOWN)).isNull();   // gamma once at 10
        assertThat(db.matchBody(ByteBuffer.wrap("0123456789gamma!alpha gamma?!".getBytes()), FileType.UNKNOWN)).isNull();
        assertThat(db.matchBody(ByteBuffer.wrap("0123456789gamma!beta".getBytes()), FileType.UNKNOWN)).isNull();   // gamma=2 needed
        SignatureDb any = SignatureDb.of(Map.of("a.ldb", ("L;Engine:51-255,Target:0;(0|1)&2=2;" + hex("alpha") + ";" + hex("beta") + ";" + hex("gamma") + "\n").getBytes()));
        assertThat(any.matchBody(ByteBuffer.wrap("gamma beta gamma".getBytes()), FileType.UNKNOWN)).isEqualTo("L.UNOFFICIAL");
        assertThat(any.matchBody(ByteBuffer.wrap("gamma beta gamma gamma".getBytes()), FileType.UNKNOWN)).isNull();
        assertThat(db.matchBody(ByteBuffer.wrap("tiny".getBytes()), FileType.UNKNOWN)).isEqualTo("Sized.UNOFFICIAL");
        assertThat(db.matchBody(ByteBuffer.wrap("tiny but long".getBytes()), FileType.UNKNOWN)).isNull();
        SignatureDb bad = SignatureDb.of(Map.of("b.ldb", ("P;Target:0;0;" + hex("ab") + "::i\nQ;Target:0;0&1;" + hex("ab")
                + "\nR;Target:0,Container:CL_TYPE_ZIP;0;" + hex("ab") + "\nS;Target:0;0;0/evil.*regex/\n").getBytes()));
        assertThat(bad.bodySignatures()).isZero();
        assertThat(bad.unsupported()).containsEntry(".ldb: subsignature modifiers", 1)
                .containsEntry(".ldb: expression names a missing subsignature", 1).containsEntry(".ldb: target block key Container", 1)
                .containsEntry(".ldb: PCRE subsignature", 1);
    }

    @Test
    void unsupportedLinesCountedNotDropped() throws Exception {
        SignatureDb db = SignatureDb.of(Map.of(
                "a.ndb", ("Ok:0:*:" + hex("fine") + "\nHtml:3:*:" + hex("html") + "\nEp:1:EP+0:" + hex("code")
                        + "\nMulti:0:*:" + hex("ab") + "(4142|4344)" + hex("cd") + "\nBroken\n").getBytes(),
                "b.ldb", "Sig1;Target:7;0;6162\nSig2;Target:0;0;6364::w\n".getBytes(),
                "d.cdb", "Container1:CL_TYPE_ZIP:*:*:*:*:*:*:*:*\nContainer2:CL_TYPE_ZIP:*:*:*:*:*:*:*:*\n".getBytes(),
                "c.hdb", "nothex:12:Bad\n".getBytes()));
        assertThat(db.bodySignatures()).isEqualTo(1);
        assertThat(db.unsupported()).containsEntry(".cdb files", 2).containsEntry(".ndb: target type N", 1).containsEntry(".ldb: target type N", 1)
                .containsEntry(".hdb: bad hash", 1);
        int total = db.unsupported().values().stream().mapToInt(Integer::intValue).sum();
        assertThat(total).isEqualTo(2 + 2 + 4 + 1);
        assertThat(db.summary()).contains("unsupported");
    }

    @Test
    void hashesWithSizesWildcardsFpAndIgnoreLists() throws Exception {
        byte[] e = TestSignatures.eicar();
        String md5 = TestSignatures.md5(e);
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(e));
        SignatureDb db = SignatureDb.of(Map.of("a.hdb", (md5 + ":" + e.length + ":Eicar-Md5\n").getBytes(),
                "b.hsb", (sha256 + ":*:Eicar-Sha256\n").getBytes()));
        assertThat(db.matchHash(ByteBuffer.wrap(e))).isIn("Eicar-Md5.UNOFFICIAL", "Eicar-Sha256.UNOFFICIAL");
        SignatureDb wrongSize = SignatureDb.of(Map.of("a.hdb", (md5 + ":" + (e.length + 1) + ":Eicar-Md5\n").getBytes()));
        assertThat(wrongSize.matchHash(ByteBuffer.wrap(e))).isNull();
        SignatureDb ign = SignatureDb.of(Map.of("a.hdb", (md5 + ":" + e.length + ":Eicar-Md5\n").getBytes(), "x.ign2", "Eicar-Md5\n".getBytes()));
        assertThat(ign.matchHash(ByteBuffer.wrap(e))).isNull();
        SignatureDb fp = SignatureDb.of(Map.of("a.hdb", (md5 + ":" + e.length + ":Eicar-Md5\n").getBytes(), "x.fp", (md5 + ":" + e.length + ":ok\n").getBytes()));
        assertThat(fp.matchHash(ByteBuffer.wrap(e))).isEqualTo(SignatureDb.CLEAN_BY_FP);
    }

    /** A .cvd as freshclam writes it: the 512-byte header, then a gzipped tar. Names lose .UNOFFICIAL. */
    @Test
    void cvdContainer() throws Exception {
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(tgz))) {
            Path src = TestSignatures.write(dir.resolve("src"));
            for (String n : List.of("test.hdb", "test.ndb")) {
                byte[] b = Files.readAllBytes(src.resolve(n));
                TarArchiveEntry te = new TarArchiveEntry(n);
                te.setSize(b.length);
                tar.putArchiveEntry(te);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        byte[] header = "ClamAV-VDB:05 Dec 2026 09-00 +0000:1:7:90:md5:sig:secumail:1764925200".getBytes(StandardCharsets.US_ASCII);
        byte[] cvd = new byte[512 + tgz.size()];
        java.util.Arrays.fill(cvd, 0, 512, (byte) ' ');
        System.arraycopy(header, 0, cvd, 0, header.length);
        System.arraycopy(tgz.toByteArray(), 0, cvd, 512, tgz.size());
        Files.createDirectories(dir.resolve("db"));
        Files.write(dir.resolve("db/test.cvd"), cvd);
        SignatureDb db = SignatureDb.load(dir.resolve("db"));
        assertThat(db.hashSignatures()).isEqualTo(2);
        assertThat(db.matchHash(ByteBuffer.wrap(TestSignatures.eicar()))).isEqualTo("Eicar-Test-Signature");
        Files.write(dir.resolve("db/bad.cvd"), "not a cvd".getBytes());
        assertThatThrownBy(() -> SignatureDb.load(dir.resolve("db"))).hasMessageContaining("ClamAV-VDB");
    }

    /** Wildcards that make verification costly are bounded per object, and reported as ClamAV's MaxScanTime. */
    @Test
    void verificationWorkIsBounded() throws Exception {
        // "ab" then anything then "ab" * "zz": in a file of "ab"s without "zz" every candidate scans to the end
        SignatureDb db = SignatureDb.of(Map.of("s.ndb", ("Slow:0:*:" + hex("abab") + "*" + hex("ab") + "*" + hex("zz") + "\n").getBytes()));
        byte[] data = "ab".repeat(2_000_000).getBytes();
        long t0 = System.nanoTime();
        assertThat(db.matchBody(ByteBuffer.wrap(data), FileType.UNKNOWN)).isEqualTo(BodySignatures.BUDGET_EXHAUSTED);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(10));
        assertThat(SignatureDb.of(Map.of("s.ndb", "One:0:*:41??42\n".getBytes())).unsupported())
                .containsEntry(".ndb: fewer than N literal bytes in a row", 1);
    }

    /** 2,000 generated body signatures in one automaton: the data is read once. */
    @Test
    void manySignaturesOneAutomaton() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) lines.add("Gen." + i + ":0:*:" + hex("genpattern-" + i + "-x") + "{0-8}" + hex("-end"));
        SignatureDb db = SignatureDb.of(Map.of("g.ndb", String.join("\n", lines).getBytes()));
        assertThat(db.bodySignatures()).isEqualTo(2000);
        byte[] data = ("z".repeat(1 << 20) + "genpattern-1234-x1234-end").getBytes();
        assertThat(db.matchBody(ByteBuffer.wrap(data), FileType.UNKNOWN)).isEqualTo("Gen.1234.UNOFFICIAL");
        assertThat(db.matchBody(ByteBuffer.wrap("genpattern-1234-x123456789-end".getBytes()), FileType.UNKNOWN)).isNull();
    }
}
