// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

class DomainMatchListTest {
    @TempDir
    Path dir;

    private DomainMatchList list(String value, boolean parent) {
        return DomainMatchList.of(MainConfig.splitList(value), parent, dir);
    }

    @Test
    void mydestinationStyleNamesDoNotMatchSubdomains() throws Exception {
        DomainMatchList l = list("mx.example.com, localhost.example.com, localhost", false);
        assertThat(l.matches("MX.Example.COM")).isTrue();
        assertThat(l.matches("mx.example.com.")).isTrue();
        assertThat(l.matches("localhost")).isTrue();
        assertThat(l.matches("sub.mx.example.com")).isFalse();
        assertThat(l.matches("example.com")).isFalse();
        assertThat(l.matches("")).isFalse();
    }

    @Test
    void dotPatternsMatchSubdomainsOnlyWithoutParentMatching() throws Exception {
        DomainMatchList noParent = list(".example.com", false);
        assertThat(noParent.matches("a.example.com")).isTrue();
        assertThat(noParent.matches("a.b.example.com")).isTrue();
        assertThat(noParent.matches("example.com")).isFalse();
        // Postfix's match_hostname(): with parent matching, ".example.com" matches nothing else.
        assertThat(list(".example.com", true).matches("a.example.com")).isFalse();
    }

    @Test
    void relayDomainsStyleParentMatchingAndNegation() throws Exception {
        DomainMatchList l = list("!private.example.com example.com, example.org.", true);
        assertThat(l.matches("example.com")).isTrue();
        assertThat(l.matches("mail.example.com")).isTrue();
        assertThat(l.matches("private.example.com")).isFalse();
        assertThat(l.matches("x.private.example.com")).isFalse();
        assertThat(l.matches("badexample.com")).isFalse();
        assertThat(l.matches("sub.example.org")).isTrue();
        assertThat(l.matches("example.net")).isFalse();
        assertThat(list("", true).isEmpty()).isTrue();
    }

    @Test
    void tablesAreLookedUpWithParentDomains() throws Exception {
        Files.writeString(dir.resolve("relay"), "example.com OK\n.example.net OK\n");
        DomainMatchList parent = list("hash:relay", true);
        assertThat(parent.matches("example.com")).isTrue();
        assertThat(parent.matches("a.b.example.com")).isTrue();
        assertThat(parent.matches("a.example.net")).isFalse();
        DomainMatchList noParent = list("hash:relay", false);
        assertThat(noParent.matches("example.com")).isTrue();
        assertThat(noParent.matches("a.example.com")).isFalse();
        assertThat(noParent.matches("a.example.net")).isTrue();
        // A regexp table sees the whole domain only.
        DomainMatchList re = list("regexp:{ {/^example\\.org$/ OK} }", true);
        assertThat(re.matches("example.org")).isTrue();
        assertThat(re.matches("a.example.org")).isFalse();
        assertThat(list("!inline:{ bad.example=x } inline:{ example=x }", true).matches("bad.example")).isFalse();
        assertThat(list("!inline:{ bad.example=x } inline:{ example=x }", true).matches("good.example")).isTrue();
    }

    @Test
    void filePatternsAndFailures() throws Exception {
        Path f = dir.resolve("domains");
        Files.writeString(f, "# relay for these\none.example, two.example\n  three.example\n!four.example\n");
        DomainMatchList l = list(f + " four.example", false);
        assertThat(l.matches("one.example")).isTrue();
        assertThat(l.matches("three.example")).isTrue();
        assertThat(l.matches("four.example")).isFalse();
        assertThat(list("!" + f, false).matches("two.example")).isFalse();

        assertThatThrownBy(() -> list("/nonexistent/secumail/domains", true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/nonexistent/secumail/domains");
        assertThatThrownBy(() -> list("!", true)).hasMessageContaining("no pattern after '!'");
        assertThatThrownBy(() -> list("foo:bar", true)).hasMessage("unsupported dictionary type: foo in \"foo:bar\"");
        DomainMatchList failing = DomainMatchList.of(List.of("fail:relay"), true, dir);
        assertThatThrownBy(() -> failing.matches("example.com")).isInstanceOf(LookupException.class);
    }
}
