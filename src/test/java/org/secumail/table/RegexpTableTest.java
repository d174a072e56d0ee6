// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;

class RegexpTableTest {
    @TempDir
    Path dir;

    private LookupTable table(String type, String text) throws Exception {
        Path p = Files.createTempFile(dir, "t", "." + type);
        Files.writeString(p, text);
        return Tables.open(type + ":" + p, dir);
    }

    @Test
    void manPageAccessExample() throws Exception {
        // regexp_table(5) EXAMPLE SMTPD ACCESS MAP
        String text = """
                # Disallow sender-specified routing. This is a must if you relay mail
                # for other domains.
                /[%!@].*[%!@]/       550 Sender-specified routing rejected

                # Postmaster is OK, that way they can talk to us about how to fix
                # their problem.
                /^postmaster@/       OK

                # Protect your outgoing majordomo exploders
                if !/^owner-/
                /^(.*)-outgoing@(.*)$/  550 Use ${1}@${2} instead
                endif
                """;
        for (String type : new String[] {"regexp", "pcre"}) {
            LookupTable t = table(type, text);
            assertThat(t.matchesWholeInput()).isTrue();
            assertThat(t.lookup("user%other@example.com")).as(type).contains("550 Sender-specified routing rejected");
            assertThat(t.lookup("PostMaster@example.com")).as(type).contains("OK");
            assertThat(t.lookup("list-outgoing@example.com")).as(type).contains("550 Use list@example.com instead");
            assertThat(t.lookup("owner-list-outgoing@example.com")).as(type).isEmpty();
            assertThat(t.lookup("user@example.com")).as(type).isEmpty();
        }
    }

    @Test
    void headerChecksExampleAndFlags() throws Exception {
        LookupTable t = table("regexp", """
                /^Subject: make money fast/     REJECT
                /^To: friend@public\\.com/       REJECT
                /^X-Case: Exact/i               WARN case-sensitive
                /^X-Multi: a$/m                 WARN multi-line
                /^X-Dot: a.b/                   WARN dot-newline
                """);
        assertThat(t.lookup("subject: MAKE MONEY FAST now")).contains("REJECT");
        assertThat(t.lookup("To: friend@public.com")).contains("REJECT");
        assertThat(t.lookup("To: friend@publicXcom")).isEmpty();
        assertThat(t.lookup("X-Case: Exact")).contains("WARN case-sensitive");
        assertThat(t.lookup("X-Case: exact")).isEmpty();
        assertThat(t.lookup("X-Multi: a\n\tb")).contains("WARN multi-line");
        // POSIX without REG_NEWLINE: '.' matches a newline of a folded header.
        assertThat(t.lookup("X-Dot: a\nb")).contains("WARN dot-newline");
    }

    @Test
    void pcreFlagsAndSubstitution() throws Exception {
        LookupTable t = table("pcre", """
                /^a.b$/s            dot-not-newline
                /^(x) (y)
                  (z)$/x            extended $3$2$1 $$ ${1}0 $(2)
                /^Case$/i           sensitive
                /anchored/A         starts
                /(opt)?tail/        [$1]
                /[[:digit:]]{3}/    three digits
                """);
        assertThat(t.lookup("a\nb")).isEmpty();
        assertThat(t.lookup("a-b")).contains("dot-not-newline");
        assertThat(t.lookup("x y z")).isEmpty();
        assertThat(t.lookup("xyz")).contains("extended zyx $ x0 y");
        assertThat(t.lookup("Case")).contains("sensitive");
        assertThat(t.lookup("case")).isEmpty();
        assertThat(t.lookup("anchored here")).contains("starts");
        assertThat(t.lookup("not anchored")).isEmpty();
        assertThat(t.lookup("a tail")).contains("[]");
        assertThat(t.lookup("opttail")).contains("[opt]");
        assertThat(t.lookup("abc123")).contains("three digits");
        assertThat(t.lookup("digit")).isEmpty();
    }

    @Test
    void negationTwoPatternFormOtherDelimitersAndNestedIf() throws Exception {
        LookupTable t = table("regexp", """
                !/@/                       no at sign
                /^(.*)@example\\.com$/!/^admin@/   local $1
                |^/var/|                    path
                IF /\\.org$/
                if !/^list-/
                /./                        org person
                endif
                /./                        org list
                ENDIF
                """);
        assertThat(t.lookup("plain")).contains("no at sign");
        assertThat(t.lookup("bob@example.com")).contains("local bob");
        assertThat(t.lookup("admin@example.com")).isEmpty();
        assertThat(t.lookup("/var/x@y")).contains("path");
        assertThat(t.lookup("a@b.org")).contains("org person");
        assertThat(t.lookup("list-a@b.org")).contains("org list");
    }

    @Test
    void inlineForm() throws Exception {
        LookupTable t = Tables.open("pcre:{ {/^a/ starts with a}, {/b$/ ends with b} }", dir);
        assertThat(t.lookup("abc")).contains("starts with a");
        assertThat(t.lookup("xb")).contains("ends with b");
        assertThat(t.lookup("x")).isEmpty();
        assertThat(Tables.open("regexp:{ {!/x/ no x} }", dir).lookup("abc")).contains("no x");
    }

    @Test
    void badRulesNameFileAndLine() {
        assertThatThrownBy(() -> table("regexp", "/ok/ OK\n/unclosed OK\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(", line 2: no closing regexp delimiter \"/\"");
        assertThatThrownBy(() -> table("regexp", "/a/q OK\n")).hasMessageContaining("line 1: unknown regexp option \"q\"");
        assertThatThrownBy(() -> table("regexp", "/a/x OK\n")).hasMessageContaining("POSIX basic syntax");
        assertThatThrownBy(() -> table("pcre", "/a/U OK\n")).hasMessageContaining("pcre option \"U\"");
        assertThatThrownBy(() -> table("pcre", "/(a/ OK\n")).hasMessageContaining("line 1: error in regexp \"(a\"");
        assertThatThrownBy(() -> table("pcre", "/(a)/ $2\n")).hasMessageContaining("out of range replacement index \"2\"");
        assertThatThrownBy(() -> table("pcre", "!/(a)/ $1\n")).hasMessageContaining("$number found in negative match");
        assertThatThrownBy(() -> table("pcre", "/(a)/ ${name}\n")).hasMessageContaining("non-numeric replacement index");
        assertThatThrownBy(() -> table("regexp", "if /a/\n/b/ x\n")).hasMessageContaining("line 1: IF has no matching ENDIF");
        assertThatThrownBy(() -> table("regexp", "endif\n")).hasMessageContaining("ENDIF without matching IF");
        assertThatThrownBy(() -> table("regexp", "if /a/ extra\nendif\n")).hasMessageContaining("text after IF");
    }

    @Test
    void posixClassTranslation() {
        assertThat(RegexpRuleParser.translatePosixClasses("[[:alpha:]_][[:^digit:]]")).isEqualTo("[\\p{Alpha}_][\\P{Digit}]");
        assertThat(RegexpRuleParser.translatePosixClasses("[]a][:x:]")).isEqualTo("[\\]a][:x:]");
        assertThat(RegexpRuleParser.translatePosixClasses("\\[[:space:]")).isEqualTo("\\[[:space:]");
    }
}
