// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;

/**
 * The Postfix 3.0 inline syntax "{ item, { item with spaces }, ... }" (postconf(5), "inline"
 * and DATABASE_README): items are separated by comma and/or whitespace; an item that contains
 * whitespace or commas is itself enclosed in braces, which are removed together with the
 * whitespace just inside them.
 */
final class BraceList {
    private BraceList() { }

    static boolean isBraced(String s) {
        String t = s.strip();
        return t.startsWith("{") && t.endsWith("}");
    }

    /** Removes one pair of enclosing braces and the whitespace inside them. */
    static String unbrace(String s, String spec) {
        String t = s.strip();
        if (!isBraced(t)) throw new ConfigException("\"" + spec + "\": missing '}' or '{' in \"" + t + "\"");
        return t.substring(1, t.length() - 1).strip();
    }

    /** The items of "{ ... }", braces of braced items removed. */
    static List<String> items(String braced, String spec) {
        String body = unbrace(braced, spec);
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) { i++; continue; }
            int start = i;
            if (c == '{') {
                int depth = 0;
                for (; i < body.length(); i++) {
                    if (body.charAt(i) == '{') depth++;
                    else if (body.charAt(i) == '}' && --depth == 0) break;
                }
                if (i >= body.length()) throw new ConfigException("\"" + spec + "\": missing '}' in \"" + body.substring(start) + "\"");
                out.add(body.substring(start + 1, i).strip());
                i++;
                continue;
            }
            while (i < body.length() && body.charAt(i) != ',' && !Character.isWhitespace(body.charAt(i))) {
                if (body.charAt(i) == '{' || body.charAt(i) == '}') {
                    throw new ConfigException("\"" + spec + "\": unexpected '" + body.charAt(i) + "' in \"" + body.substring(start) + "\"");
                }
                i++;
            }
            out.add(body.substring(start, i));
        }
        return out;
    }
}
