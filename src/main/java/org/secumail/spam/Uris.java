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
    /** MAIL from its "@" on. */
    private static final Pattern MAIL_DOMAIN = Pattern.compile("(?i)@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}");
    /** At most this many URIs are taken from one message. */
    static final int MAX = 1000;

    static void fromText(String text, Collection<String> out) {
        if (text.length() > 2_000_000) text = text.substring(0, 2_000_000);
        schemes(text, out);
        hosts(text, out);
        mails(text, out);
    }

    /*
     * Each pattern is tried only where it can start, and there with lookingAt: what find()
     * would return, at a fraction of the cost (find() tries every position of the text, and
     * MAIL's local part made that quadratic in the length of each word). Transparent bounds
     * let \b and the lookbehinds see the character before the region, as find() does.
     */
    private static Matcher matcher(Pattern p, String text) {
        return p.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    }

    /** SCHEME: its colon is 3 to 6 characters after its start (ftp:, http:, https:, mailto:). */
    private static void schemes(String text, Collection<String> out) {
        Matcher m = matcher(SCHEME, text);
        int from = 0;
        for (int c = text.indexOf(':'); c >= 0 && out.size() < MAX; c = text.indexOf(':', Math.max(c + 1, from))) {
            for (int p = Math.max(from, c - 6); p <= c - 3; p++) {
                if (m.region(p, text.length()).lookingAt()) {
                    out.add(trim(m.group()));
                    from = m.end();
                    break;
                }
            }
        }
    }

    /** WWW: starts with "www." or "ftp.". */
    private static void hosts(String text, Collection<String> out) {
        Matcher m = matcher(WWW, text);
        int from = 0;
        for (int d = text.indexOf('.', 3); d >= 0 && out.size() < MAX; d = text.indexOf('.', Math.max(d + 1, from))) {
            int p = d - 3;
            if (p < from || !(text.regionMatches(true, p, "www", 0, 3) || text.regionMatches(true, p, "ftp", 0, 3))) continue;
            if (m.region(p, text.length()).lookingAt()) {
                String u = trim(m.group());
                out.add(u);
                out.add((u.toLowerCase(Locale.ROOT).startsWith("ftp.") ? "ftp://" : "http://") + u);
                from = m.end();
            }
        }
    }

    /**
     * MAIL: its local part is the run of local-part characters before an "@" (from any start
     * in it that the lookbehind allows), and whether the domain after that "@" matches is the
     * same for every start, so it is tested once.
     */
    private static void mails(String text, Collection<String> out) {
        Matcher m = matcher(MAIL, text);
        Matcher domain = matcher(MAIL_DOMAIN, text);
        int from = 0;
        for (int a = text.indexOf('@'); a >= 0 && out.size() < MAX; a = text.indexOf('@', Math.max(a + 1, from))) {
            if (!domain.region(a, text.length()).lookingAt()) continue;
            int left = a;
            while (left > from && localPart(text.charAt(left - 1))) left--;
            for (int p = left; p < a; p++) {
                if (m.region(p, text.length()).lookingAt()) {
                    out.add("mailto:" + m.group());
                    from = m.end();
                    break;
                }
            }
        }
    }

    /** MAIL's local-part class [a-z0-9._%+-] under (?i) (ASCII only, as the pattern). */
    private static boolean localPart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".._%+-".indexOf(c) >= 0;
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
