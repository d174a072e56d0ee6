// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Postfix string list (string_list.c: smtpd_forbidden_commands,
 * postscreen_forbidden_commands): patterns tried in order, the first match decides, "!pattern"
 * negates. A pattern is a string compared without regard to case, or a "type:table" whose
 * lookup of the string finds something ("regexp:{{/^[^A-Z]/ Bogus}}"). A lookup that fails
 * counts as no match: these lists guard non-critical features.
 */
public final class StringMatchList {
    private record Entry(String text, LookupTable table, boolean negated) { }

    private final List<Entry> entries;

    private StringMatchList(List<Entry> entries) {
        this.entries = entries;
    }

    public static StringMatchList of(List<String> tokens, Path configDir) {
        List<Entry> entries = new ArrayList<>();
        for (MatchListTokens.Token t : MatchListTokens.expand(tokens)) {
            String p = t.pattern();
            if (Tables.looksLikeTable(p)) entries.add(new Entry(null, Tables.open(p, configDir), t.negated()));
            else entries.add(new Entry(p.toLowerCase(Locale.ROOT), null, t.negated()));
        }
        return new StringMatchList(List.copyOf(entries));
    }

    public boolean isEmpty() { return entries.isEmpty(); }

    public boolean matches(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        for (Entry e : entries) {
            boolean hit;
            if (e.table() == null) {
                hit = e.text().equals(lower);
            } else {
                try {
                    hit = e.table().lookup(s).isPresent();
                } catch (LookupException ex) {
                    hit = false;
                }
            }
            if (hit) return !e.negated();
        }
        return false;
    }
}
