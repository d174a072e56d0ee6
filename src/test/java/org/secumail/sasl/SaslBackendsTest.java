// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

class SaslBackendsTest {
    @TempDir
    Path dir;

    private MainConfig cfg(String text) {
        return MainConfig.fromText(text, "main.cf", dir);
    }

    @Test
    void defaultIsTheBuiltInPasswdFileInTheConfigDirectory() throws Exception {
        Files.writeString(dir.resolve("passwd"), "alice@example.test:{PLAIN}pw\n");
        try (SaslBackend b = SaslBackends.open(cfg(""))) {
            assertThat(b).isInstanceOf(PasswdFileBackend.class);
            assertThat(((PasswdFileBackend) b).file().path()).isEqualTo(dir.toAbsolutePath().normalize().resolve("passwd"));
            assertThat(SaslDriver.plain(b, "", "alice@example.test", "pw")).isEqualTo(new SaslStep.Success("alice@example.test"));
        }
        try (SaslBackend b = SaslBackends.open(cfg("secumail_sasl_passwd_file = " + dir.resolve("other")))) {
            assertThat(((PasswdFileBackend) b).file().path()).isEqualTo(dir.resolve("other"));
        }
    }

    @Test
    void dovecotPaths() throws Exception {
        try (SaslBackend b = SaslBackends.open(cfg("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\nqueue_directory = /var/spool/x\n"))) {
            assertThat(((DovecotBackend) b).endpoint()).isEqualTo("/var/spool/x/private/auth");
        }
        try (SaslBackend b = SaslBackends.open(cfg("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = inet:127.0.0.1:12345\n"))) {
            assertThat(((DovecotBackend) b).endpoint()).isEqualTo("inet:127.0.0.1:12345");
        }
        try (SaslBackend b = SaslBackends.open(cfg("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = /run/dovecot/auth-client\n"))) {
            assertThat(((DovecotBackend) b).endpoint()).isEqualTo("/run/dovecot/auth-client");
        }
        assertThatThrownBy(() -> SaslBackends.open(cfg("smtpd_sasl_type = dovecot\nsmtpd_sasl_path = inet:127.0.0.1\n")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void cyrusAndUnknownTypesStopStartup() {
        assertThatThrownBy(() -> SaslBackends.open(cfg("smtpd_sasl_type = cyrus\n"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cyrus is not supported").hasMessageContaining("dovecot").hasMessageContaining("secumail");
        assertThatThrownBy(() -> SaslBackends.open(cfg("smtpd_sasl_type = ldap\n"))).isInstanceOf(ConfigException.class);
    }
}
