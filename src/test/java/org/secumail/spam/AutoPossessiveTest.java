// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AutoPossessiveTest {
    @Test
    void repetitionsThatCannotGiveBackUsefullyBecomePossessive() {
        assertThat(AutoPossessive.apply("\\n(?:[^\\n]{1,100}\\n+)*To:", false)).isEqualTo("\\n(?:[^\\n]{1,100}+\\n+)*To:");
        assertThat(AutoPossessive.apply("a*b", false)).isEqualTo("a*+b");
        assertThat(AutoPossessive.apply("\\d+\\.\\d", false)).isEqualTo("\\d++\\.\\d");
        assertThat(AutoPossessive.apply("<[^<>]*>", false)).isEqualTo("<[^<>]*+>");
        assertThat(AutoPossessive.apply("x?y", false)).isEqualTo("x?+y");
        assertThat(AutoPossessive.apply("[a-z]+X", false)).isEqualTo("[a-z]++X");
        assertThat(AutoPossessive.apply("\\s{2,}\\S", false)).isEqualTo("\\s{2,}+\\S");
        // unchanged: the follower could take what was given back, is optional, or is not one character
        for (String same : new String[] {"a*a", "a*[ab]", "a*?b", "a*+b", "a{3}b", "a*b?", "a*b*", "a*(b)", "a*$", "a*\\bb",
                "a*|b", ".*x", "\\w+\\d", "a*\\1", "(?<=a{1,3}b)c", "[^a]*\\p{L}", "[a&&[b]]*c", "a*\\Qb\\E"}) {
            assertThat(AutoPossessive.apply(same, false)).as(same).isEqualTo(same);
        }
        assertThat(AutoPossessive.apply("[a-z]+X", true)).as("X folds to x").isEqualTo("[a-z]+X");
        assertThat(AutoPossessive.apply("[^a]+A", true)).as("[^a] under (?i) excludes A").isEqualTo("[^a]++A");
        assertThat(AutoPossessive.apply("(?x)a* a", false)).as("comments mode").isEqualTo("(?x)a* a");
    }

    /** The rewritten pattern finds the same matches, at the same places, as the original. */
    @Test
    void findsWhatTheOriginalFinds() {
        String[] atoms = {"a", "b", "x", "A", "[ab]", "[^a]", "[^\\n]", "\\n", "\\s", "\\S", "\\d", "\\w", "\\W", ".", "-", "[a-c]", "\\x41"};
        String[] quants = {"", "", "", "*", "+", "?", "{1,3}", "{2,}", "{0,2}", "*?", "{2}"};
        String[] texts = {"a", "b", "x", "A", "B", "ab", "aab", "\n", " ", "1", "-", "c", "aaa", "bb\n", "A\nb"};
        Random rnd = new Random(17);
        int rewritten = 0;
        int found = 0;
        for (int k = 0; k < 4000; k++) {
            StringBuilder re = new StringBuilder();
            for (int n = 1 + rnd.nextInt(4); n > 0; n--) {
                if (rnd.nextInt(8) == 0) re.append(rnd.nextBoolean() ? "|" : "(?:");
                re.append(atoms[rnd.nextInt(atoms.length)]).append(quants[rnd.nextInt(quants.length)]);
            }
            String original = re.toString();
            int open = original.length() - original.replace("(", "").length();
            original = original + ")".repeat(open);
            boolean fold = rnd.nextBoolean();
            String rewrite = AutoPossessive.apply(original, fold);
            if (!rewrite.equals(original)) rewritten++;
            Pattern a = Pattern.compile(original, fold ? Pattern.CASE_INSENSITIVE : 0);
            Pattern b = Pattern.compile(rewrite, fold ? Pattern.CASE_INSENSITIVE : 0);
            for (int t = 0; t < 6; t++) {
                StringBuilder sb = new StringBuilder();
                for (int n = rnd.nextInt(8); n > 0; n--) sb.append(texts[rnd.nextInt(texts.length)]);
                String text = sb.toString();
                Matcher x = a.matcher(text);
                Matcher y = b.matcher(text);
                while (true) {
                    boolean fx = x.find();
                    assertThat(y.find()).as(original + " -> " + rewrite + " on \"" + text + "\"").isEqualTo(fx);
                    if (!fx) break;
                    found++;
                    assertThat(y.start() + ":" + y.end()).as(original + " -> " + rewrite + " on \"" + text + "\"").isEqualTo(x.start() + ":" + x.end());
                }
            }
        }
        assertThat(rewritten).as("patterns rewritten").isGreaterThan(500);
        assertThat(found).as("matches compared").isGreaterThan(5000);
    }
}
