// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The small signature database the antivirus tests write at run time (never the full ClamAV
 * download: there is no internet): the EICAR test file by MD5 (.hdb), clamav-testfiles'
 * clam.exe by a body signature (.ndb, the name ClamAV's official set uses), plus a few body
 * signatures with wildcards for generated test files. EICAR is assembled here from two halves
 * so that no file in the repository is itself the test virus.
 */
final class TestSignatures {
    private TestSignatures() { }

    static final Path TESTFILES = Path.of("/usr/share/clamav-testfiles");

    static byte[] eicar() {
        return ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!$H+H*").getBytes(StandardCharsets.US_ASCII);
    }

    /** A harmless file that the .hdb lists by MD5 under another name. */
    static byte[] hashedSample() {
        return "secumail hashed test sample\n".repeat(10).getBytes(StandardCharsets.US_ASCII);
    }

    static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes test.hdb and test.ndb into dir (created). */
    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] e = eicar();
        byte[] h = hashedSample();
        Files.writeString(dir.resolve("test.hdb"), md5(e) + ":" + e.length + ":Eicar-Test-Signature\n"
                + md5(h) + ":" + h.length + ":Secumail.Test.Hashed\n");
        Files.writeString(dir.resolve("test.ndb"), String.join("\n",
                "Clamav.Test.File-6:0:*:434c414d657373616765426f7841",
                // "SECUMAIL-WILD" ?? "TEST" {0-4} "-" (A|B) "-END"
                "Secumail.Test.Wild:0:*:534543554d41494c2d57494c44??54455354{0-4}2d(41|42)2d454e44",
                // "SECUMAIL-STAR" * "-TAIL": any distance
                "Secumail.Test.Star:0:*:534543554d41494c2d53544152*2d5441494c",
                // at offset 0 only: "SMHEAD"
                "Secumail.Test.Head:0:0:534d48454144", ""));
        Files.writeString(dir.resolve("test.ldb"), String.join("\n",
                // "SECUMAIL-LOG" and ("PART-A" or "PART-B")
                "Secumail.Test.Logical;Engine:51-255,Target:0;0&(1|2);534543554d41494c2d4c4f47;504152542d41;504152542d42",
                // "COUNT-ME" more than twice
                "Secumail.Test.Count;Engine:51-255,Target:0;0>2;434f554e542d4d45", ""));
        return dir;
    }
}
