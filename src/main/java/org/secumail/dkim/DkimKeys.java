// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * DKIM private key files: reading (PEM PKCS#1 or PKCS#8 RSA, PKCS#8 Ed25519, or a bare
 * base64 32-byte Ed25519 seed as dkimpy and RFC 8463 appendix A write it), writing, key
 * generation, and the public half as a key record's p= value (RFC 6376 section 3.6.1).
 */
public final class DkimKeys {
    private DkimKeys() { }

    /**
     * A key read from a file.
     *
     * @param algorithm "rsa-sha256" or "ed25519-sha256"
     * @param warnings  e.g. "readable by group or others" (the caller logs them)
     */
    public record Loaded(PrivateKey privateKey, PublicKey publicKey, String algorithm, List<String> warnings) { }

    /** @throws IOException naming the file when it cannot be read or holds no usable key */
    public static Loaded load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read DKIM key file " + file + ": " + e.getMessage(), e);
        }
        List<String> warnings = new ArrayList<>();
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                warnings.add("DKIM key file " + file + " is readable by group or others; chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: nothing to check
        }
        try {
            PrivateKey key = parse(text);
            return new Loaded(key, publicKey(key), key.getAlgorithm().equalsIgnoreCase("RSA") ? "rsa-sha256" : "ed25519-sha256", warnings);
        } catch (Exception e) {
            throw new IOException("DKIM key file " + file + " holds no usable private key: " + e.getMessage(), e);
        }
    }

    /** The private key in PEM or seed form. */
    public static PrivateKey parse(String text) throws Exception {
        String t = text.strip();
        if (!t.startsWith("-----")) {
            byte[] seed = Base64.getDecoder().decode(TagList.removeWhitespace(t));
            if (seed.length != 32) throw new IllegalArgumentException("not PEM and not a 32-byte ed25519 seed");
            return ed25519(seed);
        }
        try (PEMParser p = new PEMParser(new StringReader(t))) {
            Object o = p.readObject();
            PrivateKeyInfo info;
            if (o instanceof PEMKeyPair kp) info = kp.getPrivateKeyInfo();
            else if (o instanceof PrivateKeyInfo pki) info = pki;
            else throw new IllegalArgumentException("PEM holds " + (o == null ? "nothing" : o.getClass().getSimpleName()) + ", not a private key");
            var oid = info.getPrivateKeyAlgorithm().getAlgorithm();
            if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
            }
            if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
                byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
                return ed25519(seed);
            }
            throw new IllegalArgumentException("unsupported key type " + oid);
        }
    }

    private static PrivateKey ed25519(byte[] seed) throws Exception {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    }

    /** The public half: from the CRT parameters for RSA, derived from the seed for Ed25519. */
    public static PublicKey publicKey(PrivateKey key) throws Exception {
        if (key instanceof RSAPrivateCrtKey rsa) {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        }
        if (key instanceof java.security.interfaces.EdECPrivateKey ed) {
            byte[] seed = ed.getBytes().orElseThrow();
            byte[] raw = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
            return DkimKeyRecord.parse("k=ed25519; p=" + Base64.getEncoder().encodeToString(raw)).key();
        }
        throw new IllegalArgumentException("unsupported key " + key.getAlgorithm());
    }

    /** p= of a key record: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463 section 4.2). */
    public static String publicKeyValue(PublicKey key) {
        byte[] der = key.getEncoded();
        if (key.getAlgorithm().equalsIgnoreCase("RSA")) return Base64.getEncoder().encodeToString(der);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(der, der.length - 32, der.length));
    }

    /** A new key pair: RSA of {@code bits} bits, or Ed25519. */
    public static KeyPair generate(String type, int bits) throws Exception {
        if (type.equals("ed25519")) return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        if (!type.equals("rsa")) throw new IllegalArgumentException("key type must be rsa or ed25519: " + type);
        if (bits < 1024) throw new IllegalArgumentException("RSA keys under 1024 bits are refused by verifiers (RFC 8301)");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(new java.security.spec.RSAKeyGenParameterSpec(bits, BigInteger.valueOf(65537)));
        return g.generateKeyPair();
    }

    /** PEM text: PKCS#1 ("RSA PRIVATE KEY") for RSA as opendkim-genkey writes it, PKCS#8 for Ed25519. */
    public static String toPem(PrivateKey key) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(key);
        }
        return w.toString();
    }

    /**
     * The SELECTOR.txt zone line exactly as opendkim-genkey 2.11 writes it: p= split into
     * 250-character strings, "h=sha256;" for RSA, and the "; ----- DKIM key" comment.
     */
    public static String zoneLine(String selector, String domain, PublicKey key) {
        boolean rsa = key.getAlgorithm().equalsIgnoreCase("RSA");
        StringBuilder sb = new StringBuilder(selector).append("._domainkey\tIN\tTXT\t( \"v=DKIM1;")
                .append(rsa ? " h=sha256; k=rsa; " : " k=ed25519; ").append("\"\n\t  \"p=");
        String data = publicKeyValue(key);
        int cur = 0, len = data.length();
        while (len > 0) {
            if (len < 250) {
                sb.append(data, cur, data.length());
                len = 0;
            } else {
                sb.append(data, cur, cur + 250).append("\"\n\t  \"");
                cur += 250;
                len -= 250;
            }
        }
        return sb.append("\" )  ; ----- DKIM key ").append(selector).append(" for ").append(domain).append('\n').toString();
    }

    /** The TXT record text of a zone line (its quoted strings concatenated), as a resolver returns it. */
    public static String recordOf(String zoneLine) {
        StringBuilder sb = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]*)\"").matcher(zoneLine.split(";\\s*-----")[0]);
        while (m.find()) sb.append(m.group(1));
        return sb.toString();
    }
}
