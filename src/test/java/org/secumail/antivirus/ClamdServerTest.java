// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;

/** "secumail clamd": the clamd protocol served by the built-in scanner, to our client and to clamdscan. */
class ClamdServerTest {
    @TempDir
    Path dir;
    ClamdServer server;
    ClamdEndpoint tcp;
    ClamdEndpoint unix;

    @BeforeEach
    void start() throws Exception {
        Path db = TestSignatures.write(dir.resolve("db"));
        BuiltinScanner scanner = new BuiltinScanner(SignatureDb.load(db), db, BuiltinScanner.Limits.defaults(), dir, null);
        server = new ClamdServer(scanner, 256 * 1024, 5_000, dir);
        tcp = server.listen(ClamdEndpoint.tcp("127.0.0.1", 0));
        unix = server.listen(ClamdEndpoint.unix(dir.resolve("clamd.sock")));
    }

    @AfterEach
    void stop() { server.close(); }

    private ClamdClient client(ClamdEndpoint ep, long max) {
        return new ClamdClient(List.of(ep), Duration.ofSeconds(2), Duration.ofSeconds(10), max, ClamdClient.Oversize.TRUNCATE);
    }

    @Test
    void ourClientOverBothSockets() throws Exception {
        byte[] msg = TestMessages.withAttachments("e", new Attachment("eicar.com", "application/octet-stream", TestSignatures.eicar()));
        for (ClamdEndpoint ep : List.of(tcp, unix)) {
            ClamdClient c = client(ep, 256 * 1024);
            assertThat(c.ping()).isEqualTo("PONG");
            assertThat(c.version()).startsWith("SecuMail 0.1 (ClamAV protocol, builtin)/");
            assertThat(c.scan(() -> new ByteArrayInputStream(msg)).signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
            assertThat(c.scan(() -> new ByteArrayInputStream("clean".getBytes())).status()).isEqualTo(ScanResult.Status.CLEAN);
        }
        // a client that sends more than the server's StreamMaxLength gets clamd's error
        ScanResult over = client(tcp, 1 << 20).scan(() -> new ByteArrayInputStream(new byte[400_000]));
        assertThat(over.error()).isEqualTo("INSTREAM size limit exceeded.");
    }

    /** The three command forms on a raw socket: z (NUL), n (newline), and the bare old form. */
    @Test
    void commandPrefixesAndSessions() throws Exception {
        try (Socket s = new Socket("127.0.0.1", tcp.port())) {
            s.setSoTimeout(5000);
            var out = new DataOutputStream(s.getOutputStream());
            InputStream in = s.getInputStream();
            out.write("zIDSESSION\0zPING\0".getBytes());
            assertThat(readUntil(in, 0)).isEqualTo("1: PONG");
            out.write("nPING\n".getBytes());
            assertThat(readUntil(in, '\n')).isEqualTo("2: PONG");
            out.write("zINSTREAM\0".getBytes());
            byte[] e = TestSignatures.eicar();
            out.writeInt(10);
            out.write(e, 0, 10);
            out.writeInt(e.length - 10);
            out.write(e, 10, e.length - 10);
            out.writeInt(0);
            assertThat(readUntil(in, 0)).isEqualTo("3: stream: Eicar-Test-Signature.UNOFFICIAL FOUND");
            out.write("zFROB\0zEND\0".getBytes());
            assertThat(readUntil(in, 0)).isEqualTo("4: UNKNOWN COMMAND");
            assertThat(in.read()).isEqualTo(-1);
        }
        for (String cmd : List.of("zPING\0", "nPING\n", "PING\n")) {
            try (Socket s = new Socket("127.0.0.1", tcp.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(cmd.getBytes());
                assertThat(readUntil(s.getInputStream(), cmd.charAt(0) == 'z' ? 0 : '\n')).isEqualTo("PONG");
                assertThat(s.getInputStream().read()).isEqualTo(-1);   // one command per connection outside a session
            }
        }
    }

    private static String readUntil(InputStream in, int term) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != term) b.append((char) c);
        return b.toString();
    }

    @Test
    void scanOfAPathAndReload() throws Exception {
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.write(files.resolve("a.txt"), "clean".getBytes());
        Files.write(files.resolve("b.com"), TestSignatures.eicar());
        try (Socket s = new Socket("127.0.0.1", tcp.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("zIDSESSION\0zSCAN " + files.resolve("a.txt") + "\0zCONTSCAN " + files + "\0zRELOAD\0zEND\0").getBytes());
            assertThat(readUntil(s.getInputStream(), 0)).isEqualTo("1: " + files.resolve("a.txt") + ": OK");
            assertThat(readUntil(s.getInputStream(), 0)).isEqualTo("2: " + files.resolve("b.com") + ": Eicar-Test-Signature.UNOFFICIAL FOUND");
            assertThat(readUntil(s.getInputStream(), 0)).isEqualTo("3: RELOADING");
        }
    }

    /** Debian's clamdscan, configured for our sockets, in stream mode and in path mode. */
    /** Outside IDSESSION the server must close after its reply: clamdscan waits for that (150 s otherwise). */
    @Test
    void clamdscanAgainstSecumailClamd() throws Exception {
        Path clamdscan = Path.of("/usr/bin/clamdscan");
        if (!Files.isExecutable(clamdscan)) {
            if (System.getenv("CI") != null && !System.getenv("CI").isBlank()) throw new AssertionError("clamdscan is missing under CI");
            org.junit.jupiter.api.Assumptions.abort("clamdscan is not installed (scripts/install-test-deps.sh installs it)");
        }
        Path eicar = dir.resolve("eicar.com");
        Files.write(eicar, TestSignatures.eicar());
        Path clean = dir.resolve("clean.txt");
        Files.writeString(clean, "nothing to see\n");
        for (String conf : List.of("TCPSocket " + tcp.port() + "\nTCPAddr 127.0.0.1\n", "LocalSocket " + unix.socket() + "\n")) {
            Path cf = dir.resolve("clamdscan.conf");
            Files.writeString(cf, conf);
            for (List<String> mode : List.of(List.of("--stream"), List.<String>of())) {
                List<String> cmd = new java.util.ArrayList<>(List.of(clamdscan.toString(), "--config-file=" + cf, "--no-summary"));
                cmd.addAll(mode);
                cmd.addAll(List.of(eicar.toString(), clean.toString()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                // a clamdscan left waiting for the server (a protocol mistake) must not hang the build
                if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("clamdscan " + mode + " did not finish");
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as(out).isEqualTo(1);   // clamdscan: 1 = virus found
                assertThat(out).contains(eicar + ": Eicar-Test-Signature.UNOFFICIAL FOUND").contains(clean + ": OK");
            }
        }
    }
}
