// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Postfix's $name expansion (postconf(5) "parameter expansion"), shared by main.cf values and
 * reply templates such as default_rbl_reply: $name, ${name}, $(name), ${name?text} (text when
 * name is non-empty), ${name:text} (text when name is empty) and $$ for a literal '$'. A '$'
 * that starts none of these is an error ("empty macro name"), as in Postfix.
 */
public final class Macros {
    private static final Pattern REF = Pattern.compile("\\$(?:\\$|\\{([A-Za-z0-9_.\\-]+)(?:([?:])([^}]*))?\\}|\\(([A-Za-z0-9_.\\-]+)(?:([?:])([^)]*))?\\)|([A-Za-z0-9_]+))");

    private Macros() { }

    /**
     * Expands {@code value} once; {@code lookup} gives a name's value (already expanded, or ""
     * for an unknown name) and {@code recurse} expands the text of ${name?text} / ${name:text}.
     */
    public static String expand(String value, Function<String, String> lookup, Function<String, String> recurse) {
        if (value == null) return "";
        if (value.indexOf('$') < 0) return value;
        Matcher m = REF.matcher(value);
        StringBuilder sb = new StringBuilder();
        int expectedAt = value.indexOf('$');
        while (m.find()) {
            if (m.start() > expectedAt) throw emptyName(value);
            expectedAt = value.indexOf('$', m.end());
            if (expectedAt < 0) expectedAt = Integer.MAX_VALUE;
            String rep;
            if (m.group().equals("$$")) {
                rep = "$";
            } else {
                String name = m.group(1) != null ? m.group(1) : m.group(4) != null ? m.group(4) : m.group(7);
                String op = m.group(2) != null ? m.group(2) : m.group(5);
                String text = m.group(3) != null ? m.group(3) : m.group(6);
                String v = lookup.apply(name);
                if (v == null) v = "";
                if (op == null) rep = v;
                else if (op.equals("?")) rep = v.isEmpty() ? "" : recurse.apply(text);
                else rep = v.isEmpty() ? recurse.apply(text) : "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep));
        }
        if (expectedAt != Integer.MAX_VALUE) throw emptyName(value);
        m.appendTail(sb);
        return sb.toString();
    }

    /** Expands a template against fixed values (no recursion into the values themselves). */
    public static String expand(String template, Function<String, String> values) {
        return expand(template, values, t -> expand(t, values));
    }

    private static ConfigException emptyName(String value) {
        return new ConfigException("empty macro name in \"" + value + "\" (write $$ for a literal $)");
    }
}
