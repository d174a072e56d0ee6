// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.secumail.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pattern part of regexp_table(5) and pcre_table(5) rules: optional '!' negation,
 * a pattern between two delimiters (normally '/', any other character works; a backslash
 * escapes the delimiter), and option letters. Both kinds are compiled with java.util.regex.
 *
 * <p>regexp (POSIX extended syntax): options default to case-insensitive, and, as in POSIX
 * without REG_NEWLINE, '.' also matches a newline. 'i' toggles case sensitivity, 'm' toggles
 * REG_NEWLINE (^ and $ at line breaks, '.' not matching a newline). 'x' would switch to POSIX
 * basic syntax, which java.util.regex cannot provide: it is rejected.
 *
 * <p>pcre: defaults are caseless and dotall, as in Postfix 2.0 and later; 'i', 'm', 's', 'x'
 * toggle CASE_INSENSITIVE, MULTILINE, DOTALL and COMMENTS; 'A' anchors the match at the start
 * of the input; 'X' (PCRE_EXTRA) is obsolete and ignored, as Postfix does with PCRE2; 'E'
 * (dollar end only) and 'U' (ungreedy) have no java.util.regex equivalent and are rejected.
 *
 * <p>POSIX bracket classes such as [[:alpha:]] are translated to Java's \p{Alpha}, because
 * java.util.regex would otherwise silently read them as a set of characters.
 */
final class RegexpRuleParser {
    private static final Logger log = LoggerFactory.getLogger("secumail.table");

    enum Dialect { REGEXP, PCRE }

    /** A compiled pattern with its negation and anchoring. */
    record Pat(Pattern pattern, boolean match, boolean anchored) {
        /** True when the input satisfies the pattern, negation taken into account. */
        boolean test(java.util.regex.Matcher m) {
            return (anchored ? m.lookingAt() : m.find()) == match;
        }
    }

    private static final Map<String, String> POSIX_CLASSES = Map.ofEntries(
            Map.entry("alpha", "Alpha"), Map.entry("digit", "Digit"), Map.entry("alnum", "Alnum"),
            Map.entry("upper", "Upper"), Map.entry("lower", "Lower"), Map.entry("space", "Space"),
            Map.entry("blank", "Blank"), Map.entry("punct", "Punct"), Map.entry("print", "Print"),
            Map.entry("graph", "Graph"), Map.entry("cntrl", "Cntrl"), Map.entry("xdigit", "XDigit"));

    private final Dialect dialect;
    private final String where;
    private final String text;
    private int pos;

    RegexpRuleParser(Dialect dialect, String text, String where) {
        this.dialect = dialect;
        this.text = text;
        this.where = where;
    }

    int pos() { return pos; }

    void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    boolean atEnd() { return pos >= text.length(); }

    char peek() { return text.charAt(pos); }

    String rest() { return text.substring(Math.min(pos, text.length())); }

    void advance(int n) { pos += n; }

    /** Reads [!...] /pattern/flags starting at the current position. */
    Pat pattern() {
        boolean match = true;
        while (pos < text.length() && (text.charAt(pos) == '!' || Character.isWhitespace(text.charAt(pos)))) {
            if (text.charAt(pos) == '!') match = !match;
            pos++;
        }
        if (atEnd()) throw new ConfigException(where + "no regexp");
        char delim = text.charAt(pos++);
        int start = pos;
        while (pos < text.length() && text.charAt(pos) != delim) {
            if (text.charAt(pos) == '\\' && pos + 1 < text.length()) pos++;
            pos++;
        }
        if (atEnd()) throw new ConfigException(where + "no closing regexp delimiter \"" + delim + "\"");
        String regex = text.substring(start, pos++);
        int flags = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL;
        boolean anchored = false;
        while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))
                && !(dialect == Dialect.REGEXP && text.charAt(pos) == '!')) {
            char f = text.charAt(pos++);
            switch (dialect == Dialect.REGEXP ? "r" + f : "p" + f) {
                case "ri", "pi" -> flags ^= Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
                case "rm" -> flags ^= Pattern.MULTILINE | Pattern.DOTALL;
                case "pm" -> flags ^= Pattern.MULTILINE;
                case "ps" -> flags ^= Pattern.DOTALL;
                case "px" -> flags ^= Pattern.COMMENTS;
                case "pA" -> anchored = !anchored;
                case "pX" -> log.warn("{}ignoring obsolete regexp option \"X\"", where);
                case "rx" -> throw new ConfigException(where + "regexp option \"x\" (POSIX basic syntax) is not supported; write the pattern in extended syntax");
                case "pE", "pU" -> throw new ConfigException(where + "pcre option \"" + f + "\" is not supported by SecuMail");
                default -> throw new ConfigException(where + "unknown regexp option \"" + f + "\"");
            }
        }
        try {
            return new Pat(Pattern.compile(translatePosixClasses(regex), flags), match, anchored);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(where + "error in regexp \"" + regex + "\": " + e.getDescription());
        }
    }

    /** True when the text at the current position is the keyword (IF, ENDIF) followed by a non-alphanumeric. */
    boolean keyword(String word) {
        int end = pos + word.length();
        if (end > text.length() || !text.substring(pos, end).toLowerCase(Locale.ROOT).equals(word)) return false;
        if (end < text.length() && Character.isLetterOrDigit(text.charAt(end))) return false;
        pos = end;
        return true;
    }

    /** Rewrites [:name:] inside bracket expressions to \p{Name} (and [:^name:] to \P{Name}). */
    static String translatePosixClasses(String re) {
        if (!re.contains("[:")) return re;
        StringBuilder sb = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length()) {
                sb.append(c).append(re.charAt(++i));
                continue;
            }
            if (inClass && c == '[' && re.startsWith("[:", i)) {
                int end = re.indexOf(":]", i + 2);
                if (end > 0) {
                    String name = re.substring(i + 2, end);
                    boolean neg = name.startsWith("^");
                    String java = POSIX_CLASSES.get(neg ? name.substring(1) : name);
                    if (java != null) {
                        sb.append(neg ? "\\P{" : "\\p{").append(java).append('}');
                        i = end + 1;
                        continue;
                    }
                }
            }
            if (c == '[' && !inClass) {
                inClass = true;
                sb.append(c);
                // A ']' right after '[' or '[^' is a literal member of the set.
                if (i + 1 < re.length() && re.charAt(i + 1) == '^') sb.append(re.charAt(++i));
                if (i + 1 < re.length() && re.charAt(i + 1) == ']') { sb.append("\\]"); i++; }
                continue;
            }
            if (c == ']') inClass = false;
            sb.append(c);
        }
        return sb.toString();
    }
}
