// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.secumail.sasl.SaslDriver.b;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in backend: PLAIN, LOGIN and SCRAM-SHA-256 against a passwd-file. */
class PasswdFileBackendTest {
    @TempDir
    Path dir;
    Path passwd;
    PasswdFileBackend backend;

    @BeforeEach
    void setUp() throws Exception {
        passwd = dir.resolve("passwd");
        Files.writeString(passwd, String.join("\n",
                "# test users",
                "",
                "alice@example.test:" + PasswordSchemes.hash("SHA256-CRYPT", "alice pw") + ":1000:1000::/home/alice::",
                "Bob@Example.test:" + PasswordSchemes.hash("SCRAM-SHA-256", "bob pw"),
                "carol@example.test:{PLAIN}carol pw",
                "dave@example.test:" + PasswordSchemes.hash("BLF-CRYPT", "dave pw"),
                "broken@example.test:{MD5}nonsense",
                ""));
        backend = new PasswdFileBackend(new PasswdFile(passwd));
    }

    @Test
    void mechanisms() {
        assertThat(backend.mechanisms(false)).containsExactly("PLAIN", "LOGIN", "SCRAM-SHA-256");
        assertThatThrownBy(() -> backend.start("CRAM-MD5", SaslDriver.CLIENT)).isInstanceOf(SaslException.UnknownMechanism.class);
    }

    @Test
    void plain() throws Exception {
        assertThat(SaslDriver.plain(backend, "", "alice@example.test", "alice pw")).isEqualTo(new SaslStep.Success("alice@example.test"));
        assertThat(SaslDriver.plain(backend, "alice@example.test", "ALICE@example.test", "alice pw"))
                .isEqualTo(new SaslStep.Success("alice@example.test"));
        assertThat(SaslDriver.plain(backend, "", "bob@example.test", "bob pw")).isEqualTo(new SaslStep.Success("bob@example.test"));
        assertThat(SaslDriver.plain(backend, "", "alice@example.test", "wrong")).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) SaslDriver.plain(backend, "", "nobody@example.test", "x")).reason()).contains("unknown user");
        assertThat(((SaslStep.Failure) SaslDriver.plain(backend, "carol@example.test", "alice@example.test", "alice pw")).reason())
                .contains("may not act as");
        assertThat(((SaslStep.Failure) SaslDriver.plain(backend, "", "broken@example.test", "x")).temporary()).isFalse();
        // no initial response: an empty challenge first
        SaslExchange x = backend.start("PLAIN", SaslDriver.CLIENT);
        assertThat(x.next(null)).isInstanceOf(SaslStep.Challenge.class);
        assertThat(x.next(b("\0carol@example.test\0carol pw"))).isEqualTo(new SaslStep.Success("carol@example.test"));
        // malformed: missing NUL, extra NUL, invalid UTF-8, too long
        assertThat(backend.start("PLAIN", SaslDriver.CLIENT).next(b("carol@example.test\0carol pw"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(backend.start("PLAIN", SaslDriver.CLIENT).next(b("\0carol@example.test\0carol pw\0"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(backend.start("PLAIN", SaslDriver.CLIENT).next(new byte[] {0, (byte) 0xff, 0, 'x'})).isInstanceOf(SaslStep.Failure.class);
        assertThat(backend.start("PLAIN", SaslDriver.CLIENT).next(new byte[5000])).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void login() throws Exception {
        assertThat(SaslDriver.login(backend, "dave@example.test", "dave pw")).isEqualTo(new SaslStep.Success("dave@example.test"));
        assertThat(SaslDriver.login(backend, "dave@example.test", "dave pwx")).isInstanceOf(SaslStep.Failure.class);
        // initial response = user name
        SaslExchange x = backend.start("LOGIN", SaslDriver.CLIENT);
        SaslStep pwPrompt = x.next(b("carol@example.test"));
        assertThat(pwPrompt).isInstanceOf(SaslStep.Challenge.class);
        assertThat(new String(((SaslStep.Challenge) pwPrompt).data())).isEqualTo("Password:");
        assertThat(x.next(b("carol pw"))).isEqualTo(new SaslStep.Success("carol@example.test"));
    }

    @Test
    void scram() throws Exception {
        assertThat(SaslDriver.scram(backend, "bob@example.test", "bob pw")).isEqualTo(new SaslStep.Success("bob@example.test"));
        assertThat(SaslDriver.scram(backend, "carol@example.test", "carol pw")).isEqualTo(new SaslStep.Success("carol@example.test"));
        assertThat(((SaslStep.Failure) SaslDriver.scram(backend, "bob@example.test", "bob px")).reason()).contains("password mismatch");
        assertThat(((SaslStep.Failure) SaslDriver.scram(backend, "nobody@example.test", "x")).reason()).contains("unknown user");
        // a user stored with a one-way scheme cannot do SCRAM: it fails at the end like a wrong password
        assertThat(((SaslStep.Failure) SaslDriver.scram(backend, "alice@example.test", "alice pw")).reason()).contains("cannot do SCRAM-SHA-256");
    }

    @Test
    void scramWithCredentialsMadeByDoveadm() throws Exception {
        Doveadm.require();
        Doveadm.Result r = Doveadm.run("pw", "-s", "SCRAM-SHA-256", "-p", "gina pw");
        assertThat(r.rc()).as(r.out()).isZero();
        Files.writeString(passwd, "gina@example.test:" + r.out() + "\n");
        assertThat(SaslDriver.scram(backend, "gina@example.test", "gina pw")).isEqualTo(new SaslStep.Success("gina@example.test"));
        assertThat(SaslDriver.scram(backend, "gina@example.test", "gina px")).isInstanceOf(SaslStep.Failure.class);
        assertThat(SaslDriver.plain(backend, "", "gina@example.test", "gina pw")).isEqualTo(new SaslStep.Success("gina@example.test"));
    }

    @Test
    void scramProtocolErrors() throws Exception {
        assertThat(backend.start("SCRAM-SHA-256", SaslDriver.CLIENT).next(b("p=tls-unique,,n=bob@example.test,r=abc")))
                .isInstanceOf(SaslStep.Failure.class);
        assertThat(backend.start("SCRAM-SHA-256", SaslDriver.CLIENT).next(b("n,,n=bob=2Xexample,r=abc"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(backend.start("SCRAM-SHA-256", SaslDriver.CLIENT).next(b("n,a=carol@example.test,n=bob@example.test,r=abc")))
                .isInstanceOf(SaslStep.Failure.class);
        // the unknown user's salt is stable, like a real user's
        SaslStep s1 = backend.start("SCRAM-SHA-256", SaslDriver.CLIENT).next(b("n,,n=ghost@example.test,r=abc"));
        SaslStep s2 = backend.start("SCRAM-SHA-256", SaslDriver.CLIENT).next(b("n,,n=ghost@example.test,r=abc"));
        String salt1 = new String(((SaslStep.Challenge) s1).data()).split(",")[1];
        assertThat(new String(((SaslStep.Challenge) s2).data())).contains(salt1);
        // a tampered nonce in client-final fails
        ScramClient c = new ScramClient("bob@example.test", "bob pw");
        SaslExchange x = backend.start("SCRAM-SHA-256", SaslDriver.CLIENT);
        byte[] fin = c.clientFinal(((SaslStep.Challenge) x.next(c.clientFirst())).data());
        String tampered = new String(fin).replaceFirst("r=", "r=X");
        assertThat(((SaslStep.Failure) x.next(b(tampered))).reason()).contains("nonce mismatch");
        // steps are bounded
        SaslExchange y = backend.start("SCRAM-SHA-256", SaslDriver.CLIENT);
        SaslStep last = null;
        for (int i = 0; i < 10 && !(last instanceof SaslStep.Failure); i++) last = y.next(null);
        assertThat(last).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void fileIsReloadedWhenItChanges() throws Exception {
        assertThat(SaslDriver.plain(backend, "", "erin@example.test", "erin pw")).isInstanceOf(SaslStep.Failure.class);
        Files.writeString(passwd, Files.readString(passwd) + "erin@example.test:{PLAIN}erin pw\n");
        Files.setLastModifiedTime(passwd, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(SaslDriver.plain(backend, "", "erin@example.test", "erin pw")).isEqualTo(new SaslStep.Success("erin@example.test"));
        Files.delete(passwd);
        assertThat(SaslDriver.plain(backend, "", "erin@example.test", "erin pw")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void unknownUserCostsAboutAsMuchAsAWrongPassword() throws Exception {
        // ARGON2ID users: the unknown user is checked against a dummy ARGON2ID hash
        Files.writeString(passwd, "frank@example.test:" + PasswordSchemes.hash("ARGON2ID", "frank pw") + "\n");
        SaslDriver.plain(backend, "", "nobody@example.test", "x");  // warm up (dummy hash is made once)
        SaslDriver.plain(backend, "", "frank@example.test", "x");
        long known = 0;
        long unknown = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            SaslDriver.plain(backend, "", "frank@example.test", "wrong");
            long t1 = System.nanoTime();
            SaslDriver.plain(backend, "", "nobody@example.test", "wrong");
            long t2 = System.nanoTime();
            known += t1 - t0;
            unknown += t2 - t1;
        }
        // both run one Argon2id with m=64 MiB, t=3: an unknown user that skipped the hash would be ~1000 times faster
        assertThat((double) unknown / known).as("unknown %d ns, known %d ns", unknown, known).isBetween(0.2, 5.0);  // wide: a loaded CI machine is noisy
    }

    @Test
    void unknownUserIsCheckedWithTheSchemeMostUsersHave() throws Exception {
        // SHA512-CRYPT users with 200000 rounds: an unknown user must cost as much, not a default-scheme dummy's work
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            f.append("u").append(i).append("@example.test:{SHA512-CRYPT}")
                    .append(org.apache.commons.codec.digest.Sha2Crypt.sha512Crypt(b("pw" + i), "$6$rounds=200000$salt" + i)).append('\n');
        }
        Files.writeString(passwd, f.toString());
        assertThat(backend.file().representativeHash()).startsWith("{SHA512-CRYPT}$6$rounds=200000$");
        SaslDriver.plain(backend, "", "nobody@example.test", "x");  // warm up
        long known = 0;
        long unknown = 0;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            SaslDriver.plain(backend, "", "u1@example.test", "wrong");
            long t1 = System.nanoTime();
            SaslDriver.plain(backend, "", "nobody@example.test", "wrong");
            long t2 = System.nanoTime();
            known += t1 - t0;
            unknown += t2 - t1;
        }
        // the unknown user's password is checked against a stored hash with the same 200000 rounds
        assertThat((double) unknown / known).as("unknown %d ns, known %d ns", unknown, known).isBetween(0.2, 5.0);  // wide: a loaded CI machine is noisy
    }
}
