// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our schemes against the real doveadm pw (Dovecot 2.3): hashes made by doveadm verify here,
 * and ours verify in doveadm pw -t.
 */
class PasswordSchemesTest {
    private static final String PW = "sécret pässword 1";
    private static final List<String> OURS = List.of("ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "SCRAM-SHA-256", "PLAIN", "CLEAR");

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void doveadmHashesVerifyHere() throws Exception {
        Doveadm.require();
        List<String> theirs = Doveadm.schemes();
        int checked = 0;
        for (String scheme : OURS) {
            if (!theirs.contains(scheme)) continue;
            Doveadm.Result r = Doveadm.run("pw", "-s", scheme, "-p", PW);
            assertThat(r.rc()).as(r.out()).isZero();
            String stored = r.out();
            assertThat(stored).startsWith("{" + scheme + "}");
            assertThat(PasswordSchemes.verify(stored, b(PW))).as(stored).isTrue();
            assertThat(PasswordSchemes.verify(stored, b(PW + "x"))).as(stored).isFalse();
            assertThat(PasswordSchemes.verify(stored, b(""))).as(stored).isFalse();
            checked++;
        }
        // Dovecot 2.3.19 (Debian 12) has all of them, ARGON2ID included (built with libsodium)
        assertThat(checked).as("schemes of %s", theirs).isGreaterThanOrEqualTo(6);
    }

    @Test
    void ourHashesVerifyInDoveadm() throws Exception {
        Doveadm.require();
        List<String> theirs = Doveadm.schemes();
        for (String scheme : OURS) {
            String stored = PasswordSchemes.hash(scheme, PW);
            assertThat(PasswordSchemes.verify(stored, b(PW))).as(stored).isTrue();
            if (!theirs.contains(scheme)) continue;
            Doveadm.Result ok = Doveadm.run("pw", "-t", stored, "-p", PW);
            assertThat(ok.rc()).as(stored + ": " + ok.out()).isZero();
            assertThat(ok.out()).contains("(verified)");
            Doveadm.Result bad = Doveadm.run("pw", "-t", stored, "-p", PW + "x");
            assertThat(bad.rc()).as(stored + ": " + bad.out()).isNotZero();
        }
    }

    @Test
    void bcryptVariantsAndLongPasswords() throws Exception {
        Doveadm.require();
        String stored = Doveadm.run("pw", "-s", "BLF-CRYPT", "-r", "4", "-p", PW).out();
        assertThat(stored).startsWith("{BLF-CRYPT}$2y$04$");
        // $2b$ (OpenBSD) and $2y$ (crypt_blowfish) compute the same hash for any password under 256 bytes
        assertThat(PasswordSchemes.verify(stored.replace("$2y$", "$2b$"), b(PW))).isTrue();
        assertThat(PasswordSchemes.verify(stored.replace("$2y$", "$2a$"), b(PW))).isTrue();
        // bcrypt reads 72 bytes at most, in Dovecot as here
        String longPw = "x".repeat(72);
        String longStored = Doveadm.run("pw", "-s", "BLF-CRYPT", "-r", "4", "-p", longPw).out();
        assertThat(PasswordSchemes.verify(longStored, b(longPw))).isTrue();
        assertThat(PasswordSchemes.verify(longStored, b(longPw + "ignored"))).isTrue();
        assertThat(PasswordSchemes.verify(longStored, b("x".repeat(71)))).isFalse();
    }

    @Test
    void shaCryptWithRoundsFromDoveadm() throws Exception {
        Doveadm.require();
        String stored = Doveadm.run("pw", "-s", "SHA512-CRYPT", "-r", "10000", "-p", PW).out();
        assertThat(stored).contains("$6$rounds=10000$");
        assertThat(PasswordSchemes.verify(stored, b(PW))).isTrue();
        assertThat(PasswordSchemes.verify(stored, b("nope"))).isFalse();
    }

    @Test
    void verifyLeavesThePasswordBytesIntact() {
        // commons-codec's Sha2Crypt zeroes its key argument; a caller's array must survive any scheme
        for (String scheme : List.of("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "SCRAM-SHA-256", "PLAIN")) {
            String stored = PasswordSchemes.hash(scheme, "same bytes");
            byte[] pw = b("same bytes");
            assertThat(PasswordSchemes.verify(stored, pw)).as(scheme).isTrue();
            assertThat(pw).as(scheme).isEqualTo(b("same bytes"));
            assertThat(PasswordSchemes.verify(stored, pw)).as(scheme).isTrue();
        }
    }

    @Test
    void schemeDetectionAndErrors() {
        assertThat(PasswordSchemes.schemeOf("{blf-crypt}$2y$05$abc")).isEqualTo("BLF-CRYPT");
        assertThat(PasswordSchemes.schemeOf("$6$abc$def")).isEqualTo("SHA512-CRYPT");
        assertThat(PasswordSchemes.schemeOf("$argon2id$v=19$...")).isEqualTo("ARGON2ID");
        // a crypt(3) hash without {SCHEME} verifies by its prefix, as Dovecot's default CRYPT scheme does
        String sha = PasswordSchemes.encodedPart(PasswordSchemes.hash("SHA256-CRYPT", "pw"));
        assertThat(PasswordSchemes.verify(sha, b("pw"))).isTrue();
        assertThatThrownBy(() -> PasswordSchemes.verify("{MD5}x", b("pw"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PasswordSchemes.verify("{ARGON2ID}$argon2id$v=19$m=99999999,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                b("pw"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> PasswordSchemes.verify("{BLF-CRYPT}$2y$05$short", b("pw"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PasswordSchemes.hash("PLAIN", "a:b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PasswordSchemes.hash("NOPE", "a")).hasMessageContaining("unknown password scheme");
    }
}
