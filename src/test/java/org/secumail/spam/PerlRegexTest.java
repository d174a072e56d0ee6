// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;

class PerlRegexTest {
    private static boolean find(String re, String text) {
        return PerlRegex.compileDelimited(re).matcher(text).find();
    }

    /** A rule's groups do not capture unless it reads them back; what it matches is the same. */
    @Test
    void ruleGroupsCaptureOnlyForBackReferences() {
        Pattern plain = PerlRegex.compileRule("/(foo|ba(r))\\s(?:x)(?<n>y)?[(]\\(/i");
        assertThat(plain.pattern()).isEqualTo("(?:foo|ba(?:r))\\s(?:x)(?<n>y)?\\(\\(");
        assertThat(plain.matcher("a BAR x((").find()).isTrue();
        assertThat(plain.matcher("bar y((").find()).isFalse();
        Pattern backRef = PerlRegex.compileRule("/(ab)c\\1/");
        assertThat(backRef.pattern()).isEqualTo("(ab)c\\1");
        assertThat(backRef.matcher("abcab").find()).isTrue();
        assertThat(PerlRegex.compileDelimited("/(a)b/").matcher("ab").groupCount()).as("other patterns keep their groups").isEqualTo(1);
    }

    @Test
    void delimitersAndModifiers() {
        assertThat(find("/viagra/i", "Buy VIAGRA now")).isTrue();
        assertThat(find("m{^Subject}", "Subject")).isTrue();
        assertThat(find("m!a/b!", "xa/by")).isTrue();
        assertThat(find("/a.b/s", "a\nb")).isTrue();
        assertThat(find("/a.b/", "a\nb")).isFalse();
        assertThat(find("/^b/m", "a\nb")).isTrue();
        assertThat(find("/ a b # comment\n /x", "ab")).isTrue();
        assertThatThrownBy(() -> PerlRegex.compileDelimited("/a/e")).isInstanceOf(PatternSyntaxException.class);
    }

    @Test
    void characterClassesAreLiteralWherePerlTakesThemSo() {
        // "[" inside a class is a literal in Perl, a union in Java
        assertThat(find("/[[]x/", "[x")).isTrue();
        // "]" first in a class is a literal in Perl
        assertThat(find("/[]a]+/", "]]")).isTrue();
        assertThat(find("/[^]a]/", "]a")).isFalse();
        // "&&" is literal in Perl, intersection in Java
        assertThat(find("/[a&&b]/", "&")).isTrue();
        assertThat(find("/[[:alpha:]]+[[:digit:]]/", "abc1")).isTrue();
        assertThat(find("/[[:^digit:]]/", "123")).isFalse();
    }

    @Test
    void bracesThatAreNoQuantifierAreLiterals() {
        assertThat(find("/a{b}/", "a{b}")).isTrue();
        assertThat(find("/a{2}/", "aa")).isTrue();
        assertThat(find("/a{,2}b/", "aab")).isTrue();
        assertThat(find("/\\x{41}/", "A")).isTrue();
        assertThat(find("/[\\x{41}-\\x{43}]/", "B")).isTrue();
    }

    @Test
    void octetEscapesMatchUtf8OctetsAsRulesExpect() {
        // the rules match UTF-8 octets one char each: "é" is c3 a9
        String octets = MessageView.octets("caf\u00e9");
        assertThat(find("/caf\\xc3\\xa9/", octets)).isTrue();
        assertThat(find("/[\\xc3][\\xa9]/", octets)).isTrue();
    }

    @Test
    void whatJavaCannotDoIsRefused() {
        assertThatThrownBy(() -> PerlRegex.compile("(a(?R)?b)", 0)).isInstanceOf(PatternSyntaxException.class);
        assertThatThrownBy(() -> PerlRegex.compile("(a)(?1)", 0)).isInstanceOf(PatternSyntaxException.class);
        assertThatThrownBy(() -> PerlRegex.compile("a\\Kb", 0)).isInstanceOf(PatternSyntaxException.class);
        assertThatThrownBy(() -> PerlRegex.compile("(?{ print 1 })", 0)).isInstanceOf(PatternSyntaxException.class);
        assertThatThrownBy(() -> PerlRegex.compile("a(*PRUNE)b", 0)).isInstanceOf(PatternSyntaxException.class);
    }

    @Test
    void samePerlFeaturesKept() {
        assertThat(PerlRegex.compile("a++b", 0).matcher("aab").find()).isTrue();
        assertThat(PerlRegex.compile("(?>a+)b", 0).matcher("aab").find()).isTrue();
        assertThat(PerlRegex.compile("end\\z", 0).matcher("the end").find()).isTrue();
        assertThat(PerlRegex.compile("\\Qa.b\\E", 0).matcher("axb").find()).isFalse();
        assertThat(PerlRegex.compile("(?P<n>x)", 0).matcher("x").find()).isTrue();
        assertThat(PerlRegex.compile("(?i)ABC", Pattern.CASE_INSENSITIVE).matcher("abc").find()).isTrue();
    }

    @Test
    void aClassOfOneCharacterIsWrittenAsThatCharacter() {
        assertThat(PerlRegex.translate("[\\xc3][\\xa1]", false)).isEqualTo("\\xc3\\xa1");
        assertThat(PerlRegex.translate("a[.]b[a][-]", false)).isEqualTo("a\\.ba\\-");
        assertThat(PerlRegex.translate("[\\]]", false)).isEqualTo("\\]");
        assertThat(PerlRegex.translate("[\\b]", false)).as("a backspace, not a word boundary").isEqualTo("[\\b]");
        assertThat(PerlRegex.translate("[^a][ab][\\d]", false)).isEqualTo("[^a][ab][\\d]");
        assertThat(PerlRegex.translate("a[ ]b[#]", true)).as("/x: a space or # outside a class means something else").isEqualTo("a[ ]b[#]");
        Pattern p = PerlRegex.compile("x[.][\\x41][\\\\]", Pattern.CASE_INSENSITIVE);
        assertThat(p.matcher("X.a\\").find()).isTrue();
        assertThat(p.matcher("XxA\\").find()).isFalse();
    }
}
