// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StartCharsTest {
    private static StartChars of(String perl) {
        return StartChars.of(PerlRegex.compileDelimited(perl));
    }

    @Test
    void theCharactersAMatchCanBeginWith() {
        StartChars v = of("/viagra/i");
        assertThat(v.canStart('v')).isTrue();
        assertThat(v.canStart('V')).isTrue();
        assertThat(v.canStart('x')).isFalse();
        assertThat(v.canStart('\u0416')).isFalse();

        StartChars fuzzy = of("/(?=[il1|])(?!important)[il1|](?:[mn]|rn)port/i");
        for (char c : "iIlL1|".toCharArray()) assertThat(fuzzy.canStart(c)).as(String.valueOf(c)).isTrue();
        assertThat(fuzzy.canStart('m')).isFalse();

        StartChars word = of("/(?:^|\\s)(?:y[o0]ur|th[e3])\\spass/i");
        for (char c : " \t\n".toCharArray()) assertThat(word.canStart(c)).as(String.valueOf(c)).isTrue();
        assertThat(word.canStart('y')).as("^ alone: only position 0").isFalse();
        assertThat(word.next("your pass", 0)).isZero();
        assertThat(word.next("xyour-pass", 1)).isEqualTo(-1);
        StartChars lines = of("/(?:^|\\s)your/im");
        assertThat(lines.next("x\nyour", 1)).as("MULTILINE: after every line end").isEqualTo(1);   // the LF itself is \\s
        assertThat(lines.next("x\ryour", 2)).as("MULTILINE: after every line end").isEqualTo(2);
        assertThat(lines.next("xyour", 1)).isEqualTo(-1);

        assertThat(of("/x?y*z/").canStart('x')).isTrue();
        assertThat(of("/x?y*z/").canStart('z')).isTrue();
        assertThat(of("/x[^a].\\W/").canStart('x')).as("what follows the first required atom is not needed").isTrue();
        assertThat(of("/caf\\xe9|\\x{2603}/").canStart('\u2603')).isTrue();
    }

    @Test
    void aLeadingCaretMakesTheStartsOfLinesTheCandidates() {
        StartChars line = of("/^[^\\r\\n]{998}/m");
        assertThat(line).as("whatever follows the anchor").isNotNull();
        String text = "ab\ncd\r\nef\u2028g";
        StringBuilder got = new StringBuilder();
        for (int pos = line.next(text, 0); pos >= 0; pos = line.next(text, pos + 1)) got.append(pos).append(' ');
        assertThat(got.toString()).isEqualTo("0 3 6 7 10 ");
        StartChars start = of("/^[^\\r\\n]{998}/");
        assertThat(start.next(text, 0)).isZero();
        assertThat(start.next(text, 1)).as("without MULTILINE: position 0 only").isEqualTo(-1);
    }

    @Test
    void noFilterWhereItWouldBeWrongOrUseless() {
        assertThat(of("/a?/")).as("matches the empty string").isNull();
        assertThat(of("/^/m")).as("an anchor alone matches the empty string").isNull();
        assertThat(of("/^a?$/m")).isNull();
        assertThat(of("/\\A\\s*/")).isNull();
        assertThat(of("/\\b/")).isNull();
        assertThat(of("/(?=viagra)/")).isNull();
        assertThat(of("/.foo/")).isNull();
        assertThat(of("/[^a]b/")).isNull();
        assertThat(of("/\\Wfoo/")).isNull();
        assertThat(of("/\\Gfoo/")).isNull();
        assertThat(of("/\\w+ing/")).as("most letters").isNull();
        assertThat(of("/[a-z]{3}x/i")).isNull();
        assertThat(of("/ v i a g r a /x")).isNull();
    }

    @Test
    void tryingOnlyTheCandidatesFindsWhatFindFinds() {
        String[] patterns = {"/(?:^|\\s)you\\b/i", "/(?<=\\s)fr[e3]{2}\\b/i", "/\\bcl[i1!]ck\\s+h[e3]re/i", "/(?=[il])(?!lo)[il][o0]/i", "/^Dear/m", "/ab|b/", "/(?:^|\\s)(?:y[o0]u|dear)\\b/i", "/^(?:free|you)/i",
            "/^Dear.*?^YOU/msi", "/^[^\\r\\n]{5}/m", "/^\\s?\\S{1,6}\\s?$/m", "/\\Afree/i", "/^\\s*ab|b$/m"};
        String text = "Free  you\nclick here   frEE, you? iou lo il0 Dear\nDear ab b YOU";
        for (String perl : patterns) {
            Pattern p = PerlRegex.compileDelimited(perl);
            StartChars sc = StartChars.of(p);
            assertThat(sc).as(perl).isNotNull();
            Matcher all = p.matcher(text);
            Matcher some = p.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            int from = 0;
            while (all.find()) {
                int pos = sc.next(text, from);
                while (pos >= 0 && !some.region(pos, text.length()).lookingAt()) pos = sc.next(text, pos + 1);
                assertThat(pos).as(perl).isEqualTo(all.start());
                assertThat(some.end()).as(perl).isEqualTo(all.end());
                from = some.end();
            }
            int pos = sc.next(text, from);
            while (pos >= 0 && !some.region(pos, text.length()).lookingAt()) pos = sc.next(text, pos + 1);
            assertThat(pos).as(perl + ": no match after the last").isEqualTo(-1);
        }
    }
}
