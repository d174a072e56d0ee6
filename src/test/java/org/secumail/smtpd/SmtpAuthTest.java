// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.smtpd.LineClient.b64;
import static org.secumail.smtpd.LineClient.plain;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 4954 AUTH framing against the fake backend, in plaintext (smtpd_tls_auth_only = no) and over STARTTLS. */
class SmtpAuthTest {
    @TempDir
    Path dir;

    private TlsAuthFixture fx;

    private LineClient start(String... extra) throws Exception {
        fx = new TlsAuthFixture(dir, TlsAuthFixture.mainCf(dir, extra), "127.0.0.1:0 inet n - n - - smtpd\n");
        LineClient c = new LineClient(fx.port(0));
        assertThat(c.reply()).startsWith("220 ");
        return c;
    }

    @AfterEach
    void stop() {
        if (fx != null) fx.close();
    }

    @Test
    void plainWithInitialResponseAndTwice() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no", "broken_sasl_auth_clients = yes")) {
            String ehlo = c.cmd("EHLO client.test");
            assertThat(ehlo).contains("250-AUTH PLAIN LOGIN").contains("250-AUTH=PLAIN LOGIN").contains("STARTTLS");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("503 5.5.1 Error: already authenticated");
            assertThat(fx.backend.clients.get(0).secured()).isFalse();
            assertThat(fx.backend.clients.get(0).clientAddr()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void plainWithoutInitialResponseAndLogin() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no")) {
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
            assertThat(c.cmd(plain("bob@example.test", "hunter2"))).isEqualTo("235 2.7.0 Authentication successful");
        }
        try (LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH LOGIN")).isEqualTo("334 " + b64("Username:"));
            assertThat(c.cmd(b64("bob@example.test"))).isEqualTo("334 " + b64("Password:"));
            assertThat(c.cmd(b64("hunter2"))).isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void serverFinalDataThenEmptyResponse() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no")) {
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH X-FINAL " + b64("secret"))).isEqualTo("334 " + b64("v=server-signature"));
            assertThat(c.cmd("")).isEqualTo("235 2.7.0 Authentication successful");
        }
    }

    @Test
    void cancelBadBase64UnknownMechanismSyntaxAndTemporaryFailure() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no")) {
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
            assertThat(c.cmd("*")).isEqualTo("501 5.7.0 Authentication aborted");
            assertThat(c.cmd("AUTH PLAIN !!notbase64")).isEqualTo("501 5.5.2 Cannot decode response");
            assertThat(c.cmd("AUTH LOGIN")).startsWith("334 ");
            assertThat(c.cmd("%%%")).isEqualTo("501 5.5.2 Cannot decode response");
            assertThat(c.cmd("AUTH CRAM-MD5")).isEqualTo("535 5.7.8 Error: authentication failed: Invalid authentication mechanism");
            assertThat(c.cmd("AUTH")).isEqualTo("501 5.5.4 Syntax: AUTH mechanism");
            assertThat(c.cmd("AUTH PLAIN " + plain("tempfail", "x"))).isEqualTo("454 4.7.0 Temporary authentication failure");
            // "=" is an empty initial response: PLAIN cannot parse it, an ordinary failure
            assertThat(c.cmd("AUTH PLAIN =")).isEqualTo("535 5.7.8 Error: authentication failed: authentication failure");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).startsWith("235 ");
        }
    }

    @Test
    void unknownUserAndWrongPasswordLookTheSame() throws Exception {
        try (LogCapture log = new LogCapture("secumail.smtpd"); LineClient c = start("smtpd_tls_auth_only = no", "secumail_auth_failure_delay = 1s")) {
            c.cmd("EHLO client.test");
            long t0 = System.nanoTime();
            String unknown = c.cmd("AUTH PLAIN " + plain("nobody@example.test", "secret"));
            long t1 = System.nanoTime();
            String wrong = c.cmd("AUTH PLAIN " + plain("alice@example.test", "wrong"));
            long t2 = System.nanoTime();
            assertThat(unknown).isEqualTo("535 5.7.8 Error: authentication failed: authentication failure").isEqualTo(wrong);
            assertThat(log.lines()).contains("warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: unknown user",
                    "warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: password mismatch");
            assertThat((t1 - t0) / 1_000_000).isBetween(990L, 3000L);
            assertThat((t2 - t1) / 1_000_000).isBetween(990L, 3000L);
        }
    }

    @Test
    void authInTransactionAndAuthOnlyOverTls() throws Exception {
        try (LineClient c = start()) {   // smtpd_tls_auth_only = yes: SecuMail's default
            assertThat(c.cmd("EHLO client.test")).doesNotContain("AUTH");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("503 5.5.1 Error: authentication not enabled");
            assertThat(c.cmd("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls();
            assertThat(c.cmd("EHLO client.test")).contains("250-AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            assertThat(c.cmd("MAIL FROM:<a@example.test>")).startsWith("250 ");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("503 5.5.1 Error: MAIL transaction in progress");
            c.cmd("RSET");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).startsWith("235 ");
            assertThat(fx.backend.clients.get(0).secured()).isTrue();
        }
    }

    @Test
    void relayOnlyAfterAuthAndReceivedHeader() throws Exception {
        try (LogCapture log = new LogCapture("secumail.smtpd"); LineClient c = start("smtpd_sasl_authenticated_header = yes")) {
            c.cmd("EHLO client.test");
            c.cmd("STARTTLS");
            c.startTls();
            c.cmd("EHLO client.test");
            assertThat(c.cmd("MAIL FROM:<alice@example.test>")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<someone@remote.test>")).isEqualTo("554 5.7.1 <someone@remote.test>: Relay access denied");
            c.cmd("RSET");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).startsWith("235 ");
            assertThat(c.cmd("MAIL FROM:<alice@example.test> AUTH=alice+2Bx@example.test")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<someone@remote.test>")).startsWith("250 ");
            assertThat(c.cmd("DATA")).startsWith("354 ");
            assertThat(c.cmd("Subject: auth test\r\n\r\nhello\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(log.lines()).anyMatch(l -> l.matches("[0-9A-Za-z]+: client=localhost\\[127\\.0\\.0\\.1\\], sasl_method=PLAIN, "
                    + "sasl_username=alice@example\\.test, sasl_sender=alice\\+x@example\\.test"));
        }
        String mail = fx.awaitDelivered("Subject: auth test");
        assertThat(mail).contains("Subject: auth test");
        assertThat(mail).containsPattern("\\(using TLSv1\\.[23] with cipher [A-Z0-9_]+ \\((128|256)/(128|256) bits\\)\\)");
        assertThat(mail).contains("(Authenticated sender: alice@example.test)");
        assertThat(mail).contains(" with ESMTPSA id ");
    }

    @Test
    void mailAuthParameterNeedsAuthEnabled() throws Exception {
        try (LineClient c = start("smtpd_sasl_auth_enable = no")) {
            c.cmd("EHLO client.test");
            assertThat(c.cmd("MAIL FROM:<a@example.test> AUTH=<>")).isEqualTo("555 5.5.4 Unsupported option: AUTH");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("503 5.5.1 Error: authentication not enabled");
        }
    }

    @Test
    void senderLoginMismatch() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no",
                "smtpd_sender_login_maps = inline:{ alice@example.test=alice@example.test, boss@example.test=bob@example.test }",
                "smtpd_sender_restrictions = reject_sender_login_mismatch")) {
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<boss@example.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).isEqualTo("553 5.7.1 <boss@example.test>: Sender address rejected: not logged in");
            c.cmd("RSET");
            c.cmd("MAIL FROM:<stranger@other.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250 ");
            c.cmd("RSET");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).startsWith("235 ");
            c.cmd("MAIL FROM:<boss@example.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>"))
                    .isEqualTo("553 5.7.1 <boss@example.test>: Sender address rejected: not owned by user alice@example.test");
            c.cmd("RSET");
            c.cmd("MAIL FROM:<stranger@other.test>");   // not listed: owned by nobody
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("553 5.7.1 <stranger@other.test>: Sender address rejected: not owned by user");
            c.cmd("RSET");
            c.cmd("MAIL FROM:<alice@example.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250 ");
        }
    }

    @Test
    void knownSenderLoginMismatchIgnoresUnlistedAddresses() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no",
                "smtpd_sender_login_maps = inline:{ boss@example.test=bob@example.test }",
                "smtpd_sender_restrictions = reject_known_sender_login_mismatch")) {
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).startsWith("235 ");
            c.cmd("MAIL FROM:<stranger@other.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("250 ");
            c.cmd("RSET");
            c.cmd("MAIL FROM:<boss@example.test>");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).startsWith("553 5.7.1 <boss@example.test>: Sender address rejected: not owned by user alice@example.test");
        }
    }

    @Test
    void bruteForceLimitClosesAndBlocksNewConnections() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no", "secumail_auth_failure_limit = 3", "secumail_auth_tarpit_delay = 1s")) {
            c.cmd("EHLO client.test");
            String fail = "535 5.7.8 Error: authentication failed: authentication failure";
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "x1"))).isEqualTo(fail);
            assertThat(c.cmd("AUTH PLAIN " + plain("nobody@example.test", "x2"))).isEqualTo(fail);
            long t0 = System.nanoTime();
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "x3"))).isEqualTo("421 4.7.0 mx.example.test Error: too many authentication failures");
            assertThat((System.nanoTime() - t0) / 1_000_000).as("tarpit delay").isGreaterThanOrEqualTo(990L);
            assertThat(c.reply()).as("connection closed").isNull();
        }
        try (LineClient c = new LineClient(fx.port(0))) {
            c.reply();
            c.cmd("EHLO client.test");
            // even the right password is refused until the window passes
            assertThat(c.cmd("AUTH PLAIN " + plain("alice@example.test", "secret"))).isEqualTo("421 4.7.0 mx.example.test Error: too many authentication failures");
            assertThat(c.reply()).isNull();
        }
    }

    @Test
    void authCommandRateLimit() throws Exception {
        try (LineClient c = start("smtpd_tls_auth_only = no", "smtpd_client_auth_rate_limit = 2", "smtpd_client_event_limit_exceptions =")) {
            c.cmd("EHLO client.test");
            assertThat(c.cmd("AUTH PLAIN")).startsWith("334");
            c.cmd("*");
            assertThat(c.cmd("AUTH PLAIN")).startsWith("334");
            c.cmd("*");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("450 4.7.1 Error: too many AUTH commands from 127.0.0.1");
        }
    }
}
