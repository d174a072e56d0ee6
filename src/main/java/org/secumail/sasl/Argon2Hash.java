// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.security.MessageDigest;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2 password hashes in the PHC string form Dovecot stores ({ARGON2ID} and {ARGON2I},
 * made by libsodium's crypto_pwhash_str): {@code $argon2id$v=19$m=65536,t=3,p=1$SALT$HASH},
 * salt and hash in Base64 without padding (RFC 9106 for the algorithm). The hashing itself is
 * Bouncy Castle's Argon2BytesGenerator.
 */
final class Argon2Hash {
    /** Dovecot 2.3's defaults for doveadm pw -s ARGON2ID (libsodium's "moderate" limits). */
    static final int DEFAULT_MEMORY_KIB = 65536;
    static final int DEFAULT_ITERATIONS = 3;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    // Bounds on what a stored hash may ask for: a damaged or hostile passwd-file must not make
    // one login allocate gigabytes or run for minutes.
    private static final int MAX_MEMORY_KIB = 1 << 20;
    private static final int MAX_ITERATIONS = 64;
    private static final int MAX_PARALLELISM = 16;

    private Argon2Hash() {
    }

    /** @param id true for Argon2id, false for Argon2i */
    static String hash(boolean id, byte[] password, byte[] salt, int memoryKib, int iterations) {
        byte[] out = compute(id, password, salt, memoryKib, iterations, 1, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$" + (id ? "argon2id" : "argon2i") + "$v=19$m=" + memoryKib + ",t=" + iterations + ",p=1$"
                + b64.encodeToString(salt) + "$" + b64.encodeToString(out);
    }

    /** @throws IllegalArgumentException when the encoded hash is malformed or out of bounds */
    static boolean verify(String encoded, byte[] password) {
        String[] f = encoded.split("\\$", -1);
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (f.length != 6 || !f[0].isEmpty()) throw new IllegalArgumentException("malformed Argon2 hash");
        boolean id;
        switch (f[1]) {
            case "argon2id" -> id = true;
            case "argon2i" -> id = false;
            default -> throw new IllegalArgumentException("unsupported Argon2 variant " + f[1]);
        }
        if (!f[2].equals("v=19")) throw new IllegalArgumentException("unsupported Argon2 version " + f[2]);
        int m = -1, t = -1, p = -1;
        for (String kv : f[3].split(",")) {
            if (kv.startsWith("m=")) m = parse(kv.substring(2));
            else if (kv.startsWith("t=")) t = parse(kv.substring(2));
            else if (kv.startsWith("p=")) p = parse(kv.substring(2));
            else throw new IllegalArgumentException("malformed Argon2 parameters");
        }
        if (m < 8 || m > MAX_MEMORY_KIB || t < 1 || t > MAX_ITERATIONS || p < 1 || p > MAX_PARALLELISM) {
            throw new IllegalArgumentException("Argon2 parameters out of bounds: " + f[3]);
        }
        byte[] salt = Base64.getDecoder().decode(f[4]);
        byte[] expected = Base64.getDecoder().decode(f[5]);
        if (salt.length < 8 || expected.length < 16 || expected.length > 64) throw new IllegalArgumentException("malformed Argon2 salt or hash");
        return MessageDigest.isEqual(expected, compute(id, password, salt, m, t, p, expected.length));
    }

    private static int parse(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) throw new IllegalArgumentException("malformed Argon2 parameter");
        return Integer.parseInt(s);
    }

    private static byte[] compute(boolean id, byte[] password, byte[] salt, int m, int t, int p, int len) {
        Argon2Parameters params = new Argon2Parameters.Builder(id ? Argon2Parameters.ARGON2_id : Argon2Parameters.ARGON2_i)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(m).withIterations(t).withParallelism(p)
                .withSalt(salt).build();
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(params);
        byte[] out = new byte[len];
        g.generateBytes(password, out);
        return out;
    }
}
