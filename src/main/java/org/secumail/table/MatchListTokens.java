// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * The shared front end of Postfix match lists (match_list.c): each token may carry '!'
 * prefixes (each one toggles negation), and a "/file/name" token is replaced by the patterns
 * in that file, which are separated by commas and/or whitespace, with '#' comment lines and
 * continuation lines as in other Postfix files. A negated file negates each of its patterns.
 */
final class MatchListTokens {
    private MatchListTokens() { }

    private static final int MAX_FILE_DEPTH = 10;

    /** One pattern with its negation. */
    record Token(String pattern, boolean negated) { }

    static List<Token> expand(List<String> tokens) {
        List<Token> out = new ArrayList<>();
        expand(tokens, false, out, 0);
        return out;
    }

    private static void expand(List<String> tokens, boolean negatedOuter, List<Token> out, int depth) {
        for (String raw : tokens) {
            String t = raw.strip();
            if (t.isEmpty()) continue;
            boolean negated = negatedOuter;
            int i = 0;
            while (i < t.length() && t.charAt(i) == '!') { negated = !negated; i++; }
            String pattern = t.substring(i);
            if (pattern.isEmpty()) throw new ConfigException("no pattern after '!' in \"" + raw + "\"");
            if (pattern.startsWith("/")) {
                if (depth >= MAX_FILE_DEPTH) throw new ConfigException(pattern + ": files nested too deeply in a match list");
                Path file = Path.of(pattern);
                List<String> inner = new ArrayList<>();
                for (LogicalLines.Line line : LogicalLines.split(LogicalLines.read(file, pattern), file.toString())) {
                    inner.addAll(MainConfig.splitList(line.text()));
                }
                expand(inner, negated, out, depth + 1);
            } else {
                out.add(new Token(pattern, negated));
            }
        }
    }
}
