// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.secumail.smtpd.LogCapture;

/**
 * SecuMail as a client of a real clamd (Debian's clamav-daemon) with the test database: over
 * the unix socket and over TCP, clean and infected messages, the stream limit rule, and clamd
 * going away in the middle of a scan (451, never an accept).
 */
class ClamdInteropTest {
    @TempDir
    static Path dir;
    static ClamdProcess clamd;

    @BeforeAll
    static void startClamd() throws Exception {
        clamd = ClamdProcess.start(dir.resolve("clamd"), "64K");
    }

    @AfterAll
    static void stopClamd() throws Exception {
        if (clamd != null) clamd.close();
    }

    private static ClamdClient over(ClamdEndpoint ep, long max, ClamdClient.Oversize o) {
        return new ClamdClient(List.of(ep), Duration.ofSeconds(2), Duration.ofSeconds(20), max, o);
    }

    private static AntivirusCheck check(Scanner s) {
        return new AntivirusCheck(s, AntivirusCheck.InfectedAction.REJECT, AntivirusCheck.ErrorAction.TEMPFAIL, true, "mx.example.test");
    }

    @Test
    void pingAndVersionOverUnixAndTcp() throws Exception {
        for (ClamdEndpoint ep : List.of(clamd.unix(), clamd.tcp())) {
            ClamdClient c = over(ep, 64 * 1024, ClamdClient.Oversize.TRUNCATE);
            assertThat(c.ping()).isEqualTo("PONG");
            assertThat(c.version()).startsWith("ClamAV ");
        }
    }

    @Test
    void eicarAttachmentRejectedWithTheDatabaseNameOverBothSockets() throws Exception {
        byte[] msg = TestMessages.withAttachments("eicar", new Attachment("readme.txt", "text/plain", TestSignatures.eicar()));
        for (ClamdEndpoint ep : List.of(clamd.unix(), clamd.tcp())) {
            try (LogCapture log = new LogCapture("secumail.antivirus")) {
                ContentResult r = check(over(ep, 64 * 1024, ClamdClient.Oversize.TRUNCATE)).check(TestMessages.context("4AB12C"), RawMessage.of(msg));
                assertThat(r.action()).isEqualTo(ContentResult.Action.REJECT);
                assertThat(r.code()).isEqualTo(554);
                assertThat(r.enhanced()).isEqualTo("5.7.1");
                assertThat(r.text()).isEqualTo("Message rejected: infected (Eicar-Test-Signature.UNOFFICIAL)");
                assertThat(log.lines()).anyMatch(l -> l.matches("4AB12C: antivirus: infected \\(Eicar-Test-Signature.UNOFFICIAL\\), scanner=clamd:"
                        + java.util.regex.Pattern.quote(ep.toString()) + ", \\d+ ms"));
            }
        }
    }

    @Test
    void testfileInZipFoundAndCleanMessagePasses() throws Exception {
        ClamdClient c = clamd.client(64 * 1024, ClamdClient.Oversize.TRUNCATE);
        byte[] zip = Files.readAllBytes(TestSignatures.TESTFILES.resolve("clam.zip"));
        ContentResult infected = check(c).check(TestMessages.context("Q1"),
                RawMessage.of(TestMessages.withAttachments("zip", new Attachment("clam.zip", "application/zip", zip))));
        assertThat(infected.text()).isEqualTo("Message rejected: infected (Clamav.Test.File-6.UNOFFICIAL)");

        ContentResult clean = check(c).check(TestMessages.context("Q2"),
                RawMessage.of(TestMessages.withAttachments("clean", new Attachment("notes.txt", "text/plain", "just notes\n".getBytes()))));
        assertThat(clean.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(clean.addHeaders()).hasSize(1);
        assertThat(clean.addHeaders().get(0).toString()).isEqualTo("X-Virus-Scanned: ClamAV using SecuMail at mx.example.test; clean");
    }

    @Test
    void messageFromAQueueFileStreamsOverTcp(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("msg");
        Files.write(f, TestMessages.withAttachments("file", new Attachment("x.bin", "application/octet-stream", TestSignatures.hashedSample())));
        ScanResult r = over(clamd.tcp(), 64 * 1024, ClamdClient.Oversize.TRUNCATE).scan(RawMessage.of(f)::openMessage);
        assertThat(r.status()).isEqualTo(ScanResult.Status.INFECTED);
        assertThat(r.signature()).isEqualTo("Secumail.Test.Hashed.UNOFFICIAL");
    }

    /** A 200 KB message against clamd's StreamMaxLength of 64K, EICAR at the end. */
    @Test
    void streamMaxLengthRule() {
        byte[] big = TestMessages.withAttachments("big",
                new Attachment("pad.txt", "text/plain", "padding line of text\n".repeat(10_000).getBytes()),
                new Attachment("eicar.com", "application/octet-stream", TestSignatures.eicar()));
        // truncate (default): the first 64K are scanned, within clamd's limit, and the result says so
        ScanResult t = over(clamd.unix(), 64 * 1024, ClamdClient.Oversize.TRUNCATE).scan(() -> new java.io.ByteArrayInputStream(big));
        assertThat(t.status()).isEqualTo(ScanResult.Status.CLEAN);
        assertThat(t.truncated()).isTrue();
        ContentResult cr = check(over(clamd.unix(), 64 * 1024, ClamdClient.Oversize.TRUNCATE)).check(TestMessages.context("Q3"), RawMessage.of(big));
        assertThat(cr.addHeaders().get(0).toString()).endsWith("; clean, truncated");
        // tempfail: refused for now
        ScanResult f = over(clamd.unix(), 64 * 1024, ClamdClient.Oversize.TEMPFAIL).scan(() -> new java.io.ByteArrayInputStream(big));
        assertThat(f.status()).isEqualTo(ScanResult.Status.ERROR);
        // a client that believes the limit is larger gets clamd's own refusal, as an error
        ScanResult over = over(clamd.tcp(), 1 << 20, ClamdClient.Oversize.TRUNCATE).scan(() -> new java.io.ByteArrayInputStream(big));
        assertThat(over.status()).isEqualTo(ScanResult.Status.ERROR);
        assertThat(over.error()).contains("size limit exceeded");
        // EICAR within the first 64K is still found in a truncated scan
        byte[] early = TestMessages.withAttachments("early", new Attachment("eicar.com", "application/octet-stream", TestSignatures.eicar()),
                new Attachment("pad.txt", "text/plain", "padding line of text\n".repeat(10_000).getBytes()));
        ScanResult e = over(clamd.unix(), 64 * 1024, ClamdClient.Oversize.TRUNCATE).scan(() -> new java.io.ByteArrayInputStream(early));
        assertThat(e.status()).isEqualTo(ScanResult.Status.INFECTED);
        assertThat(e.truncated()).isTrue();
    }

    @Test
    void deadEndpointSkippedForTheNextOne() throws Exception {
        ClamdClient c = new ClamdClient(List.of(ClamdEndpoint.unix(dir.resolve("no-such.sock")), clamd.tcp()),
                Duration.ofSeconds(2), Duration.ofSeconds(20), 64 * 1024, ClamdClient.Oversize.TRUNCATE);
        ScanResult r = c.scan(() -> new java.io.ByteArrayInputStream(TestSignatures.eicar()));
        assertThat(r.signature()).isEqualTo("Eicar-Test-Signature.UNOFFICIAL");
        assertThat(r.trace()).anyMatch(l -> l.contains("no-such.sock"));
    }

    /** A second clamd, stopped while the message is being streamed to it: 451, nothing accepted. */
    @Test
    void clamdStoppedMidScanTempfails() throws Exception {
        ClamdProcess own = ClamdProcess.start(dir.resolve("clamd2"), "64K");
        try {
            ClamdClient c = own.client(64 * 1024, ClamdClient.Oversize.TRUNCATE);
            byte[] msg = TestMessages.plain("mid", "line of the body\r\n".repeat(3000));
            ContentResult before = check(c).check(TestMessages.context("Q4"), RawMessage.of(msg));
            assertThat(before.action()).isEqualTo(ContentResult.Action.ACCEPT);
            // the scanner's source stops clamd once the first 40 KB have been read from the message
            Scanner stopping = new Scanner() {
                @Override public String name() { return c.name(); }
                @Override public ScanResult scan(Source src) { return c.scan(() -> new StoppingStream(src.open(), own)); }
            };
            ContentResult r = check(stopping).check(TestMessages.context("Q5"), RawMessage.of(msg));
            assertThat(own.alive()).isFalse();
            assertThat(r.action()).isEqualTo(ContentResult.Action.TEMPFAIL);
            assertThat(r.code()).isEqualTo(451);
            assertThat(r.enhanced()).isEqualTo("4.7.1");
            // and with nothing listening at all
            assertThat(check(c).check(TestMessages.context("Q6"), RawMessage.of(msg)).action()).isEqualTo(ContentResult.Action.TEMPFAIL);
        } finally {
            own.close();
        }
    }

    /** Stops clamd when the reader passes 40 KB, between two chunks of the INSTREAM. */
    private static final class StoppingStream extends java.io.FilterInputStream {
        private final ClamdProcess clamd;
        private long read;

        StoppingStream(InputStream in, ClamdProcess clamd) {
            super(in);
            this.clamd = clamd;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (read > 40_000 && clamd.alive()) {
                try {
                    clamd.stop();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            int n = super.read(b, off, len);
            if (n > 0) read += n;
            return n;
        }
    }
}
