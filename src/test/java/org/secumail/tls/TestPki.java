// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test keys and certificates made at test time with Bouncy Castle: a CA, and RSA and EC server certificates it signed. */
final class TestPki {
    final KeyPair caKeys;
    final X509Certificate ca;
    final KeyPair rsaKeys;
    final X509Certificate rsaCert;
    final KeyPair ecKeys;
    final X509Certificate ecCert;

    TestPki(String hostname) throws Exception {
        caKeys = rsa();
        ca = cert("CN=SecuMail Test CA", caKeys, "CN=SecuMail Test CA", caKeys.getPrivate(), true);
        rsaKeys = rsa();
        rsaCert = cert("CN=" + hostname, rsaKeys, "CN=SecuMail Test CA", caKeys.getPrivate(), false);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());   // SEC1 with the curve, as openssl writes it
        g.initialize(new ECGenParameterSpec("secp256r1"));
        ecKeys = g.generateKeyPair();
        ecCert = cert("CN=" + hostname, ecKeys, "CN=SecuMail Test CA", caKeys.getPrivate(), false);
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate cert(String subject, KeyPair keys, String issuer, PrivateKey signer, boolean isCa) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Name(subject), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
    }

    /** PEM of the objects in order; a PrivateKey is written PKCS#1/SEC1 ("RSA/EC PRIVATE KEY"). */
    static String pem(Object... objects) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) w.writeObject(o);
        }
        return sw.toString();
    }

    /** The key as PKCS#8 ("PRIVATE KEY"). */
    static JcaPKCS8Generator pkcs8(PrivateKey k) throws Exception { return new JcaPKCS8Generator(k, null); }

    static Path write(Path dir, String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
