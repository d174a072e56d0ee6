// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A private clamd (Debian's clamav-daemon) for interoperability tests: its own clamd.conf in a
 * temporary directory, a unix socket there and a TCP port on 127.0.0.1, the test database of
 * {@link TestSignatures}, in the foreground as a child of the test. Never the system clamd,
 * never freshclam. Ready when it answers PING (loading takes a second with a small database).
 */
final class ClamdProcess implements AutoCloseable {
    static final Path CLAMD = Path.of("/usr/sbin/clamd");

    final Path dir;
    final Path socket;
    final int port;
    final Path conf;
    private final Process process;

    private ClamdProcess(Path dir, Path socket, int port, Path conf, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.port = port;
        this.conf = conf;
        this.process = process;
    }

    /** Skips the test when clamd is not installed, except under CI=true where that is a failure. */
    static void assumeInstalled() {
        if (!Files.isExecutable(CLAMD)) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank()) throw new AssertionError("clamd is missing under CI (scripts/install-test-deps.sh installs clamav-daemon)");
            Assumptions.abort("clamav-daemon is not installed (scripts/install-test-deps.sh installs it)");
        }
    }

    static ClamdProcess start(Path dir, String streamMaxLength) throws IOException, InterruptedException {
        return start(dir, streamMaxLength, null);
    }

    /** With this database directory, or the test database of {@link TestSignatures} when null. */
    static ClamdProcess start(Path dir, String streamMaxLength, Path database) throws IOException, InterruptedException {
        assumeInstalled();
        Path db = database != null ? database : TestSignatures.write(dir.resolve("db"));
        Files.createDirectories(dir.resolve("tmp"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path socket = dir.resolve("clamd.sock");
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n", "Foreground yes", "LocalSocket " + socket, "TCPSocket " + port,
                "TCPAddr 127.0.0.1", "DatabaseDirectory " + db, "TemporaryDirectory " + dir.resolve("tmp"),
                "StreamMaxLength " + streamMaxLength, "LogFile " + dir.resolve("clamd.log"), "MaxThreads 4", ""));
        Process p = new ProcessBuilder(CLAMD.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("clamd.out").toFile()).start();
        ClamdProcess c = new ClamdProcess(dir, socket, port, conf, p);
        ClamdClient client = c.client(ClamdClient.DEFAULT_STREAM_MAX, ClamdClient.Oversize.TRUNCATE);
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) break;
            try {
                if ("PONG".equals(client.ping())) return c;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        c.close();
        throw new IOException("clamd did not answer PING: " + Files.readString(dir.resolve("clamd.out")));
    }

    ClamdEndpoint unix() { return ClamdEndpoint.unix(socket); }

    ClamdEndpoint tcp() { return ClamdEndpoint.tcp("127.0.0.1", port); }

    ClamdClient client(long max, ClamdClient.Oversize oversize) {
        return new ClamdClient(List.of(unix(), tcp()), Duration.ofSeconds(2), Duration.ofSeconds(20), max, oversize);
    }

    boolean alive() { return process.isAlive(); }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }

    @Override public void close() throws InterruptedException { stop(); }
}
