// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;

/**
 * An OpenDKIM "data set" (opendkim(8), DATA SETS) as OpenDKIM's configuration names it:
 * {@code file:/path} or a bare absolute path (a flat file: "key value" per line, '#'
 * comments), {@code refile:/path} (the keys are wildcard patterns, '*' matching any text,
 * tried in file order) or {@code csl:a,b,c} (an inline comma-separated list). Database types
 * (db:, dsn:, ldap:, lua:) stop startup with a message, never silently.
 *
 * @param spec    the specification as written
 * @param regex   true for refile:
 * @param entries the lines: key and value ("" when the line has only a key), in order
 */
public record OpenDkimDataset(String spec, boolean regex, List<Entry> entries) {
    public record Entry(String key, String value) { }

    public OpenDkimDataset {
        entries = List.copyOf(entries);
    }

    public static OpenDkimDataset load(String spec, Path configDir) {
        String s = spec.strip();
        if (s.startsWith("csl:")) {
            List<Entry> out = new ArrayList<>();
            for (String item : s.substring(4).split(",")) if (!item.isBlank()) out.add(new Entry(item.strip(), ""));
            return new OpenDkimDataset(spec, false, out);
        }
        boolean regex = s.startsWith("refile:");
        if (regex) s = s.substring(7);
        else if (s.startsWith("file:")) s = s.substring(5);
        else if (s.matches("^[a-z]+:.*") && !s.startsWith("/")) {
            throw new ConfigException("OpenDKIM data set " + spec + ": type not supported by SecuMail (use file:, refile: or csl:)");
        }
        Path p = configDir == null ? Path.of(s) : configDir.resolve(s);
        List<String> lines;
        try {
            lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("OpenDKIM data set " + spec + ": cannot read " + p + ": " + e.getMessage());
        }
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            String[] kv = line.split("\\s+", 2);
            out.add(new Entry(kv[0], kv.length > 1 ? kv[1].strip() : ""));
        }
        return new OpenDkimDataset(spec, regex, out);
    }

    /** refile: wildcard matching, case-insensitive (addresses and domains are). */
    static boolean wildcard(String pattern, String text) {
        String p = pattern.toLowerCase(java.util.Locale.ROOT);
        String t = text.toLowerCase(java.util.Locale.ROOT);
        int pi = 0;
        int ti = 0;
        int star = -1;
        int mark = 0;
        while (ti < t.length()) {
            if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = ti;
            } else if (pi < p.length() && p.charAt(pi) == t.charAt(ti)) {
                pi++;
                ti++;
            } else if (star >= 0) {
                pi = star + 1;
                ti = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') pi++;
        return pi == p.length();
    }
}
