// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.spam.TestScoring.names;
import static org.secumail.spam.TestScoring.score;

import org.junit.jupiter.api.Test;

class SpamScorerTest {
    private static final String PLAIN = """
            From: "Joe" <joe@example.org>
            To: rcpt@example.net
            Subject: Cheap pills =?UTF-8?Q?caf=C3=A9?=
            Message-ID: <1@example.org>
            Received: from mx.example.org (mx.example.org [192.0.2.7]) by mx.example.net with ESMTP id ABC; Mon, 1 Jan 2024 10:00:00 +0000
            Date: Mon, 1 Jan 2024 10:00:00 +0000
            Content-Type: text/plain; charset=utf-8

            Hello friend,
            click here:   http://spam.example.com/buy
            now.

            Second paragraph with www.other.example.net in it.
            """;

    @Test
    void headerRulesSeeDecodedValuesAndModifiers() throws Exception {
        SpamReport r = score(String.join("\n",
                "header SUBJ_CAFE Subject =~ /caf\\xc3\\xa9/",
                "header SUBJ_RAW Subject:raw =~ /=\\?UTF-8\\?Q\\?/",
                "header FROM_ADDR From:addr =~ /^joe\\@example\\.org$/",
                "header FROM_NAME From:name =~ /^Joe$/",
                "header NO_REPLYTO Reply-To !~ /./",
                "header UNSET_DEFAULT X-Nothing =~ /dflt/ [if-unset: dflt]",
                "header HAS_MSGID exists:Message-ID",
                "header NOT_THERE exists:X-Nothing",
                "header ALL_HDR ALL =~ /^Date: Mon/m",
                "header ENV EnvelopeFrom =~ /envelope\\@sender\\.example/",
                "header RELAY X-Spam-Relays-Untrusted =~ /ip=192\\.0\\.2\\.7 rdns=mx\\.example\\.org helo=mx\\.example\\.org/"), PLAIN);
        assertThat(names(r)).containsExactlyInAnyOrder("SUBJ_CAFE", "SUBJ_RAW", "FROM_ADDR", "FROM_NAME", "NO_REPLYTO", "UNSET_DEFAULT",
                "HAS_MSGID", "ALL_HDR", "ENV", "RELAY");
        assertThat(r.score()).isEqualTo(10.0);
    }

    @Test
    void bodyRulesMatchParagraphsWithWhitespaceCollapsedAndSubjectFirst() throws Exception {
        SpamReport r = score(String.join("\n",
                "body CLICK /click here: http/",
                "body ACROSS_LINES /http:\\/\\/spam\\.example\\.com\\/buy now\\./",
                "body ACROSS_PARAGRAPHS /now\\. Second/",
                "body SUBJECT_IN_BODY /^Cheap pills/",
                "rawbody RAW /click here:   http/",
                "uri URI_SPAM /spam\\.example\\.com/",
                "uri URI_WWW /^http:\\/\\/www\\.other\\.example\\.net$/",
                "full FULL /^Received: from mx/m"), PLAIN);
        assertThat(names(r)).containsExactlyInAnyOrder("CLICK", "ACROSS_LINES", "SUBJECT_IN_BODY", "RAW", "URI_SPAM", "URI_WWW", "FULL");
        SpamReport.Hit uri = r.hits().stream().filter(h -> h.name().equals("URI_SPAM")).findFirst().orElseThrow();
        assertThat(uri.detail()).isEqualTo("http://spam.example.com/buy");
    }

    @Test
    void htmlIsRenderedAndLinksAreUris() throws Exception {
        String html = """
                From: a@example.org
                Subject: offer
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary="b"

                --b
                Content-Type: text/html; charset=iso-8859-1
                Content-Transfer-Encoding: quoted-printable

                <html><head><style>p {color: red}</style><title>T</title></head><body><p>Best <b>pr=
                ice</b> on <a href=3D"http://shop.example.biz/x">our shop</a></p><img src=3D"http://img.example.biz/a.gif" width=3D"400" height=3D"300"></body></html>
                --b--
                """;
        SpamReport r = score(String.join("\n",
                "body PRICE /Best price on our shop/",
                "body STYLE_HIDDEN /color: red/",
                "rawbody RAW_TAG /<b>pr/",
                "uri SHOP /shop\\.example\\.biz/",
                "uri IMG /img\\.example\\.biz/",
                "body HTML_MESSAGE eval:html_test('html')",
                "body HAS_TITLE eval:html_tag_exists('title')",
                "body __MIME_HTML eval:check_for_mime_html()",
                "meta HTML_ONLY __MIME_HTML && !__PLAIN",
                "body __PLAIN /never/",
                "body QP eval:check_for_mime('mime_qp_count')"), html);
        assertThat(names(r)).containsExactlyInAnyOrder("PRICE", "RAW_TAG", "SHOP", "IMG", "HTML_MESSAGE", "HAS_TITLE", "HTML_ONLY", "QP");
    }

    @Test
    void multipleAndMaxhitsCountEveryHit() throws Exception {
        SpamReport r = score("body ONE /pills?/i\nbody MANY /a/\ntflags MANY multiple maxhits=3\nscore MANY 0.5\n",
                "Subject: pills\n\naaaaa a a\n");
        assertThat(r.hits()).extracting(SpamReport.Hit::name, SpamReport.Hit::points)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("ONE", 1.0), org.assertj.core.groups.Tuple.tuple("MANY", 1.5));
    }

    @Test
    void zeroScoreRulesOnlyRunForMetasAndSubrulesAreNotReported() throws Exception {
        SpamReport r = score("body __A /x/\nbody ZERO /x/\nscore ZERO 0\nmeta M __A\nscore M 2\n", "Subject: s\n\nx\n");
        assertThat(names(r)).containsExactly("M");
        assertThat(r.score()).isEqualTo(2.0);
    }

    @Test
    void metasThatHitOnZerosAndMetasOfMetas() throws Exception {
        // a meta none of whose inputs hit is not evaluated but takes its value at zero
        String rules = String.join("\n",
                "body __A /x/", "body __B /never/",
                "meta NOT_B !__B", "score NOT_B 1",
                "meta CHAIN NOT_B && __A", "score CHAIN 2",
                "meta ONLY_METAS NOT_B && !__B", "score ONLY_METAS 16",
                "meta NOT_A !__A", "score NOT_A 4",
                "meta FEW (__A + __B) < 1", "score FEW 8", "");
        assertThat(names(score(rules, "Subject: s\n\nx\n"))).containsExactlyInAnyOrder("NOT_B", "CHAIN", "ONLY_METAS");
        assertThat(names(score(rules, "Subject: s\n\ny\n"))).containsExactlyInAnyOrder("NOT_B", "NOT_A", "FEW", "ONLY_METAS");
    }

    @Test
    void catastrophicBacktrackingIsStoppedAndNamed() throws Exception {
        long t0 = System.nanoTime();
        // no prefilter: an automaton would rule this line out before the pattern runs
        SpamReport r = score("body EVIL /(.*a){15}x/\nbody FINE /aaa/\n", "Subject: s\n\n" + "a".repeat(40) + "!\n", false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(names(r)).containsExactly("FINE");
        assertThat(r.skipped()).containsExactly("EVIL (pattern step budget)");
        assertThat(ms).as("a bounded cost, not minutes").isLessThan(20_000);
    }

    @Test
    void welcomeAndBlockLists() throws Exception {
        String rules = String.join("\n",
                "header USER_IN_WELCOMELIST eval:check_from_in_welcomelist()",
                "score USER_IN_WELCOMELIST -100",
                "header USER_IN_BLOCKLIST eval:check_from_in_blocklist()",
                "score USER_IN_BLOCKLIST 100",
                "welcomelist_from *@example.org",
                "blacklist_from bad@*");
        assertThat(score(rules, "From: joe@example.org\nSubject: s\n\nx\n").score()).isEqualTo(-100);
        assertThat(score(rules, "From: bad@spam.example\nSubject: s\n\nx\n").score()).isEqualTo(100);
    }
}
