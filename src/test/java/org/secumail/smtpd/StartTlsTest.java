// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207), the command-injection defence, level encrypt, and implicit TLS (RFC 8314), with JSSE as the client. */
class StartTlsTest {
    @TempDir
    Path dir;

    private TlsAuthFixture fx;

    @AfterEach
    void stop() {
        if (fx != null) fx.close();
    }

    private void start(String master, String... extra) throws Exception {
        fx = new TlsAuthFixture(dir, TlsAuthFixture.mainCf(dir, extra), master);
    }

    @Test
    void startTlsResetsSessionAndRefusesSecondStartTls() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd\n");
        try (LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            assertThat(c.cmd("EHLO client.test")).contains("250-STARTTLS");
            assertThat(c.cmd("STARTTLS extra")).isEqualTo("501 5.5.4 Syntax: STARTTLS");
            c.cmd("MAIL FROM:<a@example.test>");
            assertThat(c.cmd("STARTTLS")).isEqualTo("503 5.5.1 Error: MAIL transaction in progress");
            c.cmd("RSET");
            assertThat(c.cmd("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            SSLSocket ssl = c.startTls();
            assertThat(ssl.getSession().getProtocol()).isIn("TLSv1.2", "TLSv1.3");
            // the session forgot the plaintext HELO (RFC 3207 section 4.2)
            assertThat(c.cmd("MAIL FROM:<a@example.test>")).startsWith("250 ");   // HELO not required by default
            c.cmd("RSET");
            assertThat(c.cmd("EHLO client.test")).doesNotContain("STARTTLS");
            assertThat(c.cmd("STARTTLS")).isEqualTo("554 5.5.1 Error: TLS already active");
        }
    }

    @Test
    void plaintextPipelinedAfterStartTlsIsDiscarded() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd\n");
        try (LogCapture log = new LogCapture("secumail.smtpd"); LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            c.cmd("EHLO client.test");
            c.sendRaw("STARTTLS\r\nRSET\r\n");   // one write: the injection of CVE-2011-0411
            assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            // the first reply inside TLS must be HELP's, not the injected RSET's "250 2.0.0 Ok"
            c.sendRaw("HELP\r\n");
            assertThat(c.reply()).startsWith("214 ");
            assertThat(c.cmd("QUIT")).startsWith("221 ");
            assertThat(log.lines()).anyMatch(l -> l.contains("discarding 6 bytes of plaintext pipelined after STARTTLS"));
            assertThat(log.lines()).anyMatch(l -> l.matches("Anonymous TLS connection established from localhost\\[127\\.0\\.0\\.1\\]: "
                    + "TLSv1\\.3 with cipher TLS_[A-Z0-9_]+ \\((128|256)/(128|256) bits\\)"));
        }
    }

    @Test
    void levelEncryptRefusesMailBeforeStartTls() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd -o smtpd_tls_security_level=encrypt\n");
        try (LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            assertThat(c.cmd("EHLO client.test")).contains("250-STARTTLS").doesNotContain("AUTH");
            assertThat(c.cmd("MAIL FROM:<a@example.test>")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(c.cmd("NOOP")).startsWith("250 ");
            assertThat(c.cmd("STARTTLS")).startsWith("220 ");
            c.startTls();
            c.cmd("EHLO client.test");
            assertThat(c.cmd("MAIL FROM:<a@example.test>")).startsWith("250 ");
        }
    }

    @Test
    void wrapperModeAndNoTlsService() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n127.0.0.1:0 inet n - n - - smtpd -o smtpd_tls_security_level=none\n");
        try (LineClient c = LineClient.implicitTls(fx.port(0))) {
            assertThat(c.reply()).startsWith("220 mx.example.test");
            assertThat(c.cmd("EHLO client.test")).contains("250-AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            assertThat(c.cmd("AUTH PLAIN " + LineClient.plain("alice@example.test", "secret"))).startsWith("235 ");
        }
        try (LineClient c = new LineClient(fx.port(1))) {
            c.reply();
            assertThat(c.cmd("EHLO client.test")).doesNotContain("STARTTLS");
            assertThat(c.cmd("STARTTLS")).isEqualTo("502 5.5.1 Error: command not implemented");
        }
    }

    @Test
    void failedHandshakeClosesTheConnection() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd\n");
        try (LogCapture log = new LogCapture("secumail.smtpd"); Socket s = new Socket("127.0.0.1", fx.port(0))) {
            s.setSoTimeout(10000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            in.read(buf);
            out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            int n = in.read(buf);
            assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("220 2.0.0");
            out.write("this is not a TLS ClientHello\r\n".getBytes(StandardCharsets.US_ASCII));
            int total = 0;
            for (int i = 0; i < 100; i++) {   // the server may send a TLS alert, then closes
                int r = in.read(buf);
                if (r < 0) break;
                total += r;
            }
            assertThat(total).isLessThan(100);
            Thread.sleep(200);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("SSL_accept error from localhost[127.0.0.1]"));
        }
    }

    @Test
    void handshakeTimeout() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd -o smtpd_starttls_timeout=1s\n");
        try (LogCapture log = new LogCapture("secumail.smtpd"); LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            assertThat(c.cmd("STARTTLS")).startsWith("220 ");
            long t0 = System.nanoTime();
            String r = c.reply();   // maybe a TLS alert record, then end of stream
            for (int i = 0; i < 5 && r != null; i++) r = c.reply();
            assertThat(r).as("closed without a handshake").isNull();
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5000L);
            Thread.sleep(100);
            assertThat(log.lines()).contains("SSL_accept error from localhost[127.0.0.1]: timeout after 1s");
        }
    }

    @Test
    void selfSignedCertificateIsKeptAndReused() throws Exception {
        start("127.0.0.1:0 inet n - n - - smtpd\n");
        Path pem = dir.resolve("data/tls/selfsigned.pem");
        assertThat(pem).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pem))).isEqualTo("rw-------");
        String first = Files.readString(pem);
        fx.close();
        fx = null;
        start("127.0.0.1:0 inet n - n - - smtpd\n");
        assertThat(Files.readString(pem)).isEqualTo(first);
    }

    @Test
    void opportunisticTlsWithAMissingCertificateRunsWithoutStartTls() throws Exception {
        // Debian's stock main.cf names the snakeoil certificate; without the ssl-cert package it
        // is missing, and Postfix then runs without TLS (level may) instead of refusing to start.
        start("127.0.0.1:0 inet n - n - - smtpd\n", "smtpd_tls_cert_file = /nonexistent/snakeoil.pem",
                "smtpd_tls_key_file = /nonexistent/snakeoil.key");
        try (LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            String ehlo = c.cmd("EHLO client.test");
            assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS");
            assertThat(c.cmd("STARTTLS")).startsWith("502 ");
        }
    }
}
