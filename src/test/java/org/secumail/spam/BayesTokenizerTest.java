// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Bayes tokens, as SpamAssassin's tokenizer (Plugin/Bayes.pm) makes them. */
class BayesTokenizerTest {
    private static Set<String> line(String text, int region) {
        Set<String> out = new LinkedHashSet<>();
        BayesTokenizer.defaults().line(text, "", region, out);
        return out;
    }

    @Test
    void titleCaseFoldedWhereASentenceStartsAndEveryCapitalisedWordAlsoLowerCased() {
        Set<String> t = line("Hello dear Reader, get Free! money", BayesTokenizer.BODY);
        assertThat(t).contains("hello", "dear", "Reader", "reader", "Free!", "Free", "free!", "free", "money").doesNotContain("Hello");
        // headers are taken as they are
        assertThat(line("Hello Reader", BayesTokenizer.HEADER)).containsExactly("Hello", "Reader");
    }

    @Test
    void shortWordsAndStopWordsAreDropped() {
        assertThat(line("it is the offer of the year", BayesTokenizer.BODY)).containsExactly("offer");
        assertThat(new LinkedHashSet<String>() {{ new BayesTokenizer(Set.of(), null, 15).line("the offer", "", BayesTokenizer.BODY, this); }})
                .containsExactly("the", "offer");
    }

    @Test
    void longWordsAreSkipTokensExceptInUris() {
        assertThat(line("supercalifragilistic", BayesTokenizer.BODY)).containsExactly("sk:superca");
        assertThat(line("supercalifragilistic", BayesTokenizer.URI)).containsExactly("supercalifragilistic");
        // long words of 3-octet characters become those characters
        String jp = MessageView.octets("\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8");
        assertThat(line(jp, BayesTokenizer.BODY)).contains("u8:" + MessageView.octets("\u65e5"), "u8:" + MessageView.octets("\u30c8"))
                .noneMatch(s -> s.startsWith("sk:"));
    }

    @Test
    void addressesAndDomainsInTheBodyAreChewed() {
        assertThat(line("write to joe@ex.co.uk or see www.example.com now", BayesTokenizer.BODY)).contains(
                "U*joe", "D*ex.co.uk", "D*co.uk", "D*uk", "joe@ex.co.uk", "joeexcouk",
                "UD:www.example.com", "UD:example.com", "UD:com", "www.example.com", "wwwexamplecom");
    }

    @Test
    void punctuationOutsideTheWordClassSeparatesWords() {
        assertThat(line("(price)=<$100,000>; wait...what", BayesTokenizer.BODY)).contains("price", "$100,000", "100000", "wait", "what");
        assertThat(BayesTokenizer.keepWordCharacters("a\u00e9b")).isEqualTo("a\u00e9b"); // a lone octet from 0xA1 is a letter
        assertThat(BayesTokenizer.keepWordCharacters("a\u0085b")).isEqualTo("a b");
    }

    @Test
    void headerValuesAreChewedByKind() {
        assertThat(BayesHeaderTokens.addresses("\"Joe Bloggs\" <joe@example.com>, ann@mail.example.org"))
                .isEqualTo("N*Joe N*Bloggs U*joe D*example.com D*com U*ann D*mail.example.org D*example.org D*org");
        String r = BayesHeaderTokens.received("from mail.example.com (mail.example.com [192.0.2.7]) by mx.example.org with ESMTP id 4F1A2B3C4D; "
                + "Mon, 2 Sep 2002 10:00:00 +0100");
        assertThat(r).contains("192.0.2 ip*192.0.2.7").doesNotContain("ESMTP", "Sep", "4F1A2B3C4D", " from ");
        assertThat(BayesHeaderTokens.messageId("<20020902100000.ABCDEF0123@mail.example.com>").strip()).isEqualTo("mail example com");
        assertThat(BayesHeaderTokens.messageId("<002a01c24a99$f8570760$603a2f18@177h501>").strip()).isEqualTo("OEA002a OEBf857 OEC603a2f18 177h501");
        assertThat(BayesHeaderTokens.contentType("multipart/alternative; boundary=\"----=_NextPart_000_0027\""))
                .contains("multipart/alternative;", "NHxtPHrt", "HHHH").doesNotContain("boundary");
        assertThat(BayesHeaderTokens.chew("X-Face", "%$#@!lots-of-noise")).isEqualTo("1");
    }

    @Test
    void theMessageGivesBodyUriAndPrefixedHeaderTokens() throws Exception {
        String msg = "Received: from a.example.net (a.example.net [198.51.100.9]) by mx.example.org; Mon, 2 Sep 2002 10:00:00 +0100\n"
                + "From: \"Ann Example\" <ann@example.net>\nTo: bob@example.org\nSubject: Cheap watches\n"
                + "Date: Mon, 2 Sep 2002 10:00:00 +0100\nMessage-ID: <abc.def@example.net>\nX-Mailer: Frobnicator 2.1\n\n"
                + "Visit http://shop.example.com/offer today\n";
        Set<String> t = BayesTokenizer.defaults().tokens(TestScoring.view(msg));
        assertThat(t).contains("cheap", "watches", "visit", "today", "UD:shop.example.com", "shop.example.com",
                "H*F:N*Ann", "H*Ad:U*ann", "H*Ad:D*example.net", "HTo:U*bob", "H*M:abc", "H*MI:def", "H*x:Frobnicator", "H*UA:Frobnicator",
                "H*r:198.51.100", "H*r:ip*198.51.100.9", "H*RU:198.51.100.9", "Hx-authordomain:example.net");
        // Date: and Subject: are not header tokens (the Subject is the body's first paragraph)
        assertThat(t).noneMatch(s -> s.startsWith("HDate:") || s.startsWith("HSubject:"));
    }
}
