// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;

/** Bad input for the built-in scanner: each gives a verdict within bounded time and memory. */
class AntivirusLimitsTest {
    @TempDir
    Path dir;
    BuiltinScanner scanner;

    @BeforeEach
    void load() throws IOException {
        scanner = new BuiltinScanner(SignatureDb.load(TestSignatures.write(dir.resolve("db"))), dir.resolve("db"),
                BuiltinScanner.Limits.defaults(), dir, null);
    }

    static byte[] zip(String name, byte[] data, boolean encryptedFlag) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(b)) {
            z.putArchiveEntry(new ZipArchiveEntry(name));
            z.write(data);
            z.closeArchiveEntry();
        }
        byte[] zip = b.toByteArray();
        if (encryptedFlag) {
            // Commons Compress writes no encryption: set bit 0 of the general purpose flags in the
            // local header (offset 6) and the central directory header (offset 8), as zip -e does
            for (int i = 0; i + 4 < zip.length; i++) {
                if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 3 && zip[i + 3] == 4) zip[i + 6] |= 1;
                if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) zip[i + 8] |= 1;
            }
        }
        return zip;
    }

    private ScanResult scan(byte[] b) { return scanner.scan(() -> new ByteArrayInputStream(b)); }

    private ScanResult scanMail(byte[] b) { return scanner.scanMessage(() -> new ByteArrayInputStream(b)); }

    @Test
    void zipBombStopsAtTheRatio() throws Exception {
        byte[] bomb = zip("zeros.bin", new byte[200 << 20], false);   // 200 MiB of zeros, about 200 KB zipped
        long t0 = System.nanoTime();
        ScanResult r = scanMail(TestMessages.withAttachments("bomb", new Attachment("bomb.zip", "application/zip", bomb)));
        assertThat(r.signature()).isEqualTo("Heuristics.Limits.Exceeded.MaxRatio");
        assertThat(r.where()).isEqualTo("message > part 2 (bomb.zip) > zeros.bin");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void nestedArchivesPastTheDepthLimit() throws Exception {
        byte[] inner = TestSignatures.eicar();
        for (int i = 0; i < 20; i++) inner = zip("level" + i + ".zip", inner, false);
        assertThat(scan(inner).signature()).isEqualTo("Heuristics.Limits.Exceeded.MaxRecursion");
        byte[] shallow = TestSignatures.eicar();
        for (int i = 0; i < 5; i++) shallow = zip("level" + i + ".zip", shallow, false);
        assertThat(scan(shallow).signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
    }

    @Test
    void encryptedAndCorruptArchives() throws Exception {
        assertThat(scan(zip("secret.doc", "x".getBytes(), true)).signature()).isEqualTo("Heuristics.Encrypted.Zip");
        byte[] good = zip("eicar.com", TestSignatures.eicar(), false);
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 30);   // central directory gone: local headers still read
        ScanResult r = scan(cut);
        assertThat(r.status()).isNotEqualTo(ScanResult.Status.ERROR);
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        garbage[0] = 'P'; garbage[1] = 'K'; garbage[2] = 3; garbage[3] = 4;
        assertThat(scan(garbage).status()).isEqualTo(ScanResult.Status.CLEAN);
    }

    @Test
    void pathTraversalNamesAreOnlyNames() throws Exception {
        ScanResult r = scan(zip("../../../../etc/cron.d/evil", TestSignatures.eicar(), false));
        assertThat(r.signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
        assertThat(r.where()).isEqualTo("file > ../../../../etc/cron.d/evil");
        assertThat(Files.exists(Path.of("/etc/cron.d/evil"))).isFalse();
    }

    @Test
    void truncatedBase64AndBrokenBoundaries() {
        String b64 = Base64.getMimeEncoder().encodeToString(TestSignatures.eicar());
        String head = "From: a@example.test\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                + "--b\r\nContent-Type: application/octet-stream; name=\"e.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        // the closing boundary is missing: the part still ends at the end of the message
        assertThat(scanMail((head + b64 + "\r\n").getBytes()).signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
        // cut in the middle of the base64: a verdict (clean: the file is not all there), not an error
        assertThat(scanMail((head + b64.substring(0, 37)).getBytes()).status()).isEqualTo(ScanResult.Status.CLEAN);
        // a boundary that never appears: one body, scanned as it stands
        String wrong = head.replace("boundary=\"b\"", "boundary=\"zz\"") + b64 + "\r\n--b--\r\n";
        assertThat(scanMail(wrong.getBytes()).status()).isNotEqualTo(ScanResult.Status.ERROR);
    }

    @Test
    void tenThousandPartsAndMore() {
        StringBuilder m = new StringBuilder("From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for (int i = 0; i < 9_990; i++) m.append("--b\r\nContent-Type: text/plain\r\n\r\npart ").append(i).append("\r\n");
        String ok = m + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getEncoder().encodeToString(TestSignatures.eicar()) + "\r\n--b--\r\n";
        long t0 = System.nanoTime();
        assertThat(scanMail(ok.getBytes()).signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
        for (int i = 0; i < 20; i++) m.append("--b\r\nContent-Type: text/plain\r\n\r\nmore ").append(i).append("\r\n");
        assertThat(scanMail((m + "--b--\r\n").getBytes()).signature()).isEqualTo("Heuristics.Limits.Exceeded.MaxFiles");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    /** 50 MB written to a file and read back through the scanner's spool, never whole in the heap. */
    @Test
    void fiftyMegabyteMessage() throws Exception {
        Path f = dir.resolve("big.eml");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(f))) {
            out.write("From: a@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".getBytes());
            byte[] line = (Base64.getEncoder().encodeToString(new byte[57]) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (long n = 0; n < 50L << 20; n += line.length) out.write(line);
            out.write(("--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + Base64.getEncoder().encodeToString(TestSignatures.eicar()) + "\r\n--b--\r\n").getBytes());
        }
        long t0 = System.nanoTime();
        ScanResult r = scanner.scanMessage(() -> Files.newInputStream(f));
        // the 38 MB first part is over MaxFileSize (25M): with alerts on that decides
        assertThat(r.signature()).isEqualTo("Heuristics.Limits.Exceeded.MaxFileSize");
        BuiltinScanner lenient = new BuiltinScanner(scanner.database(), dir.resolve("db"),
                new BuiltinScanner.Limits(17, 10_000, 25L << 20, 100L << 20, 100, false, true), dir, null);
        ScanResult l = lenient.scanMessage(() -> Files.newInputStream(f));
        assertThat(l.signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("scan"))).isEmpty();   // spools removed
        }
    }
}
