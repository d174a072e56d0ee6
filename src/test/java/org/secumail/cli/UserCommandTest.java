// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.sasl.PasswdFile;
import org.secumail.sasl.PasswdFileBackend;
import org.secumail.sasl.PasswordSchemes;
import org.secumail.sasl.SaslStep;
import picocli.CommandLine;

/** secumail pw and secumail user: the passwd-file they write is what the backend reads. */
class UserCommandTest {
    @TempDir
    Path dir;

    private String run(int expectedRc, String stdin, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(cl.execute(args)).as(out.toString()).isEqualTo(expectedRc);
        } finally {
            System.setIn(saved);
        }
        return out.toString();
    }

    private SaslStep login(String user, String pw) throws Exception {
        var b = new PasswdFileBackend(new PasswdFile(dir.resolve("passwd")));
        var x = b.start("PLAIN", new org.secumail.sasl.SaslClientInfo("127.0.0.1", 1, "127.0.0.1", 587, true, "smtp"));
        return x.next(("\0" + user + "\0" + pw).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pwMakesAndChecksHashes() {
        String hash = run(0, "", "pw", "-s", "SHA512-CRYPT", "-p", "s3cret").strip();
        assertThat(hash).startsWith("{SHA512-CRYPT}$6$");
        assertThat(run(0, "", "pw", "-t", hash, "-p", "s3cret")).contains("(verified)");
        assertThat(run(1, "", "pw", "-t", hash, "-p", "wrong")).contains("password mismatch");
        // the password from standard input (not a terminal), default scheme ARGON2ID with Dovecot's parameters
        String fromStdin = run(0, "piped pw\n", "pw").strip();
        assertThat(fromStdin).startsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$");
        assertThat(PasswordSchemes.verify(fromStdin, "piped pw".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(run(1, "", "pw", "-s", "MD4", "-p", "x")).contains("unknown password scheme");
        assertThat(run(1, "", "pw")).contains("empty password");
        assertThat(run(0, "", "pw", "--benchmark", "4", "-j", "2", "-s", "SHA256-CRYPT"))
                .containsPattern("SHA256-CRYPT: 4 verifications in [0-9.]+s with 2 threads: [0-9.]+/s");
        assertThat(run(0, "", "pw", "-l")).contains("ARGON2ID").contains("SCRAM-SHA-256");
    }

    @Test
    void addPasswdDeleteList() throws Exception {
        Files.writeString(dir.resolve("main.cf"), "");
        Files.writeString(dir.resolve("passwd"), "# SMTP users\nold@example.test:{PLAIN}old pw:1000:1000::/home/old::\n");
        String c = dir.toString();
        assertThat(run(0, "", "user", "add", "alice@example.test", "-s", "BLF-CRYPT", "-p", "alice pw", "-c", c)).contains("added alice@example.test");
        assertThat(run(0, "bob pw\n", "user", "add", "bob@example.test", "-c", c)).contains("added");
        assertThat(run(1, "", "user", "add", "Alice@example.test", "-p", "x", "-c", c)).contains("already exists");
        assertThat(login("alice@example.test", "alice pw")).isEqualTo(new SaslStep.Success("alice@example.test"));
        assertThat(login("bob@example.test", "bob pw")).isEqualTo(new SaslStep.Success("bob@example.test"));

        String list = run(0, "", "user", "list", "-c", c);
        assertThat(list.lines().toList()).containsExactly("old@example.test  PLAIN", "alice@example.test  BLF-CRYPT", "bob@example.test  ARGON2ID");

        run(0, "", "user", "passwd", "old@example.test", "-s", "SHA256-CRYPT", "-p", "new pw", "-c", c);
        assertThat(login("old@example.test", "new pw")).isEqualTo(new SaslStep.Success("old@example.test"));
        assertThat(login("old@example.test", "old pw")).isInstanceOf(SaslStep.Failure.class);
        List<String> lines = Files.readAllLines(dir.resolve("passwd"));
        assertThat(lines.get(0)).isEqualTo("# SMTP users");
        assertThat(lines.get(1)).startsWith("old@example.test:{SHA256-CRYPT}$5$").endsWith(":1000:1000::/home/old::");

        run(0, "", "user", "delete", "bob@example.test", "-c", c);
        assertThat(login("bob@example.test", "bob pw")).isInstanceOf(SaslStep.Failure.class);
        assertThat(run(1, "", "user", "delete", "bob@example.test", "-c", c)).contains("no such user");
        assertThat(run(1, "", "user", "passwd", "nobody@example.test", "-p", "x", "-c", c)).contains("no such user");
        assertThat(run(64, "", "user", "add", "-c", c)).contains("needs a USER");
        assertThat(run(64, "", "user", "add", "a:b@example.test", "-p", "x", "-c", c)).contains("bad user name");
        assertThat(run(64, "", "user", "frobnicate", "-c", c)).contains("unknown action");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("passwd")))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("main.cf", "passwd");
        }
    }

    @Test
    void passwdFileFromMainCf() throws Exception {
        Path other = dir.resolve("sub/users");
        Files.writeString(dir.resolve("main.cf"), "secumail_sasl_passwd_file = " + other + "\n");
        run(0, "", "user", "add", "carol@example.test", "-p", "carol pw", "-s", "PLAIN", "-c", dir.toString());
        assertThat(Files.readString(other)).isEqualTo("carol@example.test:{PLAIN}carol pw\n");
    }
}
