// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * The two signing algorithms, from the JDK: rsa-sha256 is RSASSA-PKCS1-v1_5 with SHA-256
 * over the header data (RFC 6376 section 3.3.2); ed25519-sha256 is PureEdDSA over the
 * SHA-256 hash of that data (RFC 8463 section 3).
 */
public final class Signatures {
    private Signatures() { }

    public static boolean verify(String algorithm, PublicKey key, byte[] data, byte[] sig) {
        try {
            Signature s = instance(algorithm);
            s.initVerify(key);
            s.update(input(algorithm, data));
            return s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;     // a wrong-length or malformed b= is just a signature that does not verify
        }
    }

    public static byte[] sign(String algorithm, PrivateKey key, byte[] data) {
        try {
            Signature s = instance(algorithm);
            s.initSign(key);
            s.update(input(algorithm, data));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with " + algorithm + ": " + e.getMessage(), e);
        }
    }

    private static Signature instance(String algorithm) throws GeneralSecurityException {
        return Signature.getInstance(algorithm.equals("ed25519-sha256") ? "Ed25519" : "SHA256withRSA");
    }

    private static byte[] input(String algorithm, byte[] data) throws GeneralSecurityException {
        return algorithm.equals("ed25519-sha256") ? MessageDigest.getInstance("SHA-256").digest(data) : data;
    }
}
