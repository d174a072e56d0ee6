// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;

/**
 * Postfix's table source syntax (postmap(1) "INPUT FILE FORMAT", also used by cidr_table(5),
 * regexp_table(5), pcre_table(5) and aliases(5)): empty and whitespace-only lines are ignored,
 * as are lines whose first non-whitespace character is '#' (also between continuation lines);
 * a logical line starts with non-whitespace text and a line that starts with whitespace
 * continues it. The continuation is appended as is, without the newline, as Postfix's
 * readllines() does.
 */
final class LogicalLines {
    private LogicalLines() { }

    /** One logical line and the number of the physical line where it starts. */
    record Line(int number, String text) { }

    static List<Line> split(String text, String source) {
        List<Line> out = new ArrayList<>();
        StringBuilder cur = null;
        int start = 0;
        int n = 0;
        for (String line : text.split("\r?\n", -1)) {
            n++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            if (Character.isWhitespace(line.charAt(0))) {
                if (cur == null) {
                    throw new ConfigException(source + ", line " + n
                            + ": logical line must not start with whitespace: \"" + trimmed + "\"");
                }
                cur.append(line.stripTrailing());
                continue;
            }
            if (cur != null) out.add(new Line(start, cur.toString()));
            cur = new StringBuilder(line.stripTrailing());
            start = n;
        }
        if (cur != null) out.add(new Line(start, cur.toString()));
        return out;
    }

    /** Reads a table source file; a missing or unreadable file is a configuration error naming it. */
    static String read(Path file, String spec) {
        try {
            // Postfix tables are byte strings; undecodable bytes become U+FFFD rather than failing.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("open " + file + ": No such file or directory (table \"" + spec + "\")", e);
        } catch (IOException e) {
            throw new ConfigException("open " + file + ": " + e.getMessage() + " (table \"" + spec + "\")", e);
        }
    }
}
