// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AutomatonPrefilterTest {
    private static AutomatonPrefilter of(String perl) {
        return AutomatonPrefilter.of(PerlRegex.compileDelimited(perl));
    }

    @Test
    void noIsCertainAndMaybeWhereAMatchIs() {
        AutomatonPrefilter v = of("/\\bv[i1!]agra\\b/i");
        assertThat(v).isNotNull();
        assertThat(v.mayMatch("hello world, nothing to see")).isFalse();
        assertThat(v.mayMatch("buy V1AGRA now")).isTrue();
        assertThat(v.mayMatch("viagr")).isFalse();

        AutomatonPrefilter form = of("/(?:(?:your\\s)?(?:name|address|phone)[\\s:]{1,5}){3}/i");
        assertThat(form.mayMatch("Your Name: Your Address: Phone: ")).isTrue();
        assertThat(form.mayMatch("name: address: and then nothing")).as("three in a row needed").isFalse();

        AutomatonPrefilter money = of("/(?:^|\\s)(?:pay\\s+me|send\\s(?:to\\s)?me)\\s\\d+/i");
        assertThat(money.mayMatch("please PAY  ME 500 dollars")).isTrue();
        assertThat(money.mayMatch("pay me later")).isFalse();
        assertThat(money.mayMatch("pay me \u00e9 500")).as("not US-ASCII: always maybe").isTrue();

        AutomatonPrefilter atEnd = of("/(?:blank|form)[ :]+$/");
        assertThat(atEnd.mayMatch("name: blank: ")).isTrue();
        assertThat(atEnd.mayMatch("name: blank: \n")).as("before a final line end").isTrue();
        assertThat(atEnd.mayMatch("blank: and more")).as("a final $ where the text goes on").isFalse();
        assertThat(of("/blank:$/m").mayMatch("blank:\nmore")).as("MULTILINE: before any line end").isTrue();
    }

    @Test
    void noAutomatonForWhatItCannotModel() {
        assertThat(AutomatonPrefilter.of(Pattern.compile("a b", Pattern.COMMENTS))).isNull();
        assertThat(AutomatonPrefilter.of(Pattern.compile("[a-z&&[^b]]x"))).as("class intersection").isNull();
        assertThat(of("/(?x) a b/")).isNull();
    }

    /** The one promise: wherever Java's find() matches, the automaton says maybe. */
    @Test
    void neverSaysNoWhereThePatternMatches() {
        String[] patterns = {
            "/\\bab+a\\b/", "/(?<!x)b{2,4}?a/", "/(a|b)\\1/", "/(?i)AB(?-i)c/", "/[^ab\\s]{2}/",
            "/a(?=b)b/", "/(?!ab)a./", "/^b.a$/m", "/\\Aab/", "/x?[\\d.]{1,3}\\z/", "/(?>a+)b/", "/a++b/",
            "/\\Q.a\\E/", "/\\x61\\0142/", "/[[a][b]]c/", "/a{7}/", "/(?:ab|ba){2,9}x/", "/\\w\\W\\w/",
            "/\\S\\s\\D/", "/a.{0,30}b/s", "/(?<n>ab)\\k<n>/", "/\\p{Alpha}1/", "/(?:a|\\n){3}\\R?/",
            "/[\\x41-\\x43]b/i", "/[-a]{2}/", "/a[]b]/", "/(?:a[b0]a|xb)\\s/i",
        };
        Random rnd = new Random(13);
        String[] tokens = {"a", "b", "aaa", "ab", "ba", "A", "B", "c", "0", "1", "x", ".", " ", "\n", "-", "]", "\u00e9"};
        for (String perl : patterns) {
            Pattern p = PerlRegex.compileDelimited(perl);
            AutomatonPrefilter a = AutomatonPrefilter.of(p);
            if (perl.equals("/(?:a|\\n){3}\\R?/")) { assertThat(a).as("\\R is not modelled").isNull(); continue; }
            assertThat(a).as(perl).isNotNull();
            int matched = 0;
            int refused = 0;
            for (int k = 0; k < 3000; k++) {
                StringBuilder sb = new StringBuilder();
                for (int n = rnd.nextInt(9); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
                String t = sb.toString();
                boolean found = p.matcher(t).find();
                boolean maybe = a.mayMatch(t);
                if (found) {
                    matched++;
                    assertThat(maybe).as(perl + " on \"" + t + "\"").isTrue();
                } else if (!maybe) {
                    refused++;
                }
            }
            assertThat(matched).as(perl + ": the texts exercise matches").isPositive();
            assertThat(refused).as(perl + ": and the filter refuses some").isPositive();
        }
        assertThat(AutomatonPrefilter.cachedStates()).isLessThanOrEqualTo(AutomatonPrefilter.MAX_CACHED_STATES + 64);
    }
}
