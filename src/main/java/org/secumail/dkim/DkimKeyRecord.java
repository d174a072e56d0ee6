// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A DKIM key record (RFC 6376 section 3.6.1), the TXT record at SELECTOR._domainkey.DOMAIN.
 * v= if present must be DKIM1 and come first; k= rsa (default) or ed25519 (RFC 8463 section
 * 4.2); h= the acceptable hashes; s= the service types ("*" or a list holding "email"); t=
 * flags y (testing) and s (i= domain must equal d=); p= the key: empty means revoked (3.6.1).
 * RSA keys are accepted as SubjectPublicKeyInfo (what the RFC specifies) or as a bare PKCS#1
 * RSAPublicKey (what some generators publish, and dkimpy accepts); keys under 1024 bits are
 * refused (RFC 8301 section 3.2). An ed25519 p= is the 32-byte public key itself.
 *
 * @param keyType "rsa" or "ed25519"
 * @param key     the public key
 * @param bits    the RSA modulus size, or 256 for ed25519
 * @param testing t=y
 * @param strict  t=s
 */
public record DkimKeyRecord(String keyType, PublicKey key, int bits, boolean testing, boolean strict, List<String> hashes) {
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32 key bytes. */
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    public static DkimKeyRecord parse(String txt) throws DkimException {
        TagList t;
        try {
            t = TagList.parse(txt);
        } catch (DkimException e) {
            throw DkimException.perm("bad key record: " + e.getMessage());
        }
        if (t.has("v")) {
            if (!t.get("v").equals("DKIM1")) throw DkimException.perm("bad key record version v=" + TagList.clip(t.get("v")));
            if (!t.asMap().keySet().iterator().next().equals("v")) throw DkimException.perm("key record v= is not first");
        }
        String k = t.has("k") ? t.get("k").toLowerCase(Locale.ROOT) : "rsa";
        if (!k.equals("rsa") && !k.equals("ed25519")) throw DkimException.perm("unknown key type k=" + TagList.clip(k));
        List<String> hashes = t.has("h") ? split(t.get("h")) : List.of("sha256");
        String s = t.get("s");
        if (s != null) {
            List<String> services = split(s);
            if (!services.contains("*") && !services.contains("email")) throw DkimException.perm("key not for email (s=" + TagList.clip(s) + ")");
        }
        List<String> flags = t.has("t") ? split(t.get("t")) : List.of();
        String p = t.compact("p");
        if (p == null) throw DkimException.perm("key record without p=");
        if (p.isEmpty()) throw DkimException.perm("key revoked (empty p=)");
        byte[] der = DkimSignature.base64(p, "p");
        PublicKey key;
        int bits;
        try {
            if (k.equals("ed25519")) {
                if (der.length != 32) throw DkimException.perm("ed25519 key is not 32 bytes");
                byte[] spki = Arrays.copyOf(ED25519_SPKI, ED25519_SPKI.length + 32);
                System.arraycopy(der, 0, spki, ED25519_SPKI.length, 32);
                key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                bits = 256;
            } else {
                key = rsa(der);
                bits = ((RSAPublicKey) key).getModulus().bitLength();
                if (bits < 1024) throw DkimException.perm("RSA key of " + bits + " bits is too short (RFC 8301)");
            }
        } catch (DkimException e) {
            throw e;
        } catch (Exception e) {
            throw DkimException.perm("unparsable public key in p=");
        }
        return new DkimKeyRecord(k, key, bits, flags.contains("y"), flags.contains("s"), hashes);
    }

    private static PublicKey rsa(byte[] der) throws Exception {
        KeyFactory kf = KeyFactory.getInstance("RSA");
        try {
            return kf.generatePublic(new X509EncodedKeySpec(der));
        } catch (Exception spkiFailed) {
            // a bare RSAPublicKey ::= SEQUENCE { modulus, publicExponent } (RFC 8017 A.1.1)
            org.bouncycastle.asn1.pkcs.RSAPublicKey r = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(
                    org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
            BigInteger n = r.getModulus();
            if (n.signum() <= 0) throw new IllegalArgumentException("bad modulus");
            return kf.generatePublic(new RSAPublicKeySpec(n, r.getPublicExponent()));
        }
    }

    private static List<String> split(String v) {
        return Arrays.stream(v.split(":")).map(x -> TagList.removeWhitespace(x).toLowerCase(Locale.ROOT)).filter(x -> !x.isEmpty()).toList();
    }

    /** The algorithm's key type matches k= and its hash is allowed by h= (section 3.6.1). */
    public void checkAlgorithm(String algorithm) throws DkimException {
        String type = algorithm.substring(0, algorithm.indexOf('-'));
        if (!type.equals(keyType)) throw DkimException.perm("key type k=" + keyType + " does not match a=" + algorithm);
        if (!hashes.contains("sha256")) throw DkimException.perm("key record h= does not allow sha256");
    }
}
