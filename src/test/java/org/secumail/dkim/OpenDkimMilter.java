// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private OpenDKIM milter (Debian package opendkim) in the foreground on 127.0.0.1, with its
 * own opendkim.conf and data sets in a directory of the test: never /etc/opendkim, never syslog,
 * never real DNS (keys come from TestDNSData). It signs mail from InternalHosts (only 127.0.0.3,
 * so that everything else on loopback, SecuMail's relay included, is verified) with one key
 * for d=odkim.test, and verifies everything else.
 */
final class OpenDkimMilter implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/opendkim");
    static final String AUTHSERV_ID = "opendkim.test";
    static final String INTERNAL_HOST = "127.0.0.3";

    private final Process process;
    private final Path dir;

    private OpenDkimMilter(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /**
     * Starts opendkim on 127.0.0.1:port and waits until the port answers.
     *
     * @param canonicalization OpenDKIM's Canonicalization for what it signs ("simple/simple", ...)
     * @param txt TestDNSData: DNS name to TXT content, for what it verifies
     * @param signingKey the key of s=odk, d=odkim.test
     */
    static OpenDkimMilter start(Path dir, int port, String canonicalization, Map<String, String> txt, PrivateKey signingKey)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StringBuilder dns = new StringBuilder();
        // Flat data set: the key up to the first blank, the value the rest; values with no blank
        // and no colon (the entry separator of data sets) reach the verifier unchanged.
        txt.forEach((name, value) -> dns.append(name).append(' ').append(value.replace(" ", "")).append('\n'));
        Files.writeString(dir.resolve("dns"), dns);
        Path key = dir.resolve("odk.private");
        Files.writeString(key, DkimKeys.toPem(signingKey));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("keytable"), "odk odkim.test:odk:" + key + "\n");
        Files.writeString(dir.resolve("signingtable"), "*@odkim.test odk\n");
        Files.writeString(dir.resolve("internalhosts"), INTERNAL_HOST + "\n");
        String conf = String.join("\n",
                "Socket inet:" + port + "@127.0.0.1",
                "Mode sv",
                "Syslog no",
                "Background no",
                "PidFile " + dir.resolve("opendkim.pid"),
                "AuthservID " + AUTHSERV_ID,
                "Canonicalization " + canonicalization,
                "SignatureAlgorithm rsa-sha256",
                "TestDNSData file:" + dir.resolve("dns"),
                "KeyTable file:" + dir.resolve("keytable"),
                "SigningTable refile:" + dir.resolve("signingtable"),
                "InternalHosts file:" + dir.resolve("internalhosts"),
                "TemporaryDirectory " + dir,
                // The key is 0600, but it lives under the JVM's temp directory and opendkim's
                // RequireSafeKeys also refuses any path through /tmp ("can be read or written by
                // other users"), which tempfails every message it should sign.
                "RequireSafeKeys no",
                "");
        Path confFile = dir.resolve("opendkim.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(BINARY.toString(), "-f", "-x", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("opendkim.out").toFile()).start();
        OpenDkimMilter m = new OpenDkimMilter(p, dir);
        try {
            m.awaitPort(port);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private void awaitPort(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("opendkim exited with " + process.exitValue() + ": " + output());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("opendkim did not listen on 127.0.0.1:" + port + " within 15 s: " + output());
    }

    /** What opendkim wrote to stdout and stderr (startup errors; it has no syslog here). */
    String output() {
        try {
            return Files.readString(dir.resolve("opendkim.out"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** Stops this process only (by its handle), and waits for it so its port is free again. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
