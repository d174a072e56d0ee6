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

class TablesTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void postmapFormatWithCommentsContinuationAndCaseFolding() throws Exception {
        write("access", """
                # access(5) example, in spirit
                1.2.3   REJECT
                1.2.3.4 OK
                Spammer@Example.COM  550 Go away,
                    and stay away
                example.net     OK

                "a b"@example.org  DISCARD
                """);
        LookupTable t = Tables.open("texthash:access", dir);
        assertThat(t.spec()).isEqualTo("texthash:" + dir.resolve("access"));
        assertThat(t.matchesWholeInput()).isFalse();
        assertThat(t.lookup("1.2.3")).contains("REJECT");
        assertThat(t.lookup("spammer@example.com")).contains("550 Go away,    and stay away");
        assertThat(t.lookup("SPAMMER@EXAMPLE.COM")).contains("550 Go away,    and stay away");
        assertThat(t.lookup("\"a b\"@example.org")).contains("DISCARD");
        assertThat(t.lookup("# access(5)")).isEmpty();
        assertThat(t.lookup("unknown")).isEmpty();
        // The access(5) example: the client 1.2.3.4 is OK, the rest of 1.2.3 is rejected.
        assertThat(AccessKeys.find(t, AccessKeys.forClientAddress("1.2.3.4"))).contains("OK");
        assertThat(AccessKeys.find(t, AccessKeys.forClientAddress("1.2.3.5"))).contains("REJECT");
        assertThat(AccessKeys.find(t, AccessKeys.forClientAddress("1.2.4.5"))).isEmpty();
        assertThat(AccessKeys.find(t, AccessKeys.forEmail("anyone@mail.example.net", "", true))).contains("OK");
    }

    @Test
    void duplicateKeysKeepTheFirstValue() throws Exception {
        write("dups", "key first\nKEY second\n");
        assertThat(Tables.open("texthash:dups", dir).lookup("key")).contains("first");
    }

    @Test
    void malformedPostmapLinesNameFileAndLine() throws Exception {
        write("bad", "good value\nlonely\n");
        assertThatThrownBy(() -> Tables.open("texthash:bad", dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve("bad") + ", line 2: expected format: key whitespace value");
        write("aliaslike", "root:\n");
        assertThatThrownBy(() -> Tables.open("hash:aliaslike", dir)).hasMessageContaining("is this an alias file?");
        // postmap only warns about "key: value" records and stores the key with its colon.
        write("aliaslike2", "root: admin\n");
        assertThat(Tables.open("hash:aliaslike2", dir).lookup("root:")).contains("admin");
        write("orphan", "   starts with space\n");
        assertThatThrownBy(() -> Tables.open("texthash:orphan", dir)).hasMessageContaining("line 1: logical line must not start with whitespace");
    }

    @Test
    void indexedTypesReadTheTextSourceAndAliasesFormat() throws Exception {
        Path aliases = write("aliases", """
                # /etc/aliases
                postmaster: root
                Root: admin@example.com,
                    \\admin, "|/usr/bin/handler"
                "odd name" : /var/mail/odd
                """);
        for (String type : List.of("hash", "btree", "lmdb", "dbm", "sdbm", "cdb")) {
            LookupTable t = Tables.open(type + ":" + aliases, dir, true);
            assertThat(t.lookup("postmaster")).as(type).contains("root");
            assertThat(t.lookup("root")).as(type).contains("admin@example.com,    \\admin, \"|/usr/bin/handler\"");
            assertThat(t.lookup("odd name")).as(type).contains("/var/mail/odd");
        }
        write("badaliases", "just words\n");
        assertThatThrownBy(() -> Tables.open("hash:badaliases", dir, true)).hasMessageContaining("line 1: need name:value pair");
    }

    @Test
    void tablesAreCachedBySpecAndFormat() throws Exception {
        write("map", "a: b\n");
        LookupTable first = Tables.open("hash:map", dir);
        assertThat(Tables.open("hash:" + dir.resolve("map"), dir)).isSameAs(first);
        assertThat(Tables.open("proxy:hash:map", dir)).isSameAs(first);
        write("map", "a: changed\n");
        assertThat(Tables.open("hash:map", dir).lookup("a:")).contains("b");
        LookupTable asAliases = Tables.open("hash:map", dir, true);
        assertThat(asAliases).isNotSameAs(first);
        assertThat(asAliases.lookup("a")).contains("changed");
        assertThat(Tables.open("texthash:map", dir)).isNotSameAs(first);
        Tables.clearCache();
        assertThat(Tables.open("hash:map", dir).lookup("a:")).contains("changed");
    }

    @Test
    void inlineAndStatic() throws Exception {
        LookupTable in = Tables.open("inline:{ Key1=value1, { key2 = value with spaces }, k3= }", dir);
        assertThat(in.lookup("key1")).contains("value1");
        assertThat(in.lookup("KEY2")).contains("value with spaces");
        assertThat(in.lookup("k3")).contains("");
        assertThat(in.lookup("key4")).isEmpty();
        assertThatThrownBy(() -> Tables.open("inline:{ novalue }", dir)).hasMessageContaining("need \"name=value\" instead of \"novalue\"");
        assertThatThrownBy(() -> Tables.open("inline:{ a=b, {c=d }", dir)).isInstanceOf(ConfigException.class);

        assertThat(Tables.open("static:OK", dir).lookup("anything")).contains("OK");
        assertThat(Tables.open("static:{ 550 no thanks }", dir).lookup("x")).contains("550 no thanks");
    }

    @Test
    void failTableFailsTemporarily() {
        LookupTable f = Tables.open("fail:test", dir);
        assertThatThrownBy(() -> f.lookup("x")).isInstanceOf(LookupException.class).hasMessageContaining("fail:test");
    }

    @Test
    void unixPasswdTable() throws Exception {
        Path passwd = write("passwd", """
                root:x:0:0:root:/root:/bin/bash
                alice:x:1000:1000:Alice:/home/alice:/bin/sh
                +nisuser::::::
                alice:x:2000:2000:Second:/tmp:/bin/false
                """);
        UnixTable t = new UnixTable("unix:passwd.byname", passwd);
        assertThat(t.lookup("alice")).contains("alice:x:1000:1000:Alice:/home/alice:/bin/sh");
        assertThat(t.lookup("ALICE")).contains("alice:x:1000:1000:Alice:/home/alice:/bin/sh");
        assertThat(t.lookup("bob")).isEmpty();
        assertThat(t.lookup("+nisuser")).isEmpty();
        Files.writeString(passwd, "bob:x:1001:1001::/home/bob:/bin/sh\nroot:x:0:0:root:/root:/bin/bash\n");
        assertThat(t.lookup("bob")).isPresent();
        assertThat(t.lookup("alice")).isEmpty();

        assertThat(Tables.open("proxy:unix:passwd.byname", dir).spec()).isEqualTo("unix:passwd.byname");
        assertThatThrownBy(() -> Tables.open("unix:shadow.byname", dir)).hasMessageContaining("unix:shadow.byname");
    }

    @Test
    void unknownTypesMissingFilesAndBadSpecs() {
        assertThatThrownBy(() -> Tables.open("foo:bar", dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unsupported dictionary type: foo in \"foo:bar\"");
        assertThatThrownBy(() -> Tables.open("hash:/nonexistent/secumail/access", dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("/nonexistent/secumail/access");
        assertThatThrownBy(() -> Tables.open("cidr:missing.cidr", dir)).hasMessageContaining(dir.resolve("missing.cidr").toString());
        assertThatThrownBy(() -> Tables.open("noColon", dir)).hasMessageContaining("type:name");
        assertThatThrownBy(() -> Tables.open("hash:", dir)).hasMessageContaining("missing table name");
    }

    @Test
    void looksLikeTable() {
        assertThat(Tables.looksLikeTable("hash:/etc/postfix/relay")).isTrue();
        assertThat(Tables.looksLikeTable("inline:{a=b}")).isTrue();
        assertThat(Tables.looksLikeTable("cdb:/etc/postfix/relay")).isTrue();
        assertThat(Tables.looksLikeTable("[::1]/128")).isFalse();
        assertThat(Tables.looksLikeTable("2001:db8::/32")).isFalse();
        assertThat(Tables.looksLikeTable("dead:beef::/32")).isFalse();
        assertThat(Tables.looksLikeTable("example.com")).isFalse();
    }
}
