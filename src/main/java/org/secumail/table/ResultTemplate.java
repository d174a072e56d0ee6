// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.secumail.config.ConfigException;

/**
 * The result text of a regexp_table(5) or pcre_table(5) rule: "$1", "${1}" and "$(1)" stand
 * for the text matched by a parenthesized group of the pattern, "$$" for a '$'. A group that
 * took no part in the match expands to nothing. As in Postfix, a group number beyond the
 * pattern's groups, a non-numeric "${name}", or any "$n" after a negated pattern (which has no
 * groups to offer) is a configuration error.
 */
final class ResultTemplate {
    private final List<Object> parts;   // String literals and Integer group numbers
    private final boolean usesGroups;

    private ResultTemplate(List<Object> parts) {
        this.parts = List.copyOf(parts);
        this.usesGroups = parts.stream().anyMatch(p -> p instanceof Integer);
    }

    static ResultTemplate parse(String text, int groupCount, boolean negated, String where) {
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 >= text.length()) {
                lit.append(c);
                i++;
                continue;
            }
            char n = text.charAt(i + 1);
            String ref;
            if (n == '$') {
                lit.append('$');
                i += 2;
                continue;
            } else if (n == '{' || n == '(') {
                char close = n == '{' ? '}' : ')';
                int end = text.indexOf(close, i + 2);
                if (end < 0) throw new ConfigException(where + "missing '" + close + "' in \"" + text + "\"");
                ref = text.substring(i + 2, end);
                i = end + 1;
            } else if (Character.isLetterOrDigit(n) || n == '_') {
                int end = i + 1;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) end++;
                ref = text.substring(i + 1, end);
                i = end;
            } else {
                lit.append(c);      // a lone '$' stays literal, as Postfix's mac_parse() leaves it
                i++;
                continue;
            }
            if (!ref.matches("\\d+")) throw new ConfigException(where + "non-numeric replacement index \"" + ref + "\"");
            int group;
            try {
                group = Integer.parseInt(ref);
            } catch (NumberFormatException e) {
                // More digits than an int holds: out of range below, not an escaping NumberFormatException (found by fuzzing).
                group = Integer.MAX_VALUE;
            }
            if (negated) throw new ConfigException(where + "$number found in negative match replacement text");
            if (group == 0 || group > groupCount) throw new ConfigException(where + "out of range replacement index \"" + ref + "\"");
            if (!lit.isEmpty()) { parts.add(lit.toString()); lit.setLength(0); }
            parts.add(group);
        }
        if (!lit.isEmpty()) parts.add(lit.toString());
        return new ResultTemplate(parts);
    }

    /** @param m the matcher of the rule's (first, non-negated) pattern after a successful match */
    String expand(Matcher m) {
        if (!usesGroups && parts.size() == 1) return (String) parts.get(0);
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Integer g) {
                String v = m.group(g);
                if (v != null) sb.append(v);
            } else {
                sb.append((String) p);
            }
        }
        return sb.toString();
    }
}
