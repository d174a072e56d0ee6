// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * smtpd_sasl_type = dovecot against a real Dovecot 2.3 auth service (Debian's dovecot-core),
 * over its unix socket and over a loopback port. The passwd-file holds hashes made by our
 * PasswordSchemes, so Dovecot also checks those.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DovecotBackendTest {
    Path dir;
    TestDovecot dovecot;

    @BeforeAll
    void startDovecot(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Doveadm.require();
        dovecot = new TestDovecot(dir, String.join("\n",
                "alice@example.test:{PLAIN}alice pw",
                "bob@example.test:" + PasswordSchemes.hash("SCRAM-SHA-256", "bob pw"),
                "carol@example.test:" + PasswordSchemes.hash("ARGON2ID", "carol pw"),
                "dave@example.test:" + PasswordSchemes.hash("SHA512-CRYPT", "dave pw"),
                ""), "erin@example.test:{PLAIN}erin pw\n").start();
    }

    @AfterAll
    void stopDovecot() throws Exception {
        if (dovecot != null) dovecot.close();
    }

    private DovecotBackend unix() {
        return new DovecotBackend(dovecot.socket.toString(), Duration.ofSeconds(30));
    }

    private DovecotBackend inet() {
        return new DovecotBackend("inet:127.0.0.1:" + dovecot.port, Duration.ofSeconds(30));
    }

    @Test
    void mechanismsFromDovecot() throws Exception {
        try (DovecotBackend b = unix()) {
            assertThat(b.mechanisms(true)).containsExactly("PLAIN", "LOGIN", "SCRAM-SHA-256");
            assertThatThrownBy(() -> b.start("CRAM-MD5", SaslDriver.CLIENT)).isInstanceOf(SaslException.UnknownMechanism.class);
        }
    }

    @Test
    void plainLoginScramOverUnixSocket() throws Exception {
        try (DovecotBackend b = unix()) {
            checkAll(b, SaslDriver.from("192.0.2.1"));
        }
    }

    @Test
    void plainLoginScramOverInet() throws Exception {
        try (DovecotBackend b = inet()) {
            checkAll(b, SaslDriver.from("192.0.2.2"));
        }
    }

    private void checkAll(DovecotBackend b, SaslClientInfo c) throws Exception {
        assertThat(SaslDriver.plain(b, c, "", "alice@example.test", "alice pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("alice@example.test"));
        assertThat(SaslDriver.plain(b, c, "", "carol@example.test", "carol pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("carol@example.test"));
        assertThat(SaslDriver.login(b, c, "dave@example.test", "dave pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("dave@example.test"));
        assertThat(SaslDriver.scram(b, c, "bob@example.test", "bob pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("bob@example.test"));
        assertThat(SaslDriver.scram(b, c, "alice@example.test", "alice pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("alice@example.test"));
        // each failure from an address of its own: Dovecot's auth penalty delays an address's next attempts
        SaslStep wrong = SaslDriver.plain(b, SaslDriver.from(c.clientAddr() + "1"), "", "alice@example.test", "alice px");
        assertThat(wrong).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) wrong).temporary()).isFalse();
        SaslStep unknown = SaslDriver.plain(b, SaslDriver.from(c.clientAddr() + "2"), "", "nobody@example.test", "x");
        assertThat(unknown).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) unknown).temporary()).isFalse();
        assertThat(SaslDriver.scram(b, SaslDriver.from(c.clientAddr() + "3"), "bob@example.test", "bob px")).isInstanceOf(SaslStep.Failure.class);
        assertThat(SaslDriver.login(b, SaslDriver.from(c.clientAddr() + "4"), "dave@example.test", "nope")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void securedIsPassedToDovecot() throws Exception {
        // the test Dovecot reads passwd-secured for secured requests and passwd- for the others
        SaslClientInfo plainText = new SaslClientInfo("192.0.2.4", 40000, "192.0.2.1", 25, false, "smtp");
        try (DovecotBackend b = unix()) {
            assertThat(SaslDriver.plain(b, plainText, "", "erin@example.test", "erin pw")).as(dovecot.log())
                    .isEqualTo(new SaslStep.Success("erin@example.test"));
            assertThat(SaslDriver.plain(b, SaslDriver.from("192.0.2.5"), "", "alice@example.test", "alice pw"))
                    .isEqualTo(new SaslStep.Success("alice@example.test"));
            assertThat(SaslDriver.plain(b, plainText, "", "alice@example.test", "alice pw")).isInstanceOf(SaslStep.Failure.class);
        }
    }

    @Test
    void concurrentSessionsShareOneConnection() throws Exception {
        try (DovecotBackend b = unix(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<SaslStep>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                boolean good = i % 2 == 0;
                results.add(pool.submit((Callable<SaslStep>) () -> SaslDriver.plain(b, SaslDriver.from("192.0.2.3"), "", "alice@example.test", good ? "alice pw" : "bad")));
            }
            for (int i = 0; i < results.size(); i++) {
                SaslStep s = results.get(i).get();
                if (i % 2 == 0) assertThat(s).isEqualTo(new SaslStep.Success("alice@example.test"));
                else assertThat(s).isInstanceOf(SaslStep.Failure.class);
            }
        }
    }

    @Test
    void abortedExchangeDoesNotDisturbTheNext() throws Exception {
        try (DovecotBackend b = unix()) {
            SaslExchange x = b.start("LOGIN", SaslDriver.CLIENT);
            assertThat(x.next(null)).isInstanceOf(SaslStep.Challenge.class);
            x.abort();
            assertThat(SaslDriver.plain(b, "", "alice@example.test", "alice pw")).isEqualTo(new SaslStep.Success("alice@example.test"));
        }
    }

    @Test
    void unreachableDovecotIsATemporaryFailure() throws Exception {
        try (DovecotBackend b = new DovecotBackend(dir.resolve("no-such-socket").toString(), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> b.mechanisms(true)).isInstanceOf(IOException.class).hasMessageContaining("no-such-socket");
        }
    }

    /** Last in spirit: stops this class's Dovecot, then starts a new one on the same paths. */
    @Test
    void dovecotStoppedThenBack() throws Exception {
        try (DovecotBackend b = unix(); DovecotBackend i = inet()) {
            assertThat(SaslDriver.plain(b, "", "alice@example.test", "alice pw")).isInstanceOf(SaslStep.Success.class);
            assertThat(SaslDriver.plain(i, "", "alice@example.test", "alice pw")).isInstanceOf(SaslStep.Success.class);
            dovecot.close();
            SaslStep down = SaslDriver.plain(b, "", "alice@example.test", "alice pw");
            assertThat(down).isInstanceOf(SaslStep.Failure.class);
            assertThat(((SaslStep.Failure) down).temporary()).as(down.toString()).isTrue();
            SaslStep downInet = SaslDriver.plain(i, "", "alice@example.test", "alice pw");
            assertThat(((SaslStep.Failure) downInet).temporary()).as(downInet.toString()).isTrue();
            // the mechanisms stay announced from the last handshake while Dovecot is away
            assertThat(b.mechanisms(true)).contains("PLAIN");
            dovecot.start();
            assertThat(SaslDriver.plain(b, "", "alice@example.test", "alice pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("alice@example.test"));
            assertThat(SaslDriver.plain(i, "", "alice@example.test", "alice pw")).as(dovecot.log()).isEqualTo(new SaslStep.Success("alice@example.test"));
        }
    }
}
