// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Uris.fromText tries each pattern only where it can start; this compares it with the plain
 * find() loops over the same patterns (what it replaced) on texts built from the fragments
 * that matter: schemes, "www.", "@", the lookbehind characters, case, non-ASCII.
 */
class UrisTest {
    private static final Pattern SCHEME = Pattern.compile("(?i)\\b(?:https?|ftp)://[^\\s<>\"'`{}|\\\\^\\[\\]]+|\\bmailto:[^\\s<>\"'`]+");
    private static final Pattern WWW = Pattern.compile("(?i)(?<![\\w./@-])(?:www|ftp)\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?:[/?#][^\\s<>\"'`]*)?");
    private static final Pattern MAIL = Pattern.compile("(?i)(?<![\\w.:/-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}");

    /** The find() loops as they were. */
    private static List<String> reference(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SCHEME.matcher(text);
        while (m.find() && out.size() < Uris.MAX) out.add(trim(m.group()));
        m = WWW.matcher(text);
        while (m.find() && out.size() < Uris.MAX) {
            String u = trim(m.group());
            out.add(u);
            out.add((u.toLowerCase(Locale.ROOT).startsWith("ftp.") ? "ftp://" : "http://") + u);
        }
        m = MAIL.matcher(text);
        while (m.find() && out.size() < Uris.MAX) out.add("mailto:" + m.group());
        return out;
    }

    private static String trim(String u) {
        int end = u.length();
        while (end > 0 && ".,;:!?)]>'\"".indexOf(u.charAt(end - 1)) >= 0) end--;
        return u.substring(0, end);
    }

    private static List<String> fromText(String text) {
        List<String> out = new ArrayList<>();
        Uris.fromText(text, out);
        return out;
    }

    @Test
    void findsWhatThePlainLoopsFind() {
        assertThat(fromText("see http://a.example/x, www.b.example and mail me: joe.user+tag@c.example."))
                .containsExactly("http://a.example/x", "www.b.example", "http://www.b.example", "mailto:joe.user+tag@c.example");
        assertThat(fromText("a@b.com.x@y.org ftp:http://x mailto:z@q.org")).isEqualTo(reference("a@b.com.x@y.org ftp:http://x mailto:z@q.org"));
    }

    @Test
    void agreesWithTheFindLoopsOnRandomTexts() {
        String[] parts = {"http://", "HTTPS://", "https:/", "ftp://", "Ftp.", "mailto:", "MAILTO:", "www.", "WwW.", "www", "ftp",
            "@", "@@", ".", "..", "a", "b.com", "x.org", "Ex-ample.NET", "+", "%", "-", "_", ":", "/", "//", " ", "\n", "\t",
            "é", "\u212a", "<", ">", "\"", "'", "1", "co", "user", "[", "]", "?", "#", "x.y.z", ".c", "s", "http", "to:"};
        Random rnd = new Random(20261207);
        int withUris = 0;
        for (int i = 0; i < 30_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(24);
            for (int k = 0; k < n; k++) sb.append(parts[rnd.nextInt(parts.length)]);
            String text = sb.toString();
            List<String> expected = reference(text);
            assertThat(fromText(text)).as(text).isEqualTo(expected);
            if (!expected.isEmpty()) withUris++;
        }
        assertThat(withUris).as("texts with URIs").isGreaterThan(3_000);
    }

    @Test
    void stopsAtTheLimitLikeTheLoops() {
        String text = "x@y.org ".repeat(Uris.MAX + 10) + "http://a.example";
        assertThat(fromText(text)).hasSize(Uris.MAX).isEqualTo(reference(text));
    }

    @Test
    void aLongRunBeforeAnAtSignIsLinear() {
        // find() tried the local part from every position of the run: quadratic
        String text = "+".repeat(200_000) + "@example.org " + "a".repeat(200_000) + "@x";
        assertThat(fromText(text)).containsExactly("mailto:" + "+".repeat(200_000) + "@example.org");
    }
}
