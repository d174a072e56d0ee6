// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The server side of SCRAM-SHA-256 (RFC 5802 section 5, RFC 7677) without channel binding:
 * <pre>
 * C: n,,n=user,r=CNONCE                       client-first-message
 * S: r=CNONCE+SNONCE,s=SALT,i=4096             server-first-message
 * C: c=biws,r=CNONCE+SNONCE,p=PROOF            client-final-message
 * S: v=SIGNATURE                               server-final-message (a 334 challenge)
 * C: (empty)                                   then 235
 * </pre>
 * Users stored as {SCRAM-SHA-256} use their keys; users stored in plaintext get keys derived
 * on the fly. Users stored with another scheme (ARGON2ID...) cannot do SCRAM: like unknown
 * users they get a stand-in salt derived from a process secret, and fail at the proof, so
 * the exchange does not show whether the user exists.
 */
final class ScramServerExchange implements SaslExchange {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_NONCE = 256;

    private final PasswdFileBackend backend;
    private int steps;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private String user;
    private ScramCredentials creds;
    private String whyNot;       // set when the user cannot succeed (unknown, wrong scheme)
    private boolean verified;

    ScramServerExchange(PasswdFileBackend backend) {
        this.backend = backend;
    }

    private static SaslStep fail(String why) {
        return new SaslStep.Failure("SCRAM-SHA-256: " + why, false);
    }

    @Override
    public SaslStep next(byte[] response) {
        if (++steps > PasswdFileBackend.MAX_STEPS) return fail("too many steps");
        if (response == null) return new SaslStep.Challenge(new byte[0]);
        if (response.length > PasswdFileBackend.MAX_RESPONSE) return fail("response too long");
        String msg = PasswdFileBackend.utf8(response, 0, response.length);
        if (msg == null) return fail("invalid UTF-8");
        if (gs2Header == null) return clientFirst(msg);
        if (!verified) return clientFinal(msg);
        // RFC 5802 section 5: after server-final the client has nothing more to say
        return msg.isEmpty() ? new SaslStep.Success(user) : fail("unexpected data after server-final-message");
    }

    private SaslStep clientFirst(String msg) {
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","; "p=" would ask for channel binding, which
        // needs SCRAM-SHA-256-PLUS (not offered); "y" means the client could but thinks we cannot.
        if (msg.startsWith("p=")) return fail("channel binding requested but SCRAM-SHA-256-PLUS is not offered");
        if (!msg.startsWith("n,") && !msg.startsWith("y,")) return fail("malformed gs2 header");
        int c2 = msg.indexOf(',', 2);
        if (c2 < 0) return fail("malformed gs2 header");
        String authzidPart = msg.substring(2, c2);
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);
        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) return fail("malformed client-first-message");
        if (clientFirstBare.startsWith("m=")) return fail("mandatory extension not supported");
        String name = saslname(attrs[0].substring(2));
        String cnonce = attrs[1].substring(2);
        if (name == null || name.isEmpty()) return fail("malformed user name");
        if (cnonce.isEmpty() || cnonce.length() > MAX_NONCE || !cnonce.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',')) {
            return fail("malformed nonce");
        }
        if (!authzidPart.isEmpty()) {
            String authzid = authzidPart.startsWith("a=") ? saslname(authzidPart.substring(2)) : null;
            if (authzid == null || !authzid.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return fail(name + " may not act as authorization identity " + authzidPart);
            }
        }
        user = name.toLowerCase(Locale.ROOT);
        creds = credentials(user);
        byte[] snonce = new byte[24];
        RANDOM.nextBytes(snonce);
        nonce = cnonce + Base64.getEncoder().encodeToString(snonce);
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(creds.salt()) + ",i=" + creds.iterations();
        return new SaslStep.Challenge(serverFirst.getBytes(StandardCharsets.US_ASCII));
    }

    private SaslStep clientFinal(String msg) {
        int p = msg.lastIndexOf(",p=");
        if (p < 0) return fail("malformed client-final-message");
        String withoutProof = msg.substring(0, p);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) return fail("malformed client-final-message");
        byte[] cbind;
        byte[] proof;
        try {
            cbind = Base64.getDecoder().decode(attrs[0].substring(2));
            proof = Base64.getDecoder().decode(msg.substring(p + 3));
        } catch (IllegalArgumentException e) {
            return fail("malformed base64 in client-final-message");
        }
        if (!MessageDigest.isEqual(cbind, gs2Header.getBytes(StandardCharsets.UTF_8))) return fail("channel binding data mismatch");
        if (!attrs[1].substring(2).equals(nonce)) return fail("nonce mismatch");
        if (proof.length != 32) return fail("malformed proof");
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] am = authMessage.getBytes(StandardCharsets.UTF_8);
        // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); valid when H(ClientKey) = StoredKey
        byte[] clientSignature = ScramCredentials.hmac(creds.storedKey(), am);
        byte[] clientKey = new byte[32];
        for (int i = 0; i < 32; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        boolean ok = MessageDigest.isEqual(ScramCredentials.sha256(clientKey), creds.storedKey());
        if (whyNot != null) return fail(whyNot);
        if (!ok) return fail("password mismatch for " + user);
        verified = true;
        byte[] serverSignature = ScramCredentials.hmac(creds.serverKey(), am);
        return new SaslStep.Challenge(("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.US_ASCII));
    }

    private ScramCredentials credentials(String name) {
        Optional<String> stored = name.length() > PasswdFile.MAX_USER_BYTES ? Optional.empty() : backend.stored(name);
        if (stored.isPresent()) {
            String scheme = PasswordSchemes.schemeOf(stored.get());
            String enc = PasswordSchemes.encodedPart(stored.get());
            try {
                switch (scheme) {
                    case "SCRAM-SHA-256" -> {
                        return ScramCredentials.parse(enc);
                    }
                    case "PLAIN", "CLEAR", "CLEARTEXT" -> {
                        return ScramCredentials.derive(enc.getBytes(StandardCharsets.UTF_8), standInSalt(name), ScramCredentials.DEFAULT_ITERATIONS);
                    }
                    default -> whyNot = name + " is stored as " + scheme + ", which cannot do SCRAM-SHA-256";
                }
            } catch (IllegalArgumentException e) {
                whyNot = "unusable stored password for " + name + ": " + e.getMessage();
            }
        } else {
            whyNot = "unknown user " + name;
        }
        byte[] keys = new byte[32];
        RANDOM.nextBytes(keys);
        return new ScramCredentials(ScramCredentials.DEFAULT_ITERATIONS, standInSalt(name), keys, Arrays.copyOf(keys, 32));
    }

    /** A salt that is the same for the same name in this process, and reveals nothing. */
    private byte[] standInSalt(String name) {
        return Arrays.copyOf(ScramCredentials.hmac(backend.scramSecret(), ("salt:" + name).getBytes(StandardCharsets.UTF_8)), 16);
    }

    /** RFC 5802 saslname: "," and "=" appear only as "=2C" and "=3D". */
    static String saslname(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                if (s.startsWith("=2C", i)) sb.append(',');
                else if (s.startsWith("=3D", i)) sb.append('=');
                else return null;
                i += 2;
            } else if (c == ',' || c == 0) {
                return null;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
