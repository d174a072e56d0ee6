// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.secumail.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate used when TLS is wanted but none is configured: a self-signed RSA-2048
 * certificate for CN = myhostname (also as subjectAltName), made once with Bouncy Castle and
 * kept, with its key, in data_directory/tls/selfsigned.pem (mode 600). It is reused at the next
 * start, and made again when it has expired or names another host. Mail clients will warn
 * about it; MTAs using opportunistic TLS (RFC 7435) accept it.
 */
final class SelfSigned {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.tls");
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private SelfSigned() { }

    static synchronized List<PemFiles.KeyAndChain> loadOrCreate(Path dataDirectory, String hostname) {
        Path file = dataDirectory.resolve("tls").resolve("selfsigned.pem");
        if (Files.exists(file)) {
            List<PemFiles.KeyAndChain> kc = PemFiles.load("self-signed certificate", List.of(file));
            X509Certificate cert = kc.get(0).chain().get(0);
            boolean valid = cert.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(1)));
            boolean sameHost = cert.getSubjectX500Principal().getName().equals("CN=" + hostname);
            if (valid && sameHost) {
                LOG.warn("warning: no smtpd_tls_chain_files or smtpd_tls_cert_file configured: using the self-signed certificate {} for CN={}",
                        file, hostname);
                return kc;
            }
            LOG.warn("warning: self-signed certificate {} {}: making a new one", file, valid ? "names another host" : "has expired");
        }
        try {
            write(file, hostname);
        } catch (IOException e) {
            throw new ConfigException("cannot write the self-signed certificate " + file + " (data_directory): " + e.getMessage(), e);
        }
        LOG.warn("warning: no smtpd_tls_chain_files or smtpd_tls_cert_file configured: made the self-signed certificate {} for CN={}; "
                + "configure a real certificate for mail clients", file, hostname);
        return PemFiles.load("self-signed certificate", List.of(file));
    }

    private static void write(Path file, String hostname) throws IOException {
        String pem;
        try {
            pem = generate(hostname);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a certificate: " + e.getMessage(), e);
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("selfsigned.pem.tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(tmp + " appeared while writing it", e);
        }
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The PEM text: PKCS#8 private key, then the certificate. */
    static String generate(String hostname) throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new SecureRandom());
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        StringWriter sw = new StringWriter();
        try (Writer w = sw; JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null));
            pw.writeObject(cert);
        }
        return sw.toString();
    }
}
