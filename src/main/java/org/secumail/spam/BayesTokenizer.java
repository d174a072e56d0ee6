// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokens Bayes learns and classifies by, as SpamAssassin's tokenizer makes them
 * (Plugin/Bayes.pm, tokenize and _tokenize_line), so that a classifier trained here
 * learns what SpamAssassin's would from the same mail:
 * <ul>
 *   <li>the visible body text, paragraph by paragraph with the Subject first (region 1), and the
 *       HTML text styled invisible, as "I*:" tokens;
 *   <li>every URI found in the text and HTML, whole (region 2);
 *   <li>the header fields that are not noise, each value chewed by its kind and prefixed by
 *       the field's (compressed) name, with the relay lines SpamAssassin derives
 *       ({@link BayesHeaderTokens}; region 0).
 * </ul>
 * A line keeps runs of letters, digits and , @ * ! _ ' " $ . - and whole UTF-8 sequences;
 * everything else separates words. Title case is folded where a sentence starts, words of
 * fewer than 3 octets and the stop words of bayes_stopword_languages are dropped, words
 * longer than bayes_max_token_length become "sk:" and their first 7 characters (in
 * headers and body; long UTF-8 words become their 3- and 4-octet characters), and body
 * words give addresses ("U*", "D*"), domains ("UD:") and their plain and lower-case forms.
 * Each distinct token counts once per message. Tokens are stored as 64-bit hashes
 * (FNV-1a over the octets): the store holds no text of the mail it learned from.
 */
final class BayesTokenizer {
    static final int HEADER = 0;
    static final int BODY = 1;
    static final int URI = 2;
    private static final int MAX_BODY_TOKENS = 50_000;
    private static final int MAX_URI_TOKENS = 10_000;
    private static final int MAX_HEADER_TOKENS = 10_000;

    /**
     * SpamAssassin's built-in English stop words (used when no bayes_stopword_en line is
     * loaded), anchored as the configured lists are.
     */
    static final String DEFAULT_STOPWORDS_EN = "(?:a(?:ble|l(?:ready|l)|n[dy]|re)|b(?:ecause|oth)|c(?:an|ome)|e(?:ach|mail|ven)"
            + "|f(?:ew|irst|or|rom)|give|h(?:a(?:ve|s)|ttp)|i(?:n(?:formation|to)|t')|just|know|l(?:ike|o(?:ng|ok))"
            + "|m(?:a(?:de|il(?:(?:ing|to))?|ke|ny)|o(?:re|st)|uch)|n(?:eed|o[tw]|umber)|o(?:ff|n(?:ly|e)|ut|wn)|p(?:eople|lace)"
            + "|right|s(?:ame|ee|uch)|t(?:h(?:at|is|rough|e)|ime)|using|w(?:eb|h(?:ere|y)|ith(?:out)?|or(?:ld|k))|y(?:ears?|ou(?:(?:'re|r))?))";

    private static final Pattern DOTS = Pattern.compile("(\\w)(\\.{3,6})(\\w)");
    private static final Pattern DASHES = Pattern.compile("(\\w)(-{2,6})(\\w)");
    private static final Pattern TITLE = Pattern.compile("(?:^|\\.\\s+)([A-Z])([^A-Z]+)(?:\\s|$)");
    private static final Pattern SPACES = Pattern.compile("[ \t\n\r\f\u000b]+");
    private static final Pattern MAIL = Pattern.compile("\\S@\\S");
    private static final Pattern DOMAIN = Pattern.compile("\\S\\.[a-zA-Z]");
    private static final Pattern UTF8_CHAR = Pattern.compile("(?:[\\xe0-\\xef]|[\\xf0-\\xf4][\\x80-\\xbf])[\\x80-\\xbf]{2}");
    private static final Pattern UTF8_PAIR = Pattern.compile("[\\x80-\\xbf]{2}");
    private static final Pattern SKIP = Pattern.compile("^((?>(?:[\\x00-\\x7f\\xf5-\\xff]|[\\xc0-\\xdf][\\x80-\\xbf]|[\\xe0-\\xef][\\x80-\\xbf]{2}"
            + "|[\\xf0-\\xf4][\\x80-\\xbf]{3}|.){7})).{2,}\\z", Pattern.DOTALL);
    private static final Pattern NOT_WORD = Pattern.compile("[^\\w:*]");

    private final BayesHeaderTokens headers;
    private final Pattern stopwords;
    private final int maxTokenLength;

    /**
     * @param ignoreHeaders  bayes_ignore_header fields (lower case)
     * @param stopwords      the stop words, or null for none
     * @param maxTokenLength bayes_max_token_length
     */
    BayesTokenizer(Set<String> ignoreHeaders, Pattern stopwords, int maxTokenLength) {
        this.headers = new BayesHeaderTokens(ignoreHeaders);
        this.stopwords = stopwords;
        this.maxTokenLength = maxTokenLength;
    }

    /** SpamAssassin's defaults: no ignored fields, the English stop words, 15 octets. */
    static BayesTokenizer defaults() {
        return new BayesTokenizer(Set.of(), stopwords(DEFAULT_STOPWORDS_EN), 15);
    }

    /**
     * The tokenizer a rule set configures: bayes_ignore_header, bayes_stopword_languages
     * (default en; "disable" for none) with the bayes_stopword_xx lists, bayes_max_token_length.
     */
    static BayesTokenizer of(RuleSet rules) {
        String langs = rules.setting("bayes_stopword_languages", "en").strip().toLowerCase(java.util.Locale.ROOT);
        StringBuilder re = new StringBuilder();
        if (!langs.equals("disable")) {
            for (String lang : langs.split("[\\s,]+")) {
                // as SpamAssassin: of several patterns on the line (or lines), the last one counts
                String[] list = rules.setting("bayes_stopword_" + lang, lang.equals("en") ? DEFAULT_STOPWORDS_EN : "").strip().split("\\s+");
                String last = list[list.length - 1];
                if (last.isEmpty()) continue;
                if (!re.isEmpty()) re.append('|');
                re.append(perlGroup(last));
            }
        }
        int max = 15;
        try {
            max = Integer.parseInt(rules.setting("bayes_max_token_length", "15").strip());
        } catch (NumberFormatException e) {
            max = 15;
        }
        Pattern sw = null;
        try {
            sw = re.isEmpty() ? null : stopwords(re.toString());
        } catch (RuntimeException e) {
            sw = stopwords(DEFAULT_STOPWORDS_EN);
        }
        return new BayesTokenizer(rules.conf().bayesIgnoreHeaders, sw, max);
    }

    /** SpamAssassin compiles each list as ^(?i)LIST$; "(?^:" (Perl's default flags) is Java's "(?-imsx:". */
    private static String perlGroup(String r) {
        return "(?:" + r.replace("(?^:", "(?-imsx:").replace("(?^i:", "(?i:") + ")";
    }

    private static Pattern stopwords(String re) {
        return Pattern.compile("(?i)(?:" + re + ")");
    }

    /** The message's tokens (texts, for dump and explanation); {@link #hash} turns each into the stored key. */
    Set<String> tokens(MessageView v) {
        Set<String> out = new LinkedHashSet<>();
        int limit = MAX_BODY_TOKENS;
        for (String p : v.bayesParagraphs(false)) {
            line(p, "", BODY, out);
            if (out.size() >= limit) break;
        }
        // text styled invisible (white on white, display:none, tiny fonts) under its own prefix:
        // what a reader does not see tells Bayes something else than what they do
        limit = out.size() + MAX_BODY_TOKENS;
        for (String p : v.bayesParagraphs(true)) {
            line(p, "I*:", BODY, out);
            if (out.size() >= limit) break;
        }
        limit = out.size() + MAX_URI_TOKENS;
        for (String u : v.uris) {
            line(MessageView.octets(u), "", URI, out); // URIs are found in decoded text; the rest is octets already
            if (out.size() >= limit) break;
        }
        limit = out.size() + MAX_HEADER_TOKENS;
        for (Map.Entry<String, String> h : headers.chewed(v).entrySet()) {
            line(h.getValue(), "H" + h.getKey() + ":", HEADER, out);
            if (out.size() >= limit) break;
        }
        out.remove("");
        return out;
    }

    /** One line of octets (a paragraph, a URI, a header's chewed value) into tokens (_tokenize_line). */
    void line(String text, String prefix, int region, Set<String> out) {
        String s = keepWordCharacters(text);
        s = DASHES.matcher(DOTS.matcher(s).replaceAll("$1 $2 $3")).replaceAll("$1 $2 $3");
        if (region != HEADER) s = foldTitleCase(s);
        for (String raw : SPACES.split(s)) {
            String token = trim(raw);
            int len = token.length();
            if (len < 3) continue;
            if (stopwords != null && stopwords.matcher(token).matches()) continue;
            if (region != HEADER) {
                if (MAIL.matcher(token).find()) {
                    mailAddress(token, out);
                } else if (DOMAIN.matcher(token).find()) {
                    out.add("UD:" + token);
                    String bit = token;
                    int dot;
                    while ((dot = bit.indexOf('.')) > 0 && dot < bit.length() - 1) {
                        bit = bit.substring(dot + 1);
                        out.add("UD:" + bit);
                    }
                }
            }
            if (len > maxTokenLength && token.indexOf('*') < 0) {
                if (UTF8_PAIR.matcher(token).find()) {
                    Matcher m = UTF8_CHAR.matcher(token);
                    boolean any = false;
                    while (m.find()) {
                        out.add(prefix + "u8:" + m.group());
                        any = true;
                    }
                    if (any) continue;
                }
                if (region != URI) {
                    Matcher m = SKIP.matcher(token);
                    if (m.matches()) token = "sk:" + m.group(1);
                }
            }
            if (region != HEADER) {
                boolean punct = NOT_WORD.matcher(token).find();
                if (punct) out.add(prefix + NOT_WORD.matcher(token).replaceAll(""));
                if (hasAsciiUpper(token)) {
                    String lower = asciiLower(token);
                    out.add(prefix + lower);
                    if (punct) out.add(prefix + NOT_WORD.matcher(lower).replaceAll(""));
                }
            }
            out.add(prefix + token);
        }
    }

    /**
     * Runs of [A-Za-z0-9,@*!_'"$. -] and whole UTF-8 sequences kept, any other octet a
     * space; a lone octet from 0xA1 up counts as a letter (Bug 7130).
     */
    static String keepWordCharacters(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                boolean keep = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ",@*!_'\"$. -".indexOf(c) >= 0;
                b.append(keep ? c : ' ');
                continue;
            }
            int seq = c >= 0xc0 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 1;
            if (seq > 1 && continuation(s, i + 1, seq - 1)) {
                b.append(s, i, i + seq);
                i += seq - 1;
            } else {
                b.append(c >= 0xa1 && c <= 0xff ? c : ' ');
            }
        }
        return b.toString();
    }

    private static boolean continuation(String s, int from, int count) {
        if (from + count > s.length()) return false;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < 0x80 || c > 0xbf) return false;
        }
        return true;
    }

    /** Title Case lower-cased at the start of a line or after a full stop, as a Western sentence starts. */
    private static String foldTitleCase(String s) {
        Matcher m = TITLE.matcher(s);
        if (!m.find()) return s;
        StringBuilder b = new StringBuilder(s.length() + 8);
        int last = 0;
        do {
            b.append(s, last, m.start()).append(' ').append(Character.toLowerCase(m.group(1).charAt(0))).append(m.group(2)).append(' ');
            last = m.end();
        } while (m.find());
        return b.append(s, last, s.length()).toString();
    }

    private static String trim(String t) {
        int start = 0;
        int end = t.length();
        while (start < end && "-'\".,".indexOf(t.charAt(start)) >= 0) start++;
        while (end > start && "-'\".,".indexOf(t.charAt(end - 1)) >= 0) end--;
        return t.substring(start, end);
    }

    /** An address in the text as its local part and its domain with each parent (_tokenize_mail_addrs). */
    static void mailAddress(String addr, Set<String> out) {
        int at = addr.lastIndexOf('@');
        if (at <= 0 || at == addr.length() - 1) return;
        out.add("U*" + addr.substring(0, at));
        String d = addr.substring(at + 1);
        out.add("D*" + d);
        int dot;
        while ((dot = d.indexOf('.')) > 0 && dot < d.length() - 1) {
            d = d.substring(dot + 1);
            out.add("D*" + d);
        }
    }

    private static boolean hasAsciiUpper(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 'A' && s.charAt(i) <= 'Z') return true;
        return false;
    }

    /** Lower case for ASCII only: the text is octets, and 0xC0-0xDE are parts of UTF-8 sequences. */
    private static String asciiLower(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) if (c[i] >= 'A' && c[i] <= 'Z') c[i] += 32;
        return new String(c);
    }

    /** The stored key of a token: FNV-1a, 64 bits, over its octets. */
    static long hash(String token) {
        long h = 0xcbf29ce484222325L;
        for (byte b : token.getBytes(StandardCharsets.ISO_8859_1)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
