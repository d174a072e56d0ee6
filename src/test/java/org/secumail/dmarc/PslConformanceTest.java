// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every checkPublicSuffix line of publicsuffix.org's tests/test_psl.txt against the bundled list
 * (src/test/resources/dmarc/SOURCE.md): the expected registrable domain is the DMARC
 * organizational domain (RFC 7489 section 3.2).
 */
class PslConformanceTest {
    private static final Pattern LINE = Pattern.compile(
            "^checkPublicSuffix\\((null|'[^']*'), (null|'[^']*')\\);$");
    private static final PublicSuffixList PSL = PublicSuffixList.bundled();

    record Case(String input, String expected, int line) { }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = PslConformanceTest.class.getResourceAsStream("/dmarc/psl/test_psl.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                Matcher m = LINE.matcher(lines[i].strip());
                if (m.matches()) out.add(new Case(unquote(m.group(1)), unquote(m.group(2)), i + 1));
            }
        }
        return out;
    }

    private static String unquote(String s) {
        return s.equals("null") ? null : s.substring(1, s.length() - 1);
    }

    @Test
    void theWholeFileIsRead() throws IOException {
        // 98 lines, of which 4 are commented-out cases ("local"), comments and blank lines
        assertThat(cases()).hasSize(78);
        assertThat(PSL.size()).isGreaterThan(9000);
    }

    @TestFactory
    Stream<DynamicTest> everyLinePasses() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest("line " + c.line() + ": " + c.input(),
                () -> assertThat(PSL.registrableDomain(c.input())).isEqualTo(c.expected())));
    }
}
