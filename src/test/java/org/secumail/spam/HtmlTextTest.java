// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * HTML rendering and the HTMLEval values, each expectation read from SpamAssassin 4.0.1
 * itself (Mail::SpamAssassin::HTML->new(1,1)->parse(...), get_rendered_text, get_results)
 * on the same input.
 */
class HtmlTextTest {
    private static double v(HtmlText h, String what) { return HtmlEvals.value(h, what); }

    @Test
    void nearInvisibleTextIsLowContrast() {
        HtmlText h = HtmlText.render("<html><body><font color=\"#fefefe\">hidden words</font> visible</body></html>");
        assertThat(h.text).isEqualTo("hidden words visible");
        assertThat(h.fontLowContrast).isTrue();
        assertThat(h.length).isEqualTo(75);
        assertThat(h.nonSpaceLen).isEqualTo(18);
        assertThat(h.inside).containsEntry("body", 0).containsEntry("font", 0).containsEntry("html", 0).hasSize(3);
    }

    @Test
    void hexColourWithoutHashIsInvalid() {
        HtmlText h = HtmlText.render("<p>a <font color=\"ff0000\">red</font></p>");
        assertThat(h.text).isEqualTo("\n\na red\n\n");
        assertThat(h.fontInvalidColor).isTrue();
        assertThat(h.fontLowContrast).isFalse();
    }

    @Test
    void fontSizesAreNotedOnlyFromFontAttributes() {
        HtmlText h = HtmlText.render("<font size=\"+3\">Big</font><big><big><big>x</big></big></big><font size=1>t</font>");
        assertThat(v(h, "max_size")).isEqualTo(6);
        assertThat(v(h, "min_size")).isEqualTo(1);
        assertThat(v(h, "obfuscation_ratio")).isEqualTo(0.2);
        HtmlText big = HtmlText.render("<big><big><big><big>x</big></big></big></big>");
        assertThat(v(big, "max_size")).isEqualTo(3);
    }

    @Test
    void fontFaceOutsideThePatternIsBad() {
        assertThat(HtmlText.render("<font face=\"Arial_Black\">a</font>").fontFaceBad).isTrue();
        assertThat(HtmlText.render("<font face=\"Verdana, Arial\">b</font>").fontFaceBad).isFalse();
    }

    @Test
    void extraClosingTagsAreCountedAndBalanceStaysAtZero() {
        HtmlText h = HtmlText.render("<html><body><p>x</body></body></html></p>");
        assertThat(h.inside).containsEntry("body", 0).containsEntry("p", 0);
        assertThat(v(h, "closed_extra_ratio")).isCloseTo(1.0 / 7, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void commentsAnchorsAndImageArea() {
        HtmlText h = HtmlText.render("<!-- saved from url=(0022)http://example.com/ --><a href=\"http://e.com/\"><img src=\"i.gif\" width=\"50%\" height=\"10\"></a><img src=x width=10>");
        assertThat(h.comments).containsExactly("<!-- saved from url=(0022)http://example.com/ -->");
        assertThat(h.anchors).containsExactly("<img>\n");
        assertThat(h.imageArea).isEqualTo(4000); // 50% of 800 by 10; an image without both sizes adds nothing
        assertThat(h.inside).containsEntry("img", 2);
        assertThat(h.uris).containsExactly("http://e.com/", "i.gif", "x");
        assertThat(h.length).isEqualTo(138);
    }

    @Test
    void whitespaceOfBlockElements() {
        assertThat(HtmlText.render("a<br>b<p>c</p>d <li>e</li>  f<div>g</div>").text).isEqualTo("a\nb\n\nc\n\nd e f\ng\n");
        HtmlText t = HtmlText.render("<title>Hello &amp; welcome</title><p>x&nbsp;y &lt;b&gt;</p>");
        assertThat(t.text).isEqualTo("\n\nHello & welcome\n\n\n\nx y <b>\n\n");
        assertThat(t.titles).containsExactly("Hello & welcome");
        assertThat(t.nonSpaceLen).isEqualTo(18);
    }

    @Test
    void wordsSplitByMarkupAreObfuscation() {
        HtmlText h = HtmlText.render("Via<!-- -->gra is <b>c</b>heap");
        assertThat(h.text).isEqualTo("Viagra is cheap");
        assertThat(v(h, "obfuscation_ratio")).isEqualTo(1);
    }

    @Test
    void stylesAndIgnoredBgcolorAttribute() {
        HtmlText h = HtmlText.render("<div style=\"display:none\">x</div><span style=\"color:#fff;background-color:#fff\">y</span>"
                + "<table bgcolor=\"#000000\"><tr><td><font color=\"#000000\">z</font></td></tr></table>");
        assertThat(h.text).isEqualTo("\nx\ny z ");
        assertThat(h.fontLowContrast).isTrue();
        // SpamAssassin reads no bgcolor attribute: black text in a black table is not low contrast there
        HtmlText table = HtmlText.render("<table bgcolor=\"#000000\"><tr><td><font color=\"#000000\">z</font></td></tr></table>");
        assertThat(table.fontLowContrast).isFalse();
        HtmlText bg = HtmlText.render("<span style=\"background: url(x.png) #000000 no-repeat; color: rgb(10, 10, 10)\">dark</span>\n");
        assertThat(bg.fontLowContrast).isTrue();
        assertThat(bg.text).isEqualTo("dark ");
    }

    @Test
    void elementRatiosCountNamespacesAndDoctype() {
        HtmlText h = HtmlText.render("<o:p></o:p><foo>bar</foo><!DOCTYPE html><center>c</center>");
        assertThat(h.text).isEqualTo("barc");
        assertThat(v(h, "bad_tag_ratio")).isCloseTo(2.0 / 7, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(v(h, "non_element_ratio")).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(h.inside).containsKeys("!doctype", "o:p", "foo", "center");
    }

    @Test
    void lengthCountsLineEndsAsLf() {
        // SpamAssassin: length 22 for "<p>a</p>\n<p>b</p>\n<br>" given with LF line ends
        assertThat(HtmlText.render("<p>a</p>\r\n<p>b</p>\r\n<br>").length).isEqualTo(22);
    }

    @Test
    void emptyPartIsNotParsed() {
        assertThat(HtmlText.render("").parsed).isFalse();
    }
}
