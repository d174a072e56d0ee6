// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tag=value list of RFC 6376 section 3.2, shared by DKIM-Signature, key records and the
 * ARC header fields (RFC 8617 section 4.1). Names are case-sensitive; values are kept with
 * their inner folding whitespace but with leading and trailing whitespace removed. A
 * duplicate tag name makes the whole list invalid (section 3.2), as does a tag without "="
 * or a name that is not ALPHA *(ALPHA / DIGIT / "_").
 */
public final class TagList {
    /** A bound on the number of tags, so that a crafted header costs little to reject. */
    public static final int MAX_TAGS = 64;

    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) { this.tags = Collections.unmodifiableMap(tags); }

    /** Parses the text (the value of a header field, or a TXT record). */
    public static TagList parse(String text) throws DkimException {
        Map<String, String> tags = new LinkedHashMap<>();
        int n = text.length();
        int start = 0;
        while (start <= n) {
            int semi = text.indexOf(';', start);
            if (semi < 0) semi = n;
            String spec = text.substring(start, semi);
            start = semi + 1;
            if (isBlank(spec)) {
                // an empty final tag-spec ("...; ") is allowed by the ABNF's trailing [";"]
                if (start > n) break;
                if (!isBlank(text.substring(start))) throw DkimException.perm("empty tag in tag list");
                break;
            }
            int eq = spec.indexOf('=');
            if (eq < 0) throw DkimException.perm("tag without '=': " + clip(spec.strip()));
            String name = stripFws(spec.substring(0, eq));
            if (!validName(name)) throw DkimException.perm("bad tag name: " + clip(name));
            String value = stripFws(spec.substring(eq + 1));
            if (tags.putIfAbsent(name, value) != null) throw DkimException.perm("duplicate tag " + name + "=");
            if (tags.size() > MAX_TAGS) throw DkimException.perm("too many tags");
        }
        return new TagList(tags);
    }

    public String get(String name) { return tags.get(name); }

    public boolean has(String name) { return tags.containsKey(name); }

    public Map<String, String> asMap() { return tags; }

    /** The value with every whitespace character removed (b=, bh=, p=: base64 with FWS). */
    public String compact(String name) {
        String v = tags.get(name);
        return v == null ? null : removeWhitespace(v);
    }

    static String removeWhitespace(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') sb.append(c);
        }
        return sb.toString();
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !Character.isLetter(name.charAt(0)) || name.charAt(0) > 127) return false;
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_'))) return false;
        }
        return true;
    }

    private static String stripFws(String s) {
        int b = 0, e = s.length();
        while (b < e && isWs(s.charAt(b))) b++;
        while (e > b && isWs(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    private static boolean isWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

    private static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) if (!isWs(s.charAt(i))) return false;
        return true;
    }

    public static String clip(String s) { return s.length() > 40 ? s.substring(0, 40) + "..." : s; }
}
