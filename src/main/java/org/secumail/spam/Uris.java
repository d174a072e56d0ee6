// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URIs in plain text, as SpamAssassin's uri rules and URI blocklists see them: scheme URIs
 * (http, https, ftp, mailto), "www." and "ftp." hosts without a scheme (given "http://"),
 * and bare e-mail addresses (as "mailto:"). Each is added in its found form; a scheme-less
 * one also in its canonical form, as SpamAssassin does.
 */
final class Uris {
    private Uris() { }

    private static final Pattern SCHEME = Pattern.compile("(?i)\\b(?:https?|ftp)://[^\\s<>\"'`{}|\\\\^\\[\\]]+|\\bmailto:[^\\s<>\"'`]+");
    private static final Pattern WWW = Pattern.compile("(?i)(?<![\\w./@-])(?:www|ftp)\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?:[/?#][^\\s<>\"'`]*)?");
    private static final Pattern MAIL = Pattern.compile("(?i)(?<![\\w.:/-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}");
    /** At most this many URIs are taken from one message. */
    static final int MAX = 1000;

    static void fromText(String text, Collection<String> out) {
        if (text.length() > 2_000_000) text = text.substring(0, 2_000_000);
        Matcher m = SCHEME.matcher(text);
        while (m.find() && out.size() < MAX) out.add(trim(m.group()));
        m = WWW.matcher(text);
        while (m.find() && out.size() < MAX) {
            String u = trim(m.group());
            out.add(u);
            out.add((u.toLowerCase(Locale.ROOT).startsWith("ftp.") ? "ftp://" : "http://") + u);
        }
        m = MAIL.matcher(text);
        while (m.find() && out.size() < MAX) out.add("mailto:" + m.group());
    }

    /** Punctuation that ends a sentence is not part of the URI. */
    private static String trim(String u) {
        int end = u.length();
        while (end > 0 && ".,;:!?)]>'\"".indexOf(u.charAt(end - 1)) >= 0) end--;
        return u.substring(0, end);
    }

    /** The host of a URI (lower case, no port, no user), or "" when it has none. */
    static String host(String uri) {
        String u = uri;
        int s = u.indexOf("://");
        if (s >= 0) {
            u = u.substring(s + 3);
        } else if (u.regionMatches(true, 0, "mailto:", 0, 7)) {
            int at = u.indexOf('@');
            u = at < 0 ? "" : u.substring(at + 1);
        }
        int end = u.length();
        for (int i = 0; i < u.length(); i++) {
            char c = u.charAt(i);
            if (c == '/' || c == '?' || c == '#' || c == '>' || c == '"') { end = i; break; }
        }
        u = u.substring(0, end);
        int at = u.lastIndexOf('@');
        if (at >= 0) u = u.substring(at + 1);
        int colon = u.lastIndexOf(':');
        if (colon >= 0 && !u.startsWith("[")) u = u.substring(0, colon);
        while (u.endsWith(".")) u = u.substring(0, u.length() - 1);
        return u.toLowerCase(Locale.ROOT);
    }
}
