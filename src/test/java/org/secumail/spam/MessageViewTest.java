// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The body's paragraphs (SpamAssassin's rendered body array), split by hand. */
class MessageViewTest {
    /** What the split used to be: the regular expressions, as SpamAssassin writes them. */
    private static List<String> byRegex(String body) {
        List<String> out = new ArrayList<>();
        for (String p : body.split("\n[ \t\r\u000b]*\n")) {
            String c = p.replaceAll("[ \t\n\r\u000b]+", " ");
            if (c.isBlank()) continue;
            for (int i = 0; i < c.length(); i += 2048) out.add(c.substring(i, Math.min(c.length(), i + 2048)));
        }
        return out;
    }

    @Test
    void paragraphsEndAtABlankLine() {
        assertThat(MessageView.splitParagraphs("Hello  there,\r\nfriend.\r\n \t\r\n\r\nBye\n"))
                .containsExactly("Hello there, friend. ", " Bye ");
        assertThat(MessageView.splitParagraphs("a\n\n\nb")).containsExactly("a", " b");
    }

    @Test
    void sameParagraphsAsTheRegularExpressions() {
        String[] tokens = {"a", "bc", " ", "  ", "\t", "\n", "\r", "\r\n", "\u000b", "\f", "\u00a0", "\u00e9", "\n\n", " \n", "\n \n"};
        Random rnd = new Random(7);
        int paragraphs = 0;
        for (int k = 0; k < 20_000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(16); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
            String body = sb.toString();
            List<String> expected = byRegex(body);
            assertThat(MessageView.splitParagraphs(body)).as("\"" + body + "\"").isEqualTo(expected);
            paragraphs += expected.size();
        }
        assertThat(paragraphs).isGreaterThan(20_000);
        String longOne = "word ".repeat(1000) + "\n\n" + "x".repeat(5000) + "\n";
        assertThat(MessageView.splitParagraphs(longOne)).isEqualTo(byRegex(longOne)).hasSize(6);
    }
}
