// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RuleSetTest {
    @Test
    void directivesConditionsAndDefaults() {
        RuleSet rs = RuleSet.parse(String.join("\n",
                "required_score 6.5",
                "body FOO /foo/i   # a comment",
                "describe FOO Says foo",
                "score FOO 1.5 2.5 3.5 4.5",
                "header BAR Subject =~ /bar\\#1/",
                "tflags BAR nice",
                "body __SUB /x/",
                "body T_TEST /y/",
                "if (version >= 3.004000)",
                "  body NEW /new/",
                "else",
                "  body OLD /old/",
                "endif",
                "ifplugin Mail::SpamAssassin::Plugin::NotThere",
                "  body MISSING_PLUGIN /m/",
                "endif",
                "if !plugin(Mail::SpamAssassin::Plugin::ReplaceTags)",
                "  body NO_REPLACE /r/",
                "endif",
                "lang de describe FOO Sagt foo",
                "priority FOO -100"));
        assertThat(rs.requiredScore()).isEqualTo(6.5);
        Rule foo = rs.rule("FOO");
        assertThat(foo.score(0)).isEqualTo(1.5);
        assertThat(foo.score(3)).isEqualTo(4.5);
        assertThat(foo.describe()).isEqualTo("Says foo");
        assertThat(foo.priority()).isEqualTo(-100);
        assertThat(rs.rule("BAR").score(0)).isEqualTo(-1.0);
        assertThat(rs.rule("__SUB").score(0)).isZero();
        assertThat(rs.rule("T_TEST").score(0)).isEqualTo(0.01);
        assertThat(rs.rule("NEW")).isNotNull();
        assertThat(rs.rule("OLD")).isNull();
        assertThat(rs.rule("MISSING_PLUGIN")).isNull();
        assertThat(rs.rule("NO_REPLACE")).isNull();
        assertThat(((Rule.Match) rs.rule("BAR").test()).pattern().matcher("bar#1").find()).isTrue();
    }

    @Test
    void unusableRulesAreSkippedWithWhyAndMetasOnThemToo() {
        RuleSet rs = RuleSet.parse(String.join("\n",
                "body BAD_RE /(a(?R))/",
                "header NET eval:check_rbl_txt('spamcop', 'bl.spamcop.net.', '(?i:spamcop)')",
                "meta ON_BAD BAD_RE || NET",
                "meta ON_ON_BAD ON_BAD && 1",
                "meta GOOD __X",
                "body __X /x/",
                "meta UNDEF NOT_DEFINED_ANYWHERE",
                "meta ON_NET NET || __X",
                "score NET 3"));
        assertThat(rs.skipped()).containsKeys("BAD_RE", "NET", "ON_BAD", "ON_ON_BAD", "UNDEF");
        assertThat(rs.skipped().get("NET")).contains("check_rbl_txt not implemented");
        // an eval not implemented never hits, but metas reading it still run (as with network tests off)
        assertThat(rs.rule("ON_NET")).isNotNull();
        assertThat(rs.skipped().get("BAD_RE")).startsWith("pattern not usable");
        assertThat(rs.rule("GOOD")).isNotNull();
        assertThat(rs.metas()).extracting(Rule::name).containsExactly("GOOD", "ON_NET");
    }

    @Test
    void laterDefinitionReplacesEarlier() {
        RuleSet rs = RuleSet.parse("body A /one/\nbody A /two/\n");
        assertThat(((Rule.Match) rs.rule("A").test()).pattern().pattern()).isEqualTo("two");
    }

    @Test
    void replaceTagsRewriteListedRules() {
        RuleSet rs = RuleSet.parse(String.join("\n",
                "replace_tag V (?:v|\\\\/)",
                "replace_tag I (?:i|1|!)",
                "replace_inter W1 \\W?",
                "replace_post P2 {1,2}",
                "body FUZZY /<inter W1><post P2><V><I>/i",
                "replace_rules FUZZY",
                "body PLAIN /<V>/"));
        var p = ((Rule.Match) rs.rule("FUZZY").test()).pattern();
        assertThat(p.matcher("\\/ 1").find()).isTrue();
        assertThat(p.matcher("vvii").find()).isTrue();
        assertThat(((Rule.Match) rs.rule("PLAIN").test()).pattern().matcher("<V>").find()).isTrue();
    }

    @Test
    void metaOrderFollowsDependencies() {
        RuleSet rs = RuleSet.parse("meta B A && __C\nmeta A __C\nbody __C /c/\nmeta LOOP1 LOOP2\nmeta LOOP2 LOOP1\n");
        assertThat(rs.metas()).extracting(Rule::name).containsExactly("A", "B");
        assertThat(rs.skipped()).containsKeys("LOOP1");
    }
}
