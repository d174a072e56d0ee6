// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads main.cf syntax as postconf(5) describes it: a logical line starts with non-whitespace
 * text and continues on following lines that start with whitespace; lines whose first
 * non-whitespace character is '#' are comments, and empty lines are ignored (also between
 * continuation lines). '#' elsewhere is not a comment. "name = value"; whitespace around the
 * '=' and at the end of the value is dropped. A later definition of a name replaces an earlier one.
 */
public final class MainCfParser {
    private MainCfParser() { }

    /** @param source file name for error messages */
    public static Map<String, String> parse(String text, String source) {
        Map<String, String> out = new LinkedHashMap<>();
        StringBuilder logical = null;
        int startLine = 0;
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            if (Character.isWhitespace(line.charAt(0))) {
                if (logical == null) {
                    throw new ConfigException(source + ", line " + (i + 1) + ": text starts with whitespace but continues no parameter: \"" + trimmed + "\"");
                }
                logical.append(' ').append(trimmed);
                continue;
            }
            if (logical != null) put(out, logical.toString(), source, startLine);
            logical = new StringBuilder(trimmed);
            startLine = i + 1;
        }
        if (logical != null) put(out, logical.toString(), source, startLine);
        return out;
    }

    private static void put(Map<String, String> out, String logical, String source, int line) {
        int eq = logical.indexOf('=');
        if (eq <= 0) throw new ConfigException(source + ", line " + line + ": missing '=' after parameter name: \"" + logical + "\"");
        String name = logical.substring(0, eq).strip();
        if (!name.matches("[A-Za-z0-9_.\\-]+")) {
            throw new ConfigException(source + ", line " + line + ": bad parameter name: \"" + name + "\"");
        }
        out.remove(name);
        out.put(name, logical.substring(eq + 1).strip());
    }
}
