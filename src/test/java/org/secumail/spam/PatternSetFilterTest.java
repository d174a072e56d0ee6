// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PatternSetFilterTest {
    /** Whether the filter of these patterns says pattern i may match in text. */
    private static boolean maybe(PatternSetFilter f, int i, String text) {
        return PatternSetFilter.has(f.scan(text), i);
    }

    private static PatternSetFilter of(String... perl) {
        List<Pattern> ps = new ArrayList<>();
        for (String p : perl) ps.add(PerlRegex.compileDelimited(p));
        return PatternSetFilter.of(ps);
    }

    @Test
    void noIsCertainAndMaybeWhereAMatchIs() {
        PatternSetFilter f = of("/\\bv[i1!]agra\\b/i", "/(?:(?:your\\s)?(?:name|address|phone)[\\s:]{1,5}){3}/i",
                "/(?:^|\\s)(?:pay\\s+me|send\\s(?:to\\s)?me)\\s\\d+/i", "/(?:blank|form)[ :]+$/", "/blank:$/m",
                "/caf[\\xe9\\xc9]\\s/");
        assertThat(maybe(f, 0, "hello world, nothing to see")).isFalse();
        assertThat(maybe(f, 0, "buy V1AGRA now")).isTrue();
        assertThat(maybe(f, 0, "viagr")).isFalse();

        assertThat(maybe(f, 1, "Your Name: Your Address: Phone: ")).isTrue();
        assertThat(maybe(f, 1, "name: address: and then nothing")).as("three in a row needed").isFalse();

        assertThat(maybe(f, 2, "please PAY  ME 500 dollars")).isTrue();
        assertThat(maybe(f, 2, "pay me later")).isFalse();
        assertThat(maybe(f, 2, "pay me \u00e9 500")).as("characters above U+007F are read too").isFalse();
        assertThat(maybe(f, 2, "\u00e9t\u00e9: pay me 500")).isTrue();
        assertThat(maybe(f, 2, "pay me 500\u0000")).as("NUL: maybe").isTrue();

        assertThat(maybe(f, 3, "name: blank: ")).isTrue();
        assertThat(maybe(f, 3, "name: blank: \n")).as("before a final line end").isTrue();
        assertThat(maybe(f, 3, "blank: and more")).as("a final $ where the text goes on").isFalse();
        assertThat(maybe(f, 4, "blank:\nmore")).as("MULTILINE: before any line end").isTrue();

        assertThat(maybe(f, 5, "un caf\u00e9 noir")).as("a class of characters above U+007F").isTrue();
        assertThat(maybe(f, 5, "un cafe noir")).isFalse();
        PatternSetFilter anchored = of("/^pay\\s/i", "/^pay\\s/im");
        assertThat(maybe(anchored, 0, "Pay now")).as("a leading ^: the start of the text").isTrue();
        assertThat(maybe(anchored, 0, "so pay now")).isFalse();
        assertThat(maybe(anchored, 0, "so\npay now")).as("without MULTILINE not after a line end").isFalse();
        assertThat(maybe(anchored, 1, "so\npay now")).as("MULTILINE: after a line end").isTrue();
        assertThat(maybe(anchored, 1, "so\u2028pay now")).as("after U+2028 too").isTrue();
        assertThat(maybe(anchored, 1, "so pay now")).isFalse();

        long[] bits = f.scan("buy viagra, pay me 5 at the caf\u00e9 ");
        assertThat(List.of(0, 1, 2, 3, 4, 5).stream().filter(i -> PatternSetFilter.has(bits, i)).toList()).containsExactly(0, 2, 5);
    }

    @Test
    void noAutomatonForWhatItCannotModel() {
        PatternSetFilter f = PatternSetFilter.of(List.of(Pattern.compile("a b", Pattern.COMMENTS), Pattern.compile("[a-z&&[^b]]x"),
                PerlRegex.compileDelimited("/(?x) a b/"), Pattern.compile("x?"), Pattern.compile("ab")));
        for (int i = 0; i < 4; i++) {
            assertThat(f.filters(i)).as("pattern " + i).isFalse();
            assertThat(maybe(f, i, "zzz")).as("pattern " + i + " always maybe").isTrue();
        }
        assertThat(f.filters(4)).isTrue();
        assertThat(maybe(f, 4, "zzz")).isFalse();
    }

    /** The one promise: wherever Java's find() matches, the filter says maybe, for each pattern of the set. */
    @Test
    void neverSaysNoWhereThePatternMatches() {
        String[] perl = {
            "/\\bab+a\\b/", "/(?<!x)b{2,4}?a/", "/(a|b)\\1/", "/(?i)AB(?-i)c/", "/[^ab\\s]{2}/",
            "/a(?=b)b/", "/(?!ab)a./", "/^b.a$/m", "/\\Aab/", "/x?[\\d.]{1,3}\\z/", "/(?>a+)b/", "/a++b/",
            "/\\Q.a\\E/", "/\\x61\\0142/", "/[[a][b]]c/", "/a{7}/", "/(?:ab|ba){2,9}x/", "/\\w\\W\\w/",
            "/\\S\\s\\D/", "/a.{0,30}b/s", "/(?<n>ab)\\k<n>/", "/\\p{Alpha}1/", "/[\\x41-\\x43]b/i", "/[-a]{2}/",
            "/a[]b]/", "/(?:a[b0]a|xb)\\s/i", "/[^a]\\xe9/", "/\\xe9{2}b/", "/b[^\\x00-\\x7f]/",
            "/^ab/", "/^b+a/m", "/^(?:a|b)c/i", "/^$/m", "/^\\s*ab/m", "/^a|ba/", "/^\\xe9/m",
            "/\\w/", "/b/", "/[!.]/", "/A/i", "/[B-Z0]/", "/\\xe9/", "/x|-/", "/b+/",
            "/(?!ab)(?!ba)[ab]{2}/", "/(?!aB)a./i", "/x(?!a)[ab]+/", "/(?!a\\.)a[.b]/", "/(?i)(?!ax)a(?-i:B)/",
            "/(?!ab)a.|b(?!a)a/", "/(?!a)(?:a|b)b/", "/((?!ab)a.)b/", "/(?!aa)a+/", "/(?!Ab)a./i", "/(?i)a(?-i)(?!b)[bcB]/",
        };
        List<Pattern> ps = new ArrayList<>();
        for (String p : perl) ps.add(PerlRegex.compileDelimited(p));
        PatternSetFilter together = PatternSetFilter.of(ps);
        Random rnd = new Random(13);
        String[] tokens = {"a", "b", "aaa", "ab", "ba", "A", "B", "c", "0", "1", "x", ".", " ", "\n", "-", "]", "\u00e9", "\u4e2d"};
        for (int i = 0; i < ps.size(); i++) {
            Pattern p = ps.get(i);
            PatternSetFilter alone = PatternSetFilter.of(List.of(p));
            assertThat(alone.filters(0)).as(perl[i]).isTrue();
            int matched = 0;
            int refused = 0;
            for (int k = 0; k < 3000; k++) {
                StringBuilder sb = new StringBuilder();
                for (int n = rnd.nextInt(9); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
                String t = sb.toString();
                boolean found = p.matcher(t).find();
                boolean maybe = maybe(alone, 0, t);
                assertThat(maybe(together, i, t)).as(perl[i] + " in the set on \"" + t + "\"").isEqualTo(maybe);
                if (found) {
                    matched++;
                    assertThat(maybe).as(perl[i] + " on \"" + t + "\"").isTrue();
                } else if (!maybe) {
                    refused++;
                }
            }
            assertThat(matched).as(perl[i] + ": the texts exercise matches").isPositive();
            assertThat(refused).as(perl[i] + ": and the filter refuses some").isPositive();
        }
    }

    /**
     * A negative lookahead of a literal takes its words out of what follows it, so that a text
     * holding only the excluded word is a certain "no" (SpamAssassin's FUZZY_SECURITY said maybe
     * on every "security"), folded as the pattern folds, and never where the lookahead folds
     * differently from the automaton.
     */
    @Test
    void negativeLookaheadsOfLiteralsTakeTheirWordsOut() {
        PatternSetFilter f = PatternSetFilter.of(List.of(
                PerlRegex.compileDelimited("/(?!security)s[e3]cur[i1]ty/"),
                PerlRegex.compileDelimited("/(?!security)s[e3]cur[i1]ty/i"),
                PerlRegex.compileDelimited("/(?-i:(?!security))s[e3]cur[i1]ty/i")));
        assertThat(maybe(f, 0, "our security team")).isFalse();
        assertThat(maybe(f, 0, "our s3curity team")).isTrue();
        assertThat(maybe(f, 0, "our SECURITY team")).isFalse();
        assertThat(maybe(f, 1, "our SECURITY team")).isFalse();
        assertThat(maybe(f, 1, "our SECUR1TY team")).isTrue();
        assertThat(maybe(f, 2, "our SECURITY team")).as("the lookahead does not fold: Java matches").isTrue();
    }

    /** A long repetition of one class is counted exactly: "no" on a line one character short. */
    @Test
    void longRepetitionsOfOneClassAreCounted() {
        PatternSetFilter f = PatternSetFilter.of(List.of(PerlRegex.compileDelimited("/^[^\\r\\n]{998}/m"),
                PerlRegex.compileDelimited("/x[a-z]{300,}\\d/")));
        String line = "a".repeat(997);
        assertThat(maybe(f, 0, line + "\r\n" + line + "\n" + line)).isFalse();
        assertThat(maybe(f, 0, line + "\n" + line + "b")).isTrue();
        assertThat(maybe(f, 0, "z" + line + "b")).isTrue();
        assertThat(Pattern.compile("^[^\\r\\n]{998}", Pattern.MULTILINE).matcher("z" + line + "b").find()).isTrue();
        assertThat(maybe(f, 1, "x" + "q".repeat(299) + "1")).isFalse();
        assertThat(maybe(f, 1, "x" + "q".repeat(300) + "1")).isTrue();
        assertThat(maybe(f, 1, "x" + "q".repeat(700) + "1")).isTrue();
    }

    /** Patterns of one symbol are read by a loop, exactly: "maybe" where they match, "no" elsewhere. */
    @Test
    void oneSymbolPatternsAreReadByALoop() {
        // a negated class never reads the end-of-text symbol: \\S says no where there is only space
        PatternSetFilter nonSpace = PatternSetFilter.of(List.of(Pattern.compile("\\S")));
        assertThat(nonSpace.stats()).contains("[1 by a loop]");
        assertThat(maybe(nonSpace, 0, "")).isFalse();
        assertThat(maybe(nonSpace, 0, " \r\n\t")).isFalse();
        assertThat(maybe(nonSpace, 0, " x")).isTrue();
        List<Pattern> ones = List.of(Pattern.compile("\\w"), Pattern.compile("e"), Pattern.compile("[!?]"),
                Pattern.compile("x", Pattern.CASE_INSENSITIVE), Pattern.compile("e+"), Pattern.compile("\\d|-"));
        for (Pattern p : ones) {
            assertThat(PatternSetFilter.singleSymbols(MultiPatternAutomaton.PatternNfa.of(p))).as(p.pattern()).isNotNull();
        }
        for (String notOne : List.of("ab", "a|bc", "e?x", "[ab]c+", "^a")) {
            assertThat(PatternSetFilter.singleSymbols(MultiPatternAutomaton.PatternNfa.of(Pattern.compile(notOne)))).as(notOne).isNull();
        }
        List<Pattern> all = new ArrayList<>(ones);
        all.add(Pattern.compile("ab"));
        PatternSetFilter f = PatternSetFilter.of(all);
        assertThat(f.stats()).contains("[6 by a loop]");
        Random rnd = new Random(5);
        String[] tokens = {"a", "b", "e", "E", "X", "x", "!", "?", "1", " ", "\n", "\t", "-", "\u00e9"};
        for (int k = 0; k < 5000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(6); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
            String t = sb.toString();
            for (int i = 0; i < all.size(); i++) {
                assertThat(maybe(f, i, t)).as(all.get(i).pattern() + " on \"" + t + "\"").isEqualTo(all.get(i).matcher(t).find());
            }
        }
    }

    /** A group whose cache fills up is split, and the answers stay the same. */
    @Test
    void groupsSplitWhenTheirCacheFillsAndAnswerTheSame() {
        List<Pattern> ps = new ArrayList<>();
        for (int i = 0; i < 40; i++) ps.add(Pattern.compile("(?:w" + i + "|q)[a-z0-9 ]{0,12}" + (char) ('a' + i % 26) + "\\d{2,5}z", Pattern.CASE_INSENSITIVE));
        PatternSetFilter f = PatternSetFilter.of(ps, 300);
        Random rnd = new Random(7);
        String alphabet = "wq0123456789 abcdefghijklmnopqrstuvwxyzZ";
        for (int k = 0; k < 4000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 20 + rnd.nextInt(200); n > 0; n--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String t = sb.toString();
            long[] bits = f.scan(t);
            for (int i = 0; i < ps.size(); i++) {
                if (ps.get(i).matcher(t).find()) assertThat(PatternSetFilter.has(bits, i)).as(ps.get(i) + " on " + t).isTrue();
            }
        }
        assertThat(f.stats()).as("random text over wide gaps fills the caches: groups split").doesNotContain("(0 splits)");
    }

    /** A message's paragraphs read together (one take of each batch's runners) answer as each read alone. */
    @Test
    void textsReadTogetherAnswerAsEachAlone() {
        List<Pattern> ps = new ArrayList<>();
        for (int i = 0; i < 40; i++) ps.add(Pattern.compile("(?:w" + i + "|q)[a-z0-9 ]{0,12}" + (char) ('a' + i % 26) + "\\d{2,5}z", Pattern.CASE_INSENSITIVE));
        ps.add(Pattern.compile("e"));
        PatternSetFilter together = PatternSetFilter.of(ps, 300);
        PatternSetFilter alone = PatternSetFilter.of(ps, 300);
        Random rnd = new Random(9);
        String alphabet = "wq0123456789 abcdefghijklmnopqrstuvwxyzZ";
        int maybes = 0;
        for (int k = 0; k < 300; k++) {
            List<String> texts = new ArrayList<>();
            for (int n = rnd.nextInt(12); n > 0; n--) {
                StringBuilder sb = new StringBuilder();
                for (int c = rnd.nextInt(200); c > 0; c--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                texts.add(rnd.nextInt(20) == 0 ? sb + "\0" : sb.toString());
            }
            long[][] bits = together.scan(texts);
            assertThat(bits.length).isEqualTo(texts.size());
            for (int t = 0; t < texts.size(); t++) {
                assertThat(bits[t]).as(texts.get(t)).isEqualTo(alone.scan(texts.get(t)));
                for (int i = 0; i < ps.size(); i++) if (PatternSetFilter.has(bits[t], i)) maybes++;
            }
        }
        assertThat(maybes).as("the texts give maybes").isGreaterThan(500);
        assertThat(together.stats()).as("and split the groups while read together").doesNotContain("(0 splits)");
    }

    /**
     * After splits the groups are read eight, four, two and one at a time
     * (MultiPatternRunner.scan): each pattern's answer is still the one it has alone.
     */
    @Test
    void groupsReadTogetherAnswerAsEachPatternAlone() {
        List<Pattern> ps = new ArrayList<>();
        for (int i = 0; i < 200; i++) ps.add(Pattern.compile("(?:v" + i + "|k)[a-z ]{0,9}" + (char) ('a' + i % 26) + "[0-9]{1,4}z", Pattern.CASE_INSENSITIVE));
        PatternSetFilter f = PatternSetFilter.of(ps, 40);
        java.util.Map<Integer, PatternSetFilter> alone = new java.util.HashMap<>();
        Random rnd = new Random(11);
        String alphabet = "vk0123456789 abcdefghijklmnopqrstuvwxyzZ";
        java.util.Set<Integer> remainders = new java.util.TreeSet<>();
        for (int k = 0; k < 1500; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 50 + rnd.nextInt(200); n > 0; n--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String t = sb.toString();
            int groups = f.groups();
            long[] bits = f.scan(t);
            if (groups != f.groups() || groups < 9) continue;   // a split during this scan: the old groups answered
            remainders.add(groups % PatternSetFilter.BATCH);
            for (int i = k % 5; i < ps.size(); i += 5) {
                PatternSetFilter one = alone.computeIfAbsent(i, x -> PatternSetFilter.of(List.of(ps.get(x))));
                assertThat(PatternSetFilter.has(bits, i)).as(groups + " groups: " + ps.get(i) + " on " + t).isEqualTo(maybe(one, 0, t));
            }
        }
        assertThat(remainders).as("batches of eight, four, two and one were read").contains(3, 7);
    }

    /** Text that fills every cache splits groups only up to a limit: memory stays bounded. */
    @Test
    void splittingStopsAtTheGroupLimit() {
        List<Pattern> ps = new ArrayList<>();
        for (int i = 0; i < 200; i++) ps.add(Pattern.compile("(?:v" + i + "|k)[a-z ]{0,9}" + (char) ('a' + i % 26) + "[0-9]{1,4}z", Pattern.CASE_INSENSITIVE));
        PatternSetFilter f = PatternSetFilter.of(ps, 40);
        Random rnd = new Random(5);
        String alphabet = "vk0123456789 abcdefghijklmnopqrstuvwxyzZ";
        for (int k = 0; k < 1500; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 50 + rnd.nextInt(200); n > 0; n--) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String t = sb.toString();
            long[] bits = f.scan(t);
            for (int i = 0; i < ps.size(); i += 7) {
                if (ps.get(i).matcher(t).find()) assertThat(PatternSetFilter.has(bits, i)).as(ps.get(i) + " on " + t).isTrue();
            }
        }
        assertThat(f.groups()).isEqualTo(PatternSetFilter.MAX_GROUPS);
    }
}
