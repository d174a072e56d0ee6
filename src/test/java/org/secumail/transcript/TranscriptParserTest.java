// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TranscriptParserTest {
    @Test
    void parsesEveryKindOfLine() {
        Transcript t = TranscriptParser.parse("x.txt", """
                # A stranger may not relay through us.
                # a second comment is only a comment
                @main.cf smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
                @tags dns secumail-only

                S: 220 *
                C: XCLIENT ADDR=192.0.2.10
                S... 250 *
                S-: 250-PIPELINING
                R: DATA\\r\\nbare\\nline\\t\\0\\\\\\x41\\r\\n.\\r\\n
                W: 1500
                C:
                S: <closed>
                """);
        assertThat(t.description()).isEqualTo("A stranger may not relay through us.");
        assertThat(t.mainCf()).containsExactly("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination");
        assertThat(t.tags()).containsExactlyInAnyOrder("dns", "secumail-only");
        assertThat(t.steps()).hasSize(8);
        assertThat(t.steps().get(0)).isEqualTo(new Step.Expect(6, "220 *", false));
        assertThat(t.steps().get(1)).isEqualTo(new Step.Send(7, "XCLIENT ADDR=192.0.2.10"));
        assertThat(t.steps().get(2)).isEqualTo(new Step.Expect(8, "250 *", false));
        assertThat(t.steps().get(3)).isEqualTo(new Step.Expect(9, "250-PIPELINING", true));
        Step.SendRaw raw = (Step.SendRaw) t.steps().get(4);
        assertThat(new String(raw.bytes(), StandardCharsets.ISO_8859_1)).isEqualTo("DATA\r\nbare\nline\t\0\\A\r\n.\r\n");
        assertThat(t.steps().get(5)).isEqualTo(new Step.Wait(11, 1500));
        assertThat(t.steps().get(6)).isEqualTo(new Step.Send(12, ""));
        assertThat(t.steps().get(7)).isEqualTo(new Step.ExpectClosed(13));
    }

    @Test
    void alsoExpectationFollowsAnExpectation() {
        Transcript t = TranscriptParser.parse("x.txt", "# d\nC: EHLO x\nS-: 250-PIPELINING\nS+: 250-DSN\nS+: 250 8BITMIME\n");
        assertThat(t.steps()).containsExactly(new Step.Send(2, "EHLO x"), new Step.Expect(3, "250-PIPELINING", true),
                new Step.ExpectAlso(4, "250-DSN"), new Step.ExpectAlso(5, "250 8BITMIME"));
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nC: EHLO x\nS+: 250-DSN\n"))
                .hasMessageStartingWith("bad.txt:3: S+: checks the reply of the step before");
    }

    @Test
    void keepsTrailingSpacesOfSentLinesAndAcceptsCrlfFiles() {
        Transcript t = TranscriptParser.parse("x.txt", "# d\r\nC: MAIL FROM:<a@b> \r\nS: 250 *\r\n");
        assertThat(t.steps()).containsExactly(new Step.Send(2, "MAIL FROM:<a@b> "), new Step.Expect(3, "250 *", false));
    }

    @Test
    void nonAsciiTextBecomesItsUtf8Bytes() {
        Transcript t = TranscriptParser.parse("x.txt", "# d\nC: RCPT TO:<jöran@example.test>\nS: 553 *ö*\n");
        assertThat(((Step.Send) t.steps().get(0)).text()).isEqualTo("RCPT TO:<j\u00c3\u00b6ran@example.test>");
        assertThat(((Step.Expect) t.steps().get(1)).pattern()).isEqualTo("553 *\u00c3\u00b6*");
    }

    @Test
    void mainCfLinesComposeOverTheBase() {
        Transcript t = TranscriptParser.parse("t.txt", "# d\n@main.cf a = 1\n@main.cf b = 2\nS: 220 *\n");
        assertThat(t.mainCfOver("x = y")).isEqualTo("x = y\n# from t.txt\na = 1\nb = 2\n");
        Transcript plain = TranscriptParser.parse("p.txt", "# d\nS: 220 *\n");
        assertThat(plain.mainCfOver("x = y\n")).isEqualTo("x = y\n");
    }

    @Test
    void errorsNameFileAndLine() {
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nS: 220 *\nX: what\n"))
                .isInstanceOf(TranscriptParseException.class).hasMessageStartingWith("bad.txt:3: cannot parse 'X: what'");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nR: a\\qb\n"))
                .hasMessageStartingWith("bad.txt:2: column 5: unknown escape '\\q'");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nR: \\x4\n"))
                .hasMessageContaining("bad.txt:2: column 4: \\x needs two hex digits");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nR: ab\\\n"))
                .hasMessageContaining("bad.txt:2: column 6: '\\' at end of line");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nW: soon\n"))
                .hasMessageStartingWith("bad.txt:2: W: needs a number of milliseconds");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nW: 600001\n"))
                .hasMessageStartingWith("bad.txt:2: W: 600001 is outside");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\n@maincf x = y\nS: 220 *\n"))
                .hasMessageStartingWith("bad.txt:2: unknown directive '@maincf'");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nS:\n"))
                .hasMessageStartingWith("bad.txt:2: empty reply pattern");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# d\nS-: <closed>\n"))
                .hasMessageStartingWith("bad.txt:2: <closed> only works with 'S:'");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "S: 220 *\n"))
                .hasMessageStartingWith("bad.txt:1: no description");
        assertThatThrownBy(() -> TranscriptParser.parse("bad.txt", "# only a comment\n"))
                .hasMessageStartingWith("bad.txt:2: no steps");
    }
}
