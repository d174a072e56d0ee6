// SPDX-License-Identifier: Apache-2.0
package org.secumail.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.smtpd.TlsAuthFixture;

/**
 * STARTTLS, implicit TLS and AUTH with real clients: openssl s_client -starttls smtp, Python's
 * smtplib and ssl modules, and swaks (Debian), against a started server with three services:
 * port 25-like (smtpd_tls_security_level = may), submissions-like (smtpd_tls_wrappermode = yes)
 * and submission-like (smtpd_tls_security_level = encrypt). AUTH uses the test's fake backend.
 * Without a client the test is skipped, except under CI, where it fails.
 */
class TlsAuthRealClientTest {
    @TempDir
    Path dir;

    private TlsAuthFixture fx;
    private int smtp;
    private int smtps;
    private int submission;

    @BeforeEach
    void start() throws Exception {
        fx = new TlsAuthFixture(dir, TlsAuthFixture.mainCf(dir, "secumail_auth_failure_limit = 3", "smtpd_sasl_authenticated_header = yes"),
                String.join("\n",
                        "127.0.0.1:0 inet n - n - - smtpd",
                        "127.0.0.1:0 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes",
                        "127.0.0.1:0 inet n - n - - smtpd -o smtpd_tls_security_level=encrypt",
                        ""));
        smtp = fx.port(0);
        smtps = fx.port(1);
        submission = fx.port(2);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void opensslStartTls() throws Exception {
        requireTool("openssl");
        String out = run(List.of("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + smtp, "-brief", "-crlf", "-ign_eof"),
                "EHLO client.test\nQUIT\n", 0);
        assertThat(out).contains("Protocol version: TLSv1.3").containsPattern("Ciphersuite: TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)");
        assertThat(out).contains("250-AUTH PLAIN LOGIN").contains("221 2.0.0 Bye");
        String tls12 = run(List.of("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + smtp, "-brief", "-crlf", "-ign_eof", "-tls1_2"),
                "QUIT\n", 0);
        assertThat(tls12).contains("Protocol version: TLSv1.2").containsPattern("Ciphersuite: ECDHE-RSA-");
        // TLS 1.1 is not enabled by default (smtpd_tls_protocols = >=TLSv1.2)
        String tls11 = run(List.of("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + smtp, "-brief", "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0"), "QUIT\n", -1);
        assertThat(tls11).doesNotContain("Protocol version: TLSv1.1");
    }

    @Test
    void pythonStartTlsInjectionIsNotExecuted() throws Exception {
        requireTool("python3");
        String script = String.join("\n",
                "import socket, ssl, sys",
                "def reply(f):",
                "    out = b''",
                "    while True:",
                "        l = f.readline()",
                "        if not l: return out",
                "        out += l",
                "        if l[3:4] != b'-': return out",
                "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)",
                "f = s.makefile('rb', buffering=0)",
                "assert reply(f).startswith(b'220 ')",
                "s.sendall(b'EHLO client.test\\r\\n'); assert b'STARTTLS' in reply(f)",
                "s.sendall(b'STARTTLS\\r\\nRSET\\r\\n')   # one packet: CVE-2011-0411",
                "r = reply(f); assert r.startswith(b'220 2.0.0'), r",
                "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
                "t = ctx.wrap_socket(s, server_hostname='mx.example.test')",
                "tf = t.makefile('rb', buffering=0)",
                "t.sendall(b'HELP\\r\\n')",
                "r = reply(tf); assert r.startswith(b'214 '), 'injected command answered inside TLS: %r' % r",
                "t.sendall(b'QUIT\\r\\n'); assert reply(tf).startswith(b'221')",
                "print('injection refused', t.version())",
                "");
        String out = run(List.of("python3", "-c", script, String.valueOf(smtp)), null, 0);
        assertThat(out).contains("injection refused TLSv1.3");
    }

    @Test
    void pythonSmtplibStartTlsPlainAndLogin() throws Exception {
        requireTool("python3");
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "from email.message import EmailMessage",
                "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
                "for mech in ('PLAIN', 'LOGIN'):",
                "    with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:",
                "        s.ehlo('client.test')",
                "        assert not s.has_extn('auth'), 'AUTH offered in plaintext'",
                "        s.starttls(context=ctx)",
                "        s.ehlo('client.test')",
                "        assert s.has_extn('auth') and mech in s.esmtp_features['auth'], s.esmtp_features",
                "        s.user, s.password = 'alice@example.test', 'secret'",
                "        code, _ = s.auth(mech, getattr(s, 'auth_' + mech.lower()))",
                "        assert code == 235, code",
                "        s.mail('alice@example.test'); code, _ = s.rcpt('someone@remote.test'); assert code == 250, code; s.rset()",
                "        m = EmailMessage(); m['From'] = 'alice@example.test'; m['To'] = 'user1@example.test'",
                "        m['Subject'] = 'smtplib ' + mech; m.set_content('hello')",
                "        assert not s.send_message(m)",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:",
                "    s.starttls(context=ctx)",
                "    try:",
                "        s.login('alice@example.test', 'wrong')",
                "        raise SystemExit('wrong password accepted')",
                "    except smtplib.SMTPAuthenticationError as e:",
                "        assert e.smtp_code == 535, e",
                "        print('wrong password:', e.smtp_code, e.smtp_error.decode())",
                "");
        String out = run(List.of("python3", "-c", script, String.valueOf(smtp)), null, 0);
        assertThat(out).contains("wrong password: 535 5.7.8 Error: authentication failed: authentication failure");
        fx.awaitDelivered("Subject: smtplib PLAIN");
        String mail = fx.awaitDelivered("Subject: smtplib LOGIN");
        assertThat(mail).contains("Subject: smtplib PLAIN").contains("Subject: smtplib LOGIN");
        assertThat(mail).contains(" with ESMTPSA id ").contains("(Authenticated sender: alice@example.test)").contains("(using TLSv1.3 with cipher ");
    }

    @Test
    void pythonSmtpSslOnWrapperModeAndEncryptSubmission() throws Exception {
        requireTool("python3");
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
                "with smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[1]), timeout=20, context=ctx) as s:",
                "    s.login('bob@example.test', 'hunter2')",
                "    s.sendmail('bob@example.test', ['user1@example.test'], 'Subject: via smtps\\r\\n\\r\\nhi\\r\\n')",
                "    print('smtps', s.sock.version())",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[2]), timeout=20) as s:",
                "    s.ehlo('client.test')",
                "    code, msg = s.mail('bob@example.test')",
                "    print('before STARTTLS:', code, msg.decode())",
                "    s.rset(); s.starttls(context=ctx); s.login('bob@example.test', 'hunter2')",
                "    s.sendmail('bob@example.test', ['user1@example.test'], 'Subject: via submission\\r\\n\\r\\nhi\\r\\n')",
                "");
        String out = run(List.of("python3", "-c", script, String.valueOf(smtps), String.valueOf(submission)), null, 0);
        assertThat(out).contains("smtps TLSv1.3").contains("before STARTTLS: 530 5.7.0 Must issue a STARTTLS command first");
        // the two messages are delivered by the queue manager in either order: wait for each
        assertThat(fx.awaitDelivered("Subject: via smtps")).contains("Subject: via smtps");
        assertThat(fx.awaitDelivered("Subject: via submission")).contains("Subject: via submission");
    }

    @Test
    void pythonBruteForceLimit() throws Exception {
        requireTool("python3");
        String script = String.join("\n",
                "import smtplib, ssl, sys",
                "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE",
                "codes = []",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:",
                "    s.starttls(context=ctx); s.ehlo('client.test')",
                "    for i in range(3):",
                "        try:",
                "            s.auth('PLAIN', lambda c=None: '\\0alice@example.test\\0guess%d' % i)",
                "        except smtplib.SMTPAuthenticationError as e:",
                "            codes.append(e.smtp_code)",
                "print('codes', codes)",
                "with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:",
                "    s.starttls(context=ctx); s.ehlo('client.test')",
                "    try:",
                "        s.user, s.password = 'alice@example.test', 'secret'",
                "        s.auth('PLAIN', s.auth_plain)   # login() would go on to LOGIN on the closed connection",
                "    except smtplib.SMTPAuthenticationError as e:",
                "        print('right password after the limit:', e.smtp_code, e.smtp_error.decode())",
                "");
        String out = run(List.of("python3", "-c", script, String.valueOf(smtp)), null, 0);
        assertThat(out).contains("codes [535, 535, 421]")
                .contains("right password after the limit: 421 4.7.0 mx.example.test Error: too many authentication failures");
    }

    @Test
    void swaksTlsAuthPlainLoginAndWrongPassword() throws Exception {
        requireTool("swaks");
        for (String mech : List.of("PLAIN", "LOGIN")) {
            run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(smtp), "--tls", "--auth", mech,
                    "--auth-user", "alice@example.test", "--auth-password", "secret", "--from", "alice@example.test",
                    "--to", "user1@example.test", "--helo", "client.test", "--header", "Subject: swaks " + mech), null, 0);
        }
        String bad = run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(smtp), "--tls", "--auth", "PLAIN",
                "--auth-user", "alice@example.test", "--auth-password", "nope", "--from", "alice@example.test",
                "--to", "user1@example.test", "--helo", "client.test"), null, 28);   // swaks: 28 = AUTH failed
        assertThat(bad).contains("535 5.7.8 Error: authentication failed: authentication failure");
        String mail = fx.awaitDelivered("Subject: swaks LOGIN");
        assertThat(mail).contains("Subject: swaks PLAIN").contains("Subject: swaks LOGIN").contains(" with ESMTPSA id ");
    }

    /** Runs a client; {@code exit} -1 accepts any exit status. Returns stdout and stderr. */
    private static String run(List<String> cmd, String stdin, int exit) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("client finished in time:\n" + out).isTrue();
        if (exit >= 0) assertThat(p.exitValue()).as(cmd.get(0) + " exit status; output:\n" + out).isEqualTo(exit);
        return out;
    }

    private static void requireTool(String tool) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        boolean found = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!found) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError(tool + " is missing under CI");
            Assumptions.abort(tool + " is not installed (scripts/install-test-deps.sh installs it)");
        }
    }
}
