// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentContext;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/** Which mail is signed with which key, from OpenDKIM's files or the simple form. */
class DkimSigningConfigTest {
    @TempDir
    Path dir;

    private static final RawMessage MSG = RawMessage.of(("From: Alice <alice@example.com>\r\nTo: b@example.net\r\nSubject: s\r\n\r\nbody\r\n")
            .getBytes(StandardCharsets.UTF_8));

    private static ContentContext ctx(String client, boolean trusted, String sasl) {
        return new ContentContext("QID", client, "unknown", "h", "alice@example.com", List.of("b@example.net"), sasl, trusted, null, List.of());
    }

    private Path key(String name, String type) throws Exception {
        KeyPair kp = DkimKeys.generate(type, 2048);
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, DkimKeys.toPem(kp.getPrivate()));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    private MainConfig cfg(String text) {
        return MainConfig.fromText(text, "main.cf", dir);
    }

    @Test
    void openDkimTablesChooseTheKeyAndInternalHostsWhoIsSigned() throws Exception {
        Path k = key("keys/example.com/mail.private", "rsa");
        Files.writeString(dir.resolve("KeyTable"), "mail._domainkey.example.com example.com:mail:" + k + "\n");
        Files.writeString(dir.resolve("SigningTable"), "*@example.com mail._domainkey.example.com\n");
        Files.writeString(dir.resolve("TrustedHosts"), "127.0.0.1\n10.0.0.0/8\n");
        DkimSigning s = DkimSigning.fromConfig(cfg("secumail_dkim_key_table = " + dir.resolve("KeyTable") + "\n"
                + "secumail_dkim_signing_table = refile:" + dir.resolve("SigningTable") + "\n"
                + "secumail_dkim_internal_hosts = " + dir.resolve("TrustedHosts") + "\n"), Clock.systemUTC());
        assertThat(s.appliesTo(ctx("10.1.2.3", false, null))).isTrue();
        assertThat(s.appliesTo(ctx("192.0.2.1", true, null))).as("mynetworks does not count when InternalHosts is set").isFalse();
        assertThat(s.appliesTo(ctx("192.0.2.1", false, "alice"))).as("authenticated users are always ours").isTrue();
        List<HeaderField> sig = s.sign(ctx("10.1.2.3", false, null), MSG);
        assertThat(sig).hasSize(1);
        assertThat(sig.get(0).value()).contains("d=example.com").contains("s=mail").contains("a=rsa-sha256");
        RawMessage other = RawMessage.of("From: x@other.org\r\n\r\nb\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(s.sign(ctx("10.1.2.3", false, null), other)).isEmpty();
    }

    @Test
    void simpleFormSignsSubdomainsOnlyWhenAsked() throws Exception {
        key("dkim/example.com/default.private", "ed25519");
        String base = "secumail_dkim_domains = example.com\nsecumail_dkim_key_directory = " + dir.resolve("dkim") + "\n";
        DkimSigning s = DkimSigning.fromConfig(cfg(base), Clock.systemUTC());
        RawMessage sub = RawMessage.of("From: a@lists.example.com\r\n\r\nb\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(s.sign(ctx("127.0.0.1", true, null), sub)).isEmpty();
        assertThat(s.sign(ctx("127.0.0.1", true, null), MSG)).singleElement().satisfies(h -> assertThat(h.value()).contains("a=ed25519-sha256"));
        DkimSigning withSub = DkimSigning.fromConfig(cfg(base + "secumail_dkim_subdomains = yes\n"), Clock.systemUTC());
        assertThat(withSub.sign(ctx("127.0.0.1", true, null), sub)).singleElement().satisfies(h -> assertThat(h.value()).contains("d=example.com"));
        assertThat(s.appliesTo(ctx("192.0.2.1", false, null))).as("relayed from outside: never signed").isFalse();
        assertThat(DkimSigning.fromConfig(cfg(""), Clock.systemUTC())).isNull();
    }

    @Test
    void missingKeysStopStartupNamingTheFile() throws Exception {
        assertThatThrownBy(() -> DkimSigning.fromConfig(cfg("secumail_dkim_domains = example.com\nsecumail_dkim_key_directory = "
                + dir.resolve("nokeys") + "\n"), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(dir.resolve("nokeys/example.com/default.private").toString());
        assertThatThrownBy(() -> DkimSigning.fromConfig(cfg("secumail_dkim_signing_table = /x\n"), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("go together");
        assertThatThrownBy(() -> DkimSigning.fromConfig(cfg("secumail_dkim_domains = example.com\nsecumail_dkim_canonicalization = loose\n"
                + "secumail_dkim_key_directory = " + dir + "\n"), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("loose");
    }
}
