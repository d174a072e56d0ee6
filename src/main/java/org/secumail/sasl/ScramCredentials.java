// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * SCRAM-SHA-256 credentials (RFC 5802 section 3, RFC 7677) as Dovecot stores them in
 * {SCRAM-SHA-256}: {@code ITERATIONS,base64(salt),base64(StoredKey),base64(ServerKey)}.
 * SaltedPassword is PBKDF2-HMAC-SHA-256 (Bouncy Castle), the HMACs and H() come from the JDK.
 *
 * @param iterations PBKDF2 iteration count (Dovecot's default is 4096, RFC 7677's minimum)
 */
record ScramCredentials(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    static final int DEFAULT_ITERATIONS = 4096;
    private static final int MAX_ITERATIONS = 1_000_000;

    static ScramCredentials derive(byte[] password, byte[] salt, int iterations) {
        PKCS5S2ParametersGenerator pbkdf2 = new PKCS5S2ParametersGenerator(new SHA256Digest());
        pbkdf2.init(password, salt, iterations);
        byte[] salted = ((KeyParameter) pbkdf2.generateDerivedMacParameters(256)).getKey();
        byte[] clientKey = hmac(salted, "Client Key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] serverKey = hmac(salted, "Server Key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return new ScramCredentials(iterations, salt.clone(), sha256(clientKey), serverKey);
    }

    /** @throws IllegalArgumentException when the stored form is malformed */
    static ScramCredentials parse(String stored) {
        String[] f = stored.split(",", -1);
        if (f.length != 4) throw new IllegalArgumentException("malformed SCRAM-SHA-256 credentials");
        if (f[0].isEmpty() || f[0].length() > 7 || !f[0].chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 iteration count");
        }
        int iterations = Integer.parseInt(f[0]);
        if (iterations < 1 || iterations > MAX_ITERATIONS) throw new IllegalArgumentException("SCRAM-SHA-256 iteration count out of bounds");
        Base64.Decoder d = Base64.getDecoder();
        ScramCredentials c = new ScramCredentials(iterations, d.decode(f[1]), d.decode(f[2]), d.decode(f[3]));
        if (c.storedKey.length != 32 || c.serverKey.length != 32 || c.salt.length == 0) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 keys");
        }
        return c;
    }

    String format() {
        Base64.Encoder e = Base64.getEncoder();
        return iterations + "," + e.encodeToString(salt) + "," + e.encodeToString(storedKey) + "," + e.encodeToString(serverKey);
    }

    /** Whether the plaintext password yields these keys (both compared in constant time). */
    boolean matches(byte[] password) {
        ScramCredentials other = derive(password, salt, iterations);
        return MessageDigest.isEqual(storedKey, other.storedKey) & MessageDigest.isEqual(serverKey, other.serverKey);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
