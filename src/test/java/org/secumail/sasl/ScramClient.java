// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802), for tests. The same client authenticates
 * against the real Dovecot (DovecotBackendTest), which checks this client, and against our
 * server (PasswdFileBackendTest).
 */
final class ScramClient {
    private final String user;
    private final byte[] password;
    private final String cnonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    ScramClient(String user, String password) {
        this.user = user;
        this.password = password.getBytes(StandardCharsets.UTF_8);
        byte[] n = new byte[18];
        new SecureRandom().nextBytes(n);
        this.cnonce = Base64.getEncoder().encodeToString(n);
    }

    byte[] clientFirst() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + cnonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    byte[] clientFinal(byte[] serverFirstBytes) {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String nonce = null;
        byte[] salt = null;
        int iterations = 0;
        for (String a : serverFirst.split(",")) {
            if (a.startsWith("r=")) nonce = a.substring(2);
            else if (a.startsWith("s=")) salt = Base64.getDecoder().decode(a.substring(2));
            else if (a.startsWith("i=")) iterations = Integer.parseInt(a.substring(2));
        }
        if (nonce == null || !nonce.startsWith(cnonce) || salt == null || iterations < 1) throw new IllegalStateException("bad server-first " + serverFirst);
        ScramCredentials c = ScramCredentials.derive(password, salt, iterations);
        String withoutProof = "c=biws,r=" + nonce;
        byte[] am = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        // recompute ClientKey (derive() keeps only H(ClientKey)) from the same PBKDF2 output
        byte[] clientKey = clientKey(salt, iterations);
        byte[] sig = ScramCredentials.hmac(c.storedKey(), am);
        byte[] proof = new byte[32];
        for (int i = 0; i < 32; i++) proof[i] = (byte) (clientKey[i] ^ sig[i]);
        expectedServerSignature = ScramCredentials.hmac(c.serverKey(), am);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the server-final-message proves the server knew the keys (mutual authentication). */
    boolean serverFinalValid(byte[] serverFinal) {
        String s = new String(serverFinal, StandardCharsets.UTF_8);
        return s.startsWith("v=") && MessageDigest.isEqual(Base64.getDecoder().decode(s.substring(2)), expectedServerSignature);
    }

    private byte[] clientKey(byte[] salt, int iterations) {
        var pbkdf2 = new org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator(new org.bouncycastle.crypto.digests.SHA256Digest());
        pbkdf2.init(password, salt, iterations);
        byte[] salted = ((org.bouncycastle.crypto.params.KeyParameter) pbkdf2.generateDerivedMacParameters(256)).getKey();
        return ScramCredentials.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }
}
