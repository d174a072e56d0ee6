// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;

class CidrTableTest {
    @TempDir
    Path dir;

    private LookupTable cidr(String text) throws Exception {
        Path p = Files.createTempFile(dir, "t", ".cidr");
        Files.writeString(p, text);
        return Tables.open("cidr:" + p, dir);
    }

    @Test
    void manPageExampleFirstMatchWins() throws Exception {
        // cidr_table(5) EXAMPLE SMTPD ACCESS MAP
        LookupTable t = cidr("""
                # Rule order matters. Put more specific allowlist entries
                # before more general denylist entries.
                192.168.1.1             OK
                192.168.0.0/16          REJECT
                2001:db8::1             OK
                2001:db8::/32           REJECT
                """);
        assertThat(t.matchesWholeInput()).isTrue();
        assertThat(t.lookup("192.168.1.1")).contains("OK");
        assertThat(t.lookup("192.168.7.3")).contains("REJECT");
        assertThat(t.lookup("10.0.0.1")).isEmpty();
        assertThat(t.lookup("2001:db8::1")).contains("OK");
        assertThat(t.lookup("2001:DB8:0:0:0:0:0:1")).contains("OK");
        assertThat(t.lookup("2001:db8:5::1")).contains("REJECT");
        assertThat(t.lookup("2001:db9::1")).isEmpty();
        assertThat(t.lookup("not-an-address")).isEmpty();
        assertThat(t.lookup("")).isEmpty();
    }

    @Test
    void ifEndifBlocksWithNegationNestingAndBrackets() throws Exception {
        LookupTable t = cidr("""
                if 192.168.0.0/16
                192.168.1.1             OK
                if !192.168.2.0/24
                192.168.0.0/16          REJECT
                endif
                ENDIF
                [2001:db8::]/32         550 v6 networks are
                    not welcome
                [2001:db9::/32]         DUNNO
                0.0.0.0/0               DEFER_IF_PERMIT
                """);
        assertThat(t.lookup("192.168.1.1")).contains("OK");
        assertThat(t.lookup("192.168.3.1")).contains("REJECT");
        assertThat(t.lookup("192.168.2.1")).contains("DEFER_IF_PERMIT");
        assertThat(t.lookup("2001:db8::7")).contains("550 v6 networks are    not welcome");
        assertThat(t.lookup("2001:db9::7")).contains("DUNNO");
        assertThat(t.lookup("2001:dba::7")).isEmpty();
        assertThat(t.lookup("203.0.113.1")).contains("DEFER_IF_PERMIT");
    }

    @Test
    void badLinesNameFileAndLine() throws Exception {
        assertThatThrownBy(() -> cidr("# ok\n10.0.0.1/8 REJECT\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(", line 2: non-null host address bits in \"10.0.0.1/8\", perhaps you should use \"10.0.0.0/8\" instead");
        assertThatThrownBy(() -> cidr("10.0.0.0/8\n")).hasMessageContaining("line 1: no lookup result");
        assertThatThrownBy(() -> cidr("example.com OK\n")).hasMessageContaining("line 1: bad address pattern");
        assertThatThrownBy(() -> cidr("10.0.0.0/40 OK\n")).hasMessageContaining("line 1: bad net/mask pattern");
        assertThatThrownBy(() -> cidr("if 10.0.0.0/8\n10.1.0.0/16 OK\n")).hasMessageContaining("line 1: IF has no matching ENDIF");
        assertThatThrownBy(() -> cidr("endif\n")).hasMessageContaining("line 1: ENDIF without matching IF");
    }

    @Test
    void inlineForm() throws Exception {
        LookupTable t = Tables.open("cidr:{ {192.0.2.0/24 REJECT spam source}, {0.0.0.0/0 OK} }", dir);
        assertThat(t.lookup("192.0.2.9")).contains("REJECT spam source");
        assertThat(t.lookup("198.51.100.1")).contains("OK");
        assertThatThrownBy(() -> Tables.open("cidr:{ {192.0.2.1/24 REJECT} }", dir))
                .hasMessageContaining("cidr:{ {192.0.2.1/24 REJECT} }, line 1: non-null host address bits");
    }
}
