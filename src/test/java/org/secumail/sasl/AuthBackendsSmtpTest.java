// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.smtpd.LineClient;
import org.secumail.smtpd.TlsAuthFixture;

/**
 * SMTP AUTH end to end with the production backends (issue 3): SecuMail started the way
 * "secumail run" starts it (SaslBackends.open), a real client (swaks, Debian) doing STARTTLS
 * and AUTH PLAIN / LOGIN, and a SCRAM-SHA-256 exchange over SMTP; once with the built-in
 * passwd-file (hashes made by SecuMail: ARGON2ID and SHA512-CRYPT) and once with
 * smtpd_sasl_type = dovecot against a real Dovecot auth service, over its unix socket and over
 * loopback TCP. After AUTH the client may relay; a wrong password gets 535 and no relay.
 */
class AuthBackendsSmtpTest {
    @TempDir
    Path dir;

    @Test
    void builtInPasswdFileBackend() throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, String.join("\n",
                "# users made with secumail's own hashing (doveadm pw compatible)",
                "alice@example.test:" + PasswordSchemes.hash("ARGON2ID", "correct horse"),
                "bob@example.test:" + PasswordSchemes.hash("SHA512-CRYPT", "battery staple"),
                "carol@example.test:" + PasswordSchemes.hash("SCRAM-SHA-256", "scram pass"),
                ""));
        try (Server server = start("smtpd_sasl_type = secumail", "secumail_sasl_passwd_file = " + passwd)) {
            int port = server.listeners().get(0).port();
            swaks(port, "PLAIN", "alice@example.test", "correct horse", 0);
            swaks(port, "LOGIN", "bob@example.test", "battery staple", 0);
            String bad = swaks(port, "PLAIN", "alice@example.test", "wrong", 28);
            assertThat(bad).contains("535 5.7.8 Error: authentication failed: authentication failure");
            scramOverSmtp(port, "carol@example.test", "scram pass");
        }
    }

    @Test
    void dovecotBackendOverUnixSocketAndTcp() throws Exception {
        requireTool("dovecot");
        String users = "alice@example.test:" + PasswordSchemes.hash("SHA512-CRYPT", "correct horse") + "\n";
        Path ddir = Files.createDirectories(dir.resolve("dovecot"));
        try (TestDovecot dovecot = new TestDovecot(ddir, users, users).start()) {
            for (String path : List.of(dovecot.socket.toString(), "inet:127.0.0.1:" + dovecot.port)) {
                try (Server server = start("smtpd_sasl_type = dovecot", "smtpd_sasl_path = " + path)) {
                    int port = server.listeners().get(0).port();
                    swaks(port, "PLAIN", "alice@example.test", "correct horse", 0);
                    swaks(port, "LOGIN", "alice@example.test", "correct horse", 0);
                    String bad = swaks(port, "PLAIN", "alice@example.test", "wrong", 28);
                    assertThat(bad).as("via " + path).contains("535 5.7.8 Error: authentication failed");
                }
            }
        }
    }

    private Server start(String... sasl) throws Exception {
        Path d = Files.createTempDirectory(dir, "server");
        List<String> extra = new ArrayList<>(List.of(sasl));
        extra.add("secumail_auth_failure_limit = 100");
        String main = TlsAuthFixture.mainCf(d, extra.toArray(String[]::new));
        return Server.start(MainConfig.fromText(main, "main.cf", d), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    /** swaks --tls --auth MECH, relaying to a foreign domain: only an authenticated client may. */
    private static String swaks(int port, String mech, String user, String password, int exit) throws Exception {
        requireTool("swaks");
        return run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port), "--tls", "--auth", mech,
                "--auth-user", user, "--auth-password", password, "--from", user, "--to", "someone@remote.test",
                "--helo", "client.test", "--quit-after", "RCPT"), exit);
    }

    /** RFC 7677 over RFC 4954: 334 server-first, client-final, 334 server-final, empty answer, 235. */
    private static void scramOverSmtp(int port, String user, String password) throws Exception {
        try (LineClient c = new LineClient(port)) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.cmd("EHLO client.test")).contains("STARTTLS");
            assertThat(c.cmd("STARTTLS")).startsWith("220");
            c.startTls();
            assertThat(c.cmd("EHLO client.test")).contains("SCRAM-SHA-256");
            ScramClient scram = new ScramClient(user, password);
            String r = c.cmd("AUTH SCRAM-SHA-256 " + Base64.getEncoder().encodeToString(scram.clientFirst()));
            assertThat(r).startsWith("334 ");
            byte[] clientFinal = scram.clientFinal(Base64.getDecoder().decode(r.substring(4).strip()));
            r = c.cmd(Base64.getEncoder().encodeToString(clientFinal));
            assertThat(r).startsWith("334 ");
            assertThat(scram.serverFinalValid(Base64.getDecoder().decode(r.substring(4).strip()))).as("server signature").isTrue();
            assertThat(c.cmd("")).startsWith("235 2.7.0");
            assertThat(c.cmd("MAIL FROM:<" + user + ">")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<someone@remote.test>")).startsWith("250");
            c.cmd("QUIT");
        }
    }

    private static String run(List<String> cmd, int exit) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("client finished in time:\n" + out).isTrue();
        assertThat(p.exitValue()).as(cmd.get(0) + " exit status; output:\n" + out).isEqualTo(exit);
        return out;
    }

    private static void requireTool(String tool) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool + " || test -x /usr/sbin/" + tool).start();
        boolean found = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!found) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError(tool + " is missing under CI");
            Assumptions.abort(tool + " is not installed (scripts/install-test-deps.sh installs it)");
        }
    }
}
