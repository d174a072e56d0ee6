// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/** PEM loading with keys and certificates generated at test time: RSA PKCS#1 and PKCS#8, EC, chains, bad files. */
class PemFilesTest {
    static TestPki pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws Exception {
        pki = new TestPki("mx.example.test");
    }

    @Test
    void rsaPkcs1KeyAndCertInSeparateFiles() throws Exception {
        Path cert = TestPki.write(dir, "cert.pem", TestPki.pem(pki.rsaCert, pki.ca));
        Path key = TestPki.write(dir, "key.pem", TestPki.pem(pki.rsaKeys.getPrivate()));
        assertThat(Files.readString(key)).contains("BEGIN RSA PRIVATE KEY");
        List<PemFiles.KeyAndChain> kc = PemFiles.load("test", List.of(cert, key));
        assertThat(kc).hasSize(1);
        assertThat(kc.get(0).algorithm()).isEqualTo("RSA");
        assertThat(kc.get(0).chain()).containsExactly(pki.rsaCert, pki.ca);
    }

    @Test
    void pkcs8KeyFollowedByChainInOneFileInAnyOrder() throws Exception {
        Path f = TestPki.write(dir, "all.pem", TestPki.pem(pki.ca, TestPki.pkcs8(pki.rsaKeys.getPrivate()), pki.rsaCert));
        assertThat(Files.readString(f)).contains("BEGIN PRIVATE KEY");
        List<PemFiles.KeyAndChain> kc = PemFiles.load("test", List.of(f));
        assertThat(kc.get(0).chain()).containsExactly(pki.rsaCert, pki.ca);
    }

    @Test
    void ecSec1AndPkcs8AndBothKeyTypesInChainFiles() throws Exception {
        Path ec1 = TestPki.write(dir, "ec1.pem", TestPki.pem(pki.ecKeys.getPrivate(), pki.ecCert, pki.ca));
        assertThat(Files.readString(ec1)).contains("BEGIN EC PRIVATE KEY");
        assertThat(PemFiles.load("test", List.of(ec1)).get(0).algorithm()).isEqualTo("EC");
        Path ec8 = TestPki.write(dir, "ec8.pem", TestPki.pem(TestPki.pkcs8(pki.ecKeys.getPrivate()), pki.ecCert));
        assertThat(PemFiles.load("test", List.of(ec8)).get(0).chain()).containsExactly(pki.ecCert);
        Path rsa = TestPki.write(dir, "rsa.pem", TestPki.pem(pki.rsaKeys.getPrivate(), pki.rsaCert, pki.ca));
        List<PemFiles.KeyAndChain> both = PemFiles.load("smtpd_tls_chain_files", List.of(rsa, ec1));
        assertThat(both).extracting(PemFiles.KeyAndChain::algorithm).containsExactly("RSA", "EC");
    }

    @Test
    void badFilesStopWithClearErrors() throws Exception {
        Path mismatch = TestPki.write(dir, "mismatch.pem", TestPki.pem(pki.rsaKeys.getPrivate(), pki.ca));
        assertThatThrownBy(() -> PemFiles.load("smtpd_tls_chain_files", List.of(mismatch)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not match any certificate");
        assertThatThrownBy(() -> PemFiles.load("smtpd_tls_chain_files", List.of(dir.resolve("missing.pem"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("smtpd_tls_chain_files: cannot read");
        Path garbage = TestPki.write(dir, "garbage.pem", "hello world\n");
        assertThatThrownBy(() -> PemFiles.load("smtpd_tls_cert_file", List.of(garbage)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no PEM data");
        JcaPKCS8Generator enc = new JcaPKCS8Generator(pki.rsaKeys.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("pw".toCharArray()).build());
        Path encrypted = TestPki.write(dir, "enc.pem", TestPki.pem(enc, pki.rsaCert));
        assertThatThrownBy(() -> PemFiles.load("smtpd_tls_key_file", List.of(encrypted)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("encrypted private keys are not supported");
        Path certOnly = TestPki.write(dir, "certonly.pem", TestPki.pem(pki.rsaCert));
        assertThatThrownBy(() -> PemFiles.load("smtpd_tls_cert_file", List.of(certOnly)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no private key");
    }

    @Test
    void serverTlsFromCertKeyAndEcParameters() throws Exception {
        Path cert = TestPki.write(dir, "cert.pem", TestPki.pem(pki.rsaCert, pki.ca));
        Path key = TestPki.write(dir, "key.pem", TestPki.pem(TestPki.pkcs8(pki.rsaKeys.getPrivate())));
        Path ec = TestPki.write(dir, "ec.pem", TestPki.pem(pki.ecKeys.getPrivate(), pki.ecCert));
        MainConfig cfg = MainConfig.fromText(String.join("\n", "smtpd_tls_security_level = may", "smtpd_tls_cert_file = " + cert,
                "smtpd_tls_key_file = " + key, "smtpd_tls_eccert_file = " + ec, ""), "main.cf", dir);
        ServerTls tls = ServerTls.fromConfig(cfg);
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.level).isEqualTo(ServerTls.Level.MAY);
        assertThat(tls.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
        MainConfig none = MainConfig.fromText("smtpd_tls_cert_file = " + cert + "\n", "main.cf", dir);
        assertThat(ServerTls.fromConfig(none).enabled()).as("level none by default").isFalse();
        MainConfig legacy = MainConfig.fromText("smtpd_enforce_tls = yes\nsmtpd_tls_chain_files = " + ec + "\n", "main.cf", dir);
        assertThat(ServerTls.fromConfig(legacy).level).isEqualTo(ServerTls.Level.ENCRYPT);
        MainConfig bad = MainConfig.fromText("smtpd_tls_security_level = verify\n", "main.cf", dir);
        assertThatThrownBy(() -> ServerTls.fromConfig(bad)).hasMessageContaining("smtpd_tls_security_level: bad value");
        // implicit TLS is mandatory TLS, whatever the level says (RFC 8314)
        MainConfig wrapper = MainConfig.fromText("smtpd_tls_wrappermode = yes\nsmtpd_tls_chain_files = " + ec + "\n", "main.cf", dir);
        assertThat(ServerTls.fromConfig(wrapper).level).isEqualTo(ServerTls.Level.ENCRYPT);
    }

    /** Key files as openssl(1) writes them (traditional PKCS#1 RSA, SEC1 EC with the curve, PKCS#8). */
    @Test
    void opensslWrittenKeys() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v openssl").start().waitFor() == 0
                || System.getenv("CI") != null, "openssl is not installed");
        String[][] cases = {
            {"rsa1", "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=mx.example.test -days 2 2>/dev/null"
                    + " && openssl rsa -in k.pem -traditional -out k1.pem 2>/dev/null && mv k1.pem k.pem", "BEGIN RSA PRIVATE KEY"},
            {"rsa8", "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=mx.example.test -days 2 2>/dev/null", "BEGIN PRIVATE KEY"},
            {"ec", "openssl ecparam -name prime256v1 -genkey -out k.pem && openssl req -x509 -new -key k.pem -out c.pem"
                    + " -subj /CN=mx.example.test -days 2 2>/dev/null", "BEGIN EC PRIVATE KEY"},
        };
        for (String[] c : cases) {
            Path d = Files.createDirectories(dir.resolve(c[0]));
            Process p = new ProcessBuilder("sh", "-c", c[1]).directory(d.toFile()).redirectErrorStream(true).start();
            assertThat(p.waitFor()).as(c[0] + ": " + new String(p.getInputStream().readAllBytes())).isZero();
            assertThat(Files.readString(d.resolve("k.pem"))).as(c[0]).contains(c[2]);
            List<PemFiles.KeyAndChain> kc = PemFiles.load("test", List.of(d.resolve("c.pem"), d.resolve("k.pem")));
            assertThat(kc).as(c[0]).hasSize(1);
            assertThat(kc.get(0).chain().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=mx.example.test");
        }
    }
}
