// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;

/** OpenDKIM's KeyTable, SigningTable and InternalHosts files, read as OpenDKIM reads them. */
class OpenDkimTablesTest {
    @TempDir
    Path dir;

    private OpenDkimDataset file(String name, String text, boolean regex) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return OpenDkimDataset.load((regex ? "refile:" : "") + p, null);
    }

    @Test
    void refileSigningTableTriesPatternsInOrder() throws Exception {
        SigningTable t = new SigningTable(file("SigningTable", """
                # OpenDKIM's usual layout
                *@example.com     mail._domainkey.example.com
                *@*.example.com   sub._domainkey.example.com
                *@example.org     org._domainkey.example.org
                *                 catchall
                """, true));
        assertThat(t.lookup("Alice@Example.COM", false)).containsExactly(new SigningTable.Match("mail._domainkey.example.com", null));
        assertThat(t.lookup("bob@lists.example.com", false)).extracting(SigningTable.Match::keyName).containsExactly("sub._domainkey.example.com");
        assertThat(t.lookup("bob@example.com", true)).extracting(SigningTable.Match::keyName)
                .containsExactly("mail._domainkey.example.com", "catchall");
        assertThat(t.lookup("x@other.net", false)).extracting(SigningTable.Match::keyName).containsExactly("catchall");
    }

    @Test
    void flatSigningTableUsesOpenDkimsLookupOrder() throws Exception {
        SigningTable t = new SigningTable(file("st", """
                .example.com       parent
                example.com        host
                ceo@example.com    ceo:ceo@example.com
                %                  ignored
                """, false));
        assertThat(t.lookup("ceo@example.com", false)).containsExactly(new SigningTable.Match("ceo", "ceo@example.com"));
        assertThat(t.lookup("other@example.com", false)).extracting(SigningTable.Match::keyName).containsExactly("host");
        assertThat(t.lookup("a@mail.example.com", false)).extracting(SigningTable.Match::keyName).containsExactly("parent");
        assertThat(t.lookup("a@example.net", false)).isEmpty();
        assertThat(SigningTable.keys("u", "foo.example.com")).containsExactly("u@foo.example.com", "foo.example.com",
                "u@.example.com", "u@.com", ".example.com", ".com", "u@*", "*");
    }

    @Test
    void keyTableEntriesAndErrors() throws Exception {
        KeyTable k = new KeyTable(file("KeyTable", """
                mail._domainkey.example.com example.com:mail:/etc/opendkim/keys/example.com/mail.private
                wild %:sel:./keys/%.private
                """, false));
        assertThat(k.get("MAIL._domainkey.example.com")).isEqualTo(new KeyTable.Entry("mail._domainkey.example.com", "example.com", "mail",
                "/etc/opendkim/keys/example.com/mail.private"));
        assertThat(k.get("wild").keyIsPath()).isTrue();
        assertThatThrownBy(() -> new KeyTable(file("bad", "name example.com:mail\n", false)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expected domain:selector:keyfile");
        assertThatThrownBy(() -> OpenDkimDataset.load("dsn:mysql://x/y", null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not supported");
        assertThatThrownBy(() -> OpenDkimDataset.load(dir.resolve("missing").toString(), null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read");
    }

    @Test
    void internalHostsPreferTheMostPreciseEntry() throws Exception {
        InternalHosts h = new InternalHosts(file("TrustedHosts", """
                127.0.0.1
                ::1
                localhost
                192.168.0.0/16
                !192.168.1.0/24
                192.168.1.7
                *.example.com
                !bad.example.com
                [2001:db8::1]
                """, false));
        assertThat(h.contains(InetAddress.getByName("127.0.0.1"), "unknown")).isTrue();
        assertThat(h.contains(InetAddress.getByName("192.168.5.5"), "unknown")).isTrue();
        assertThat(h.contains(InetAddress.getByName("192.168.1.5"), "unknown")).isFalse();
        assertThat(h.contains(InetAddress.getByName("192.168.1.7"), "unknown")).isTrue();
        assertThat(h.contains(InetAddress.getByName("203.0.113.9"), "mx.example.com")).isTrue();
        assertThat(h.contains(InetAddress.getByName("203.0.113.9"), "bad.example.com")).isFalse();
        assertThat(h.contains(InetAddress.getByName("203.0.113.9"), "unknown")).isFalse();
        assertThat(h.contains(InetAddress.getByName("2001:db8::1"), "unknown")).isTrue();
        assertThat(new InternalHosts(OpenDkimDataset.load("csl:10.0.0.0/8,host.example", null))
                .contains(InetAddress.getByName("10.1.2.3"), "unknown")).isTrue();
    }
}
