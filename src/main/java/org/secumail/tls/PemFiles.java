// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.secumail.config.ConfigException;

/**
 * Reads private keys and certificates from PEM files with Bouncy Castle's PEMParser, the way
 * Postfix reads smtpd_tls_chain_files or smtpd_tls_cert_file + smtpd_tls_key_file: RSA and EC
 * keys in PKCS#1/SEC1 ("RSA PRIVATE KEY", "EC PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") form,
 * certificates in any order, keys and certificates in one file or in several. Each key is paired
 * with the certificate whose public key it matches (proved by signing and verifying a test
 * message), and the chain is built from the other certificates by issuer name, leaf first.
 * Encrypted keys are refused: Postfix cannot read them either (no passphrase at startup).
 */
public final class PemFiles {
    private PemFiles() { }

    /** One private key with its certificate chain, leaf first. */
    public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
        public String algorithm() { return key.getAlgorithm(); }
    }

    /** What a set of PEM files holds. */
    record Contents(List<PrivateKey> keys, List<X509Certificate> certs) { }

    /**
     * Reads the files and pairs every key with its chain.
     *
     * @param parameter named in errors ("smtpd_tls_chain_files")
     * @throws ConfigException for an unreadable file, a PEM block that is not a key or
     *                         certificate, an encrypted key, or a key without its certificate
     */
    public static List<KeyAndChain> load(String parameter, List<Path> files) {
        List<PrivateKey> keys = new ArrayList<>();
        List<X509Certificate> certs = new ArrayList<>();
        for (Path f : files) {
            Contents c = read(parameter, f);
            keys.addAll(c.keys());
            certs.addAll(c.certs());
        }
        if (keys.isEmpty()) throw new ConfigException(parameter + ": no private key found in " + files);
        if (certs.isEmpty()) throw new ConfigException(parameter + ": no certificate found in " + files);
        List<KeyAndChain> out = new ArrayList<>();
        for (PrivateKey k : keys) {
            X509Certificate leaf = null;
            for (X509Certificate c : certs) {
                if (matches(k, c.getPublicKey())) {
                    leaf = c;
                    break;
                }
            }
            if (leaf == null) {
                throw new ConfigException(parameter + ": the " + k.getAlgorithm() + " private key in " + files
                        + " does not match any certificate (key and certificate mismatch)");
            }
            out.add(new KeyAndChain(k, chain(leaf, certs)));
        }
        return out;
    }

    static Contents read(String parameter, Path file) {
        List<PrivateKey> keys = new ArrayList<>();
        List<X509Certificate> certs = new ArrayList<>();
        JcaPEMKeyConverter keyConverter = new JcaPEMKeyConverter();
        JcaX509CertificateConverter certConverter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            int blocks = 0;
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (++blocks > 100) throw new ConfigException(parameter + ": " + file + ": more than 100 PEM blocks");
                if (o instanceof X509CertificateHolder h) {
                    certs.add(certConverter.getCertificate(h));
                } else if (o instanceof PEMKeyPair kp) {
                    keys.add(keyConverter.getPrivateKey(kp.getPrivateKeyInfo()));   // PKCS#1 RSA or SEC1 EC (the public key is optional there)
                } else if (o instanceof PrivateKeyInfo pki) {
                    keys.add(keyConverter.getPrivateKey(pki));                     // PKCS#8
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new ConfigException(parameter + ": " + file + ": encrypted private keys are not supported (remove the passphrase)");
                } else if (!(o instanceof ASN1ObjectIdentifier)) {                 // "EC PARAMETERS" blocks are skipped
                    throw new ConfigException(parameter + ": " + file + ": unexpected PEM object " + o.getClass().getSimpleName());
                }
            }
            if (blocks == 0) throw new ConfigException(parameter + ": " + file + ": no PEM data");
        } catch (IOException e) {
            throw new ConfigException(parameter + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(parameter + ": " + file + ": bad certificate: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof ConfigException) throw e;
            throw new ConfigException(parameter + ": " + file + ": malformed PEM data: " + e.getMessage(), e);
        }
        return new Contents(keys, certs);
    }

    /** Leaf, then each issuer found among the certificates, until a self-signed one or none. */
    private static List<X509Certificate> chain(X509Certificate leaf, List<X509Certificate> certs) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf);
        X509Certificate cur = leaf;
        while (chain.size() < 10 && !cur.getIssuerX500Principal().equals(cur.getSubjectX500Principal())) {
            X509Certificate issuer = null;
            for (X509Certificate c : certs) {
                if (!chain.contains(c) && c.getSubjectX500Principal().equals(cur.getIssuerX500Principal())) {
                    issuer = c;
                    break;
                }
            }
            if (issuer == null) break;
            chain.add(issuer);
            cur = issuer;
        }
        return chain;
    }

    /** True when {@code pub} verifies a signature made with {@code key}. */
    static boolean matches(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) return false;
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new ConfigException("unsupported private key type " + key.getAlgorithm() + " (use RSA or EC)");
        };
        try {
            byte[] probe = "secumail key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
