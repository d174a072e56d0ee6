// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.LinkedHashMap;
import java.util.Map;
import org.secumail.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two text formats of fixed-key tables: postmap(1) input ("key whitespace value") and
 * aliases(5) ("name: value, value"). Keys are folded to lower case. A duplicate key keeps its
 * first value and logs a warning, as postmap and postalias do by default. A malformed line is
 * a configuration error naming the file and line: a silently dropped access rule could let
 * mail through that the administrator meant to reject.
 */
final class TextTableFormats {
    private static final Logger log = LoggerFactory.getLogger("secumail.table");

    private TextTableFormats() { }

    /**
     * postmap(1): the key ends at the first whitespace; since Postfix 3.2 a key may contain
     * whitespace inside double quotes, with \" and \\ escapes. The quoted text stays part of
     * the key, which is how an RFC 5322 quoted local part ("a b"@example.com) is looked up.
     */
    static Map<String, String> postmap(String text, String source) {
        Map<String, String> out = new LinkedHashMap<>();
        for (LogicalLines.Line line : LogicalLines.split(text, source)) {
            String s = line.text().strip();
            int end = keyEnd(s, source, line.number());
            String key = s.substring(0, end);
            String value = s.substring(end).strip();
            String hint = key.endsWith(":") ? " (record is in \"key: value\" format; is this an alias file?)" : "";
            if (value.isEmpty()) {
                throw new ConfigException(source + ", line " + line.number()
                        + ": expected format: key whitespace value" + hint);
            }
            if (!hint.isEmpty()) log.warn("{}, line {}: key \"{}\"{}", source, line.number(), key, hint);
            put(out, MapTable.fold(key), value, source, line.number());
        }
        return out;
    }

    private static int keyEnd(String s, String source, int lineNo) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\' && i + 1 < s.length()) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && Character.isWhitespace(c)) {
                return i;
            }
        }
        if (quoted) throw new ConfigException(source + ", line " + lineNo + ": missing closing '\"' in key");
        return s.length();
    }

    /**
     * aliases(5): "name: value1, value2, ...". The name may be quoted ("x y": ...); the quotes
     * are removed, as postalias stores names in internal (unquoted) form. The value is kept as
     * one string; local(8) splits it into addresses, files, commands and :include: lists.
     */
    static Map<String, String> aliases(String text, String source) {
        Map<String, String> out = new LinkedHashMap<>();
        for (LogicalLines.Line line : LogicalLines.split(text, source)) {
            String s = line.text().strip();
            String name;
            int colon;
            if (s.startsWith("\"")) {
                StringBuilder sb = new StringBuilder();
                int i = 1;
                for (; i < s.length() && s.charAt(i) != '"'; i++) {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) i++;
                    sb.append(s.charAt(i));
                }
                if (i >= s.length()) throw new ConfigException(source + ", line " + line.number() + ": missing closing '\"' in alias name");
                name = sb.toString();
                colon = s.indexOf(':', i + 1);
                if (colon < 0 || !s.substring(i + 1, colon).isBlank()) colon = -1;
            } else {
                colon = s.indexOf(':');
                name = colon < 0 ? "" : s.substring(0, colon).strip();
            }
            if (colon < 0 || name.isEmpty()) {
                throw new ConfigException(source + ", line " + line.number() + ": need name:value pair");
            }
            String value = s.substring(colon + 1).strip();
            if (value.isEmpty()) {
                throw new ConfigException(source + ", line " + line.number() + ": no value for alias \"" + name + "\"");
            }
            put(out, MapTable.fold(name), value, source, line.number());
        }
        return out;
    }

    private static void put(Map<String, String> out, String key, String value, String source, int lineNo) {
        if (out.containsKey(key)) {
            log.warn("{}, line {}: duplicate entry: \"{}\"", source, lineNo, key);
            return;
        }
        out.put(key, value);
    }
}
