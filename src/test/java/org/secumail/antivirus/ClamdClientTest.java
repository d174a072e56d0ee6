// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/** The clamd client against a scripted fake clamd on loopback, and its parsers. */
class ClamdClientTest {
    @TempDir
    Path dir;

    @Test
    void repliesParsed() {
        assertThat(ClamdClient.parseReply("stream: OK", false, List.of()).status()).isEqualTo(ScanResult.Status.CLEAN);
        ScanResult f = ClamdClient.parseReply("stream: Win.Test.EICAR_HDB-1 FOUND", false, List.of());
        assertThat(f.signature()).isEqualTo("Win.Test.EICAR_HDB-1");
        ScanResult e = ClamdClient.parseReply("INSTREAM size limit exceeded. ERROR", false, List.of());
        assertThat(e.status()).isEqualTo(ScanResult.Status.ERROR);
        assertThat(e.error()).isEqualTo("INSTREAM size limit exceeded.");
        assertThat(ClamdClient.parseReply("garbage", false, List.of()).error()).startsWith("unexpected clamd reply");
    }

    @Test
    void endpointsParsed() {
        assertThat(ClamdEndpoint.parse("unix:/run/clamav/clamd.ctl").socket()).isEqualTo(Path.of("/run/clamav/clamd.ctl"));
        assertThat(ClamdEndpoint.parse("/run/clamd.sock").isUnix()).isTrue();
        assertThat(ClamdEndpoint.parse("inet:127.0.0.1:3310")).isEqualTo(ClamdEndpoint.tcp("127.0.0.1", 3310));
        assertThat(ClamdEndpoint.parse("[::1]:3310")).isEqualTo(ClamdEndpoint.tcp("::1", 3310));
        assertThat(ClamdEndpoint.tcp("::1", 3310).toString()).isEqualTo("inet:[::1]:3310");
        assertThatThrownBy(() -> ClamdEndpoint.parse("localhost")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> ClamdEndpoint.parse("inet:localhost:99999")).isInstanceOf(ConfigException.class);
    }

    @Test
    void clamdConfReadAsDebianWritesIt() {
        ClamdConf c = ClamdConf.parse("#Automatically Generated\nLocalSocket /var/run/clamav/clamd.ctl\nFixStaleSocket true\n"
                + "TCPSocket 3310\nTCPAddr 0.0.0.0\nTCPAddr 192.0.2.1\nStreamMaxLength 25M\n");
        assertThat(c.endpoints()).containsExactly(ClamdEndpoint.unix(Path.of("/var/run/clamav/clamd.ctl")),
                ClamdEndpoint.tcp("127.0.0.1", 3310), ClamdEndpoint.tcp("192.0.2.1", 3310));
        assertThat(c.streamMaxLength()).isEqualTo(25L << 20);
        assertThat(ClamdConf.parse("LocalSocket /x\n").streamMaxLength()).isEqualTo(-1);
    }

    @Test
    void fromConfigTakesClamdConfUnlessMainCfSaysOtherwise() throws Exception {
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, "LocalSocket /tmp/x.sock\nStreamMaxLength 10M\n");
        ClamdClient a = ClamdClient.fromConfig(MainConfig.fromText("secumail_clamd_conf = " + conf + "\n", "main.cf", dir));
        assertThat(a.endpoints()).containsExactly(ClamdEndpoint.unix(Path.of("/tmp/x.sock")));
        assertThat(a.streamMaxLength()).isEqualTo(10L << 20);
        ClamdClient b = ClamdClient.fromConfig(MainConfig.fromText("secumail_clamd_conf = " + conf
                + "\nsecumail_clamd_servers = inet:127.0.0.1:3310, unix:/y.sock\nsecumail_clamd_stream_max_length = 512K\n", "main.cf", dir));
        assertThat(b.endpoints()).containsExactly(ClamdEndpoint.tcp("127.0.0.1", 3310), ClamdEndpoint.unix(Path.of("/y.sock")));
        assertThat(b.streamMaxLength()).isEqualTo(512 * 1024);
        assertThatThrownBy(() -> ClamdClient.fromConfig(MainConfig.fromText("secumail_clamd_conf = /nonexistent\n", "main.cf", dir)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no clamd endpoint");
    }

    /** The fake checks the framing: zINSTREAM NUL, length-prefixed chunks, a zero chunk. */
    @Test
    void chunkedStreamWithinTheLimit() throws Exception {
        AtomicLong received = new AtomicLong();
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> serveOne(ss, received));
            byte[] data = new byte[100_000];
            new java.util.Random(1).nextBytes(data);
            ClamdClient c = new ClamdClient(List.of(ClamdEndpoint.tcp("127.0.0.1", ss.getLocalPort())),
                    Duration.ofSeconds(2), Duration.ofSeconds(5), 70_000, ClamdClient.Oversize.TRUNCATE);
            ScanResult r = c.scan(() -> new ByteArrayInputStream(data));
            assertThat(r.status()).isEqualTo(ScanResult.Status.CLEAN);
            assertThat(r.truncated()).isTrue();
            assertThat(received.get()).isEqualTo(70_000);
        }
    }

    private static void serveOne(ServerSocket ss, AtomicLong received) {
        try (Socket s = ss.accept()) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] cmd = new byte[10];
            in.readFully(cmd);
            if (!new String(cmd, StandardCharsets.US_ASCII).equals("zINSTREAM\0")) return;
            int n;
            while ((n = in.readInt()) > 0) {
                if (n > ClamdClient.CHUNK) return;
                in.readFully(new byte[n]);
                received.addAndGet(n);
            }
            s.getOutputStream().write("stream: OK\0".getBytes(StandardCharsets.US_ASCII));
        } catch (Exception ignored) {
            // the test's assertions say what went wrong
        }
    }

    /** A clamd that accepts and never answers costs the read timeout, then an error. */
    @Test
    void silentClamdTimesOut() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(new ByteArrayOutputStream());
                } catch (Exception ignored) {
                    // closed by the client's timeout
                }
            });
            ClamdClient c = new ClamdClient(List.of(ClamdEndpoint.tcp("127.0.0.1", ss.getLocalPort())),
                    Duration.ofSeconds(1), Duration.ofMillis(500), 1 << 20, ClamdClient.Oversize.TRUNCATE);
            long t0 = System.nanoTime();
            ScanResult r = c.scan(() -> new ByteArrayInputStream("hello".getBytes()));
            assertThat(r.status()).isEqualTo(ScanResult.Status.ERROR);
            assertThat(r.error()).contains("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void nothingListeningIsAnErrorNamingEveryEndpoint() {
        ClamdClient c = new ClamdClient(List.of(ClamdEndpoint.unix(dir.resolve("a.sock")), ClamdEndpoint.unix(dir.resolve("b.sock"))),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1 << 20, ClamdClient.Oversize.TRUNCATE);
        ScanResult r = c.scan(() -> new ByteArrayInputStream(new byte[10]));
        assertThat(r.status()).isEqualTo(ScanResult.Status.ERROR);
        assertThat(r.trace()).hasSize(2);
        assertThat(r.error()).contains("b.sock");
    }
}
