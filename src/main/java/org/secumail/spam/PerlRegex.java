// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Perl regular expressions as SpamAssassin's rule files write them ({@code /re/flags},
 * {@code m{re}flags}, {@code m!re!flags}), translated to {@link java.util.regex.Pattern}.
 *
 * <p>Where the two dialects differ the text is rewritten, never guessed at:
 * <ul>
 *   <li>inside a character class Perl takes {@code [} and {@code &&} literally, Java reads
 *       them as union and intersection: they are escaped; a {@code ]} right after the opening
 *       {@code [} or {@code [^} is a literal in Perl and is escaped too;</li>
 *   <li>POSIX classes {@code [:alpha:]} become {@code \p{Alpha}} (and {@code [:^alpha:]}
 *       {@code \P{Alpha}});</li>
 *   <li>{@code \z}, {@code \Z}, {@code \A}, possessive and atomic forms, {@code \Q..\E},
 *       {@code \x{263a}} mean the same in both and are kept;</li>
 *   <li>recursion ({@code (?R)}, {@code (?1)}, {@code (?&name)}), code blocks
 *       ({@code (?{...})}), {@code \K} and {@code (*VERB)}s have no Java equivalent: the rule
 *       is refused with a {@link PatternSyntaxException}, logged and skipped by the loader;</li>
 *   <li>the modifiers i, s, m and x map to Java's flags; g and o are meaningless here and
 *       ignored; other modifiers refuse the rule.</li>
 * </ul>
 */
public final class PerlRegex {
    private PerlRegex() { }

    /** A pattern with its delimiters and modifiers, as in a rule file. */
    public static Pattern compileDelimited(String text) {
        return compileDelimited(text, true);
    }

    /**
     * A rule's pattern: as {@link #compileDelimited(String)}, with its groups made
     * non-capturing when it has no back-reference, since only the whole match is read, and
     * the repetitions that can never usefully give back made possessive ({@link AutoPossessive}). A
     * capturing group costs at every step through it and at every reset of a matcher, which a
     * rule tried at each candidate position does hundreds of times per message.
     */
    static Pattern compileRule(String text) {
        return compileDelimited(text, false);
    }

    private static final Pattern INLINE_FOLD = Pattern.compile("\\(\\?[a-zA-Z-]*i");
    private static final Pattern BACK_REFERENCE = Pattern.compile("\\\\(?:[1-9]|k|g)");

    private static Pattern compileDelimited(String text, boolean captures) {
        String s = text.strip();
        int start;
        char open;
        if (s.startsWith("m") && s.length() > 1 && !Character.isLetterOrDigit(s.charAt(1)) && !Character.isWhitespace(s.charAt(1))) {
            open = s.charAt(1);
            start = 2;
        } else if (s.startsWith("/")) {
            open = '/';
            start = 1;
        } else {
            throw new PatternSyntaxException("not a delimited pattern", text, 0);
        }
        char close = switch (open) {
            case '{' -> '}';
            case '(' -> ')';
            case '[' -> ']';
            case '<' -> '>';
            default -> open;
        };
        int end = s.lastIndexOf(close);
        if (end < start) throw new PatternSyntaxException("no closing delimiter " + close, text, s.length());
        String body = s.substring(start, end);
        String mods = s.substring(end + 1).strip();
        int flags = 0;
        for (char c : mods.toCharArray()) {
            switch (c) {
                case 'i' -> flags |= Pattern.CASE_INSENSITIVE;
                case 's' -> flags |= Pattern.DOTALL;
                case 'm' -> flags |= Pattern.MULTILINE;
                case 'x' -> flags |= Pattern.COMMENTS;
                case 'g', 'o' -> { }
                default -> throw new PatternSyntaxException("unsupported modifier " + c, text, end + 1);
            }
        }
        // "/" delimited: "\/" is just "/" (Java would accept "\/" too, but keep the text clean)
        boolean keep = captures || BACK_REFERENCE.matcher(body).find();
        String java = translate(body, (flags & Pattern.COMMENTS) != 0, keep);
        if (!captures && (flags & Pattern.COMMENTS) == 0) {
            java = AutoPossessive.apply(java, (flags & Pattern.CASE_INSENSITIVE) != 0 || INLINE_FOLD.matcher(java).find());
        }
        return Pattern.compile(java, flags);
    }

    /** {@link #compile} kept for patterns given as eval arguments, which would be compiled again for every message. */
    static Pattern cached(String perl) {
        Pattern p = CACHE.get(perl);
        if (p == null) {
            p = compile(perl, 0);
            if (CACHE.size() > 1000) CACHE.clear();   // the rules' arguments: a bound all the same
            CACHE.put(perl, p);
        }
        return p;
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** A bare Perl pattern with Java flags. */
    public static Pattern compile(String perl, int flags) {
        return Pattern.compile(translate(perl, (flags & Pattern.COMMENTS) != 0), flags);
    }

    static String translate(String p, boolean extended) {
        return translate(p, extended, true);
    }

    /** @param captures false: "(" opening a plain group becomes "(?:" */
    static String translate(String p, boolean extended, boolean captures) {
        StringBuilder out = new StringBuilder(p.length() + 8);
        int n = p.length();
        int i = 0;
        while (i < n) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char d = p.charAt(i + 1);
                if (d == 'K') throw new PatternSyntaxException("\\K is not supported", p, i);
                if (d == 'Q') {
                    int e = p.indexOf("\\E", i + 2);
                    String lit = e < 0 ? p.substring(i + 2) : p.substring(i + 2, e);
                    out.append(Pattern.quote(lit));
                    i = e < 0 ? n : e + 2;
                    continue;
                }
                if (d == 'z' || d == 'Z' || d == 'A') { out.append('\\').append(d); i += 2; continue; }
                // Perl's \h \v \R \x{..} \p{..} are Java's too; octal \0nn likewise
                i = escape(p, i, out);
                continue;
            }
            if (c == '(' && i + 2 < n && p.charAt(i + 1) == '?') {
                char d = p.charAt(i + 2);
                if (d == 'R' || Character.isDigit(d) || d == '&' || d == '{' || d == '?' || d == '+' || d == '-' && i + 3 < n && Character.isDigit(p.charAt(i + 3))
                        || d == 'P' && i + 3 < n && p.charAt(i + 3) == '>') {
                    throw new PatternSyntaxException("recursion and code in patterns are not supported", p, i);
                }
                if (d == 'P' && i + 3 < n && p.charAt(i + 3) == '<') { out.append("(?<"); i += 4; continue; }
                if (d == '#') { // a comment group: dropped
                    int e = p.indexOf(')', i);
                    i = e < 0 ? n : e + 1;
                    continue;
                }
            }
            if (c == '(' && i + 1 < n && p.charAt(i + 1) == '*') throw new PatternSyntaxException("backtracking verbs are not supported", p, i);
            if (c == '(' && !captures && (i + 1 >= n || p.charAt(i + 1) != '?')) { out.append("(?:"); i++; continue; }
            if (c == '#' && extended) { // a comment to the end of line: Java does the same in COMMENTS mode
                out.append(c);
                i++;
                continue;
            }
            if (c == '[') {
                i = charClass(p, i, out);
                continue;
            }
            if (c == '{' && i + 1 < n && p.charAt(i + 1) == ',') {
                // Perl 5.34's {,n} means {0,n}; older Perls took it literally, as Java refuses it
                int e = p.indexOf('}', i);
                if (e > 0 && p.substring(i + 2, e).chars().allMatch(Character::isDigit) && e > i + 2) {
                    out.append("{0,").append(p, i + 2, e + 1);
                    i = e + 1;
                    continue;
                }
                out.append("\\{");
                i++;
                continue;
            }
            if (c == '{' && !quantifierAt(p, i)) { out.append("\\{"); i++; continue; }
            if (c == '}' && !closesQuantifier(out)) { out.append("\\}"); i++; continue; }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** Copies the escape at p[i] == '\\' (with its braced argument: \x{..}, \p{..}) and returns the index after it. */
    private static int escape(String p, int i, StringBuilder out) {
        char d = p.charAt(i + 1);
        if ((d == 'x' || d == 'p' || d == 'P' || d == 'N') && i + 2 < p.length() && p.charAt(i + 2) == '{') {
            int e = p.indexOf('}', i + 2);
            if (e > 0) {
                out.append(p, i, e + 1);
                return e + 1;
            }
        }
        out.append('\\').append(d);
        return i + 2;
    }

    /** Whether "{" at i starts a quantifier ({n}, {n,}, {n,m}); else Perl takes it literally. */
    private static boolean quantifierAt(String p, int i) {
        int j = i + 1;
        int digits = 0;
        while (j < p.length() && Character.isDigit(p.charAt(j))) { j++; digits++; }
        if (digits == 0) return false;
        if (j < p.length() && p.charAt(j) == ',') {
            j++;
            while (j < p.length() && Character.isDigit(p.charAt(j))) j++;
        }
        return j < p.length() && p.charAt(j) == '}';
    }

    private static boolean closesQuantifier(StringBuilder out) {
        for (int k = out.length() - 1; k >= 0; k--) {
            char c = out.charAt(k);
            if (Character.isDigit(c) || c == ',') continue;
            return c == '{' && (k == 0 || out.charAt(k - 1) != '\\');
        }
        return false;
    }

    /** Copies the character class starting at p[i] == '[' and returns the index after it. */
    private static int charClass(String p, int i, StringBuilder out) {
        int n = p.length();
        int start = out.length();
        out.append('[');
        int j = i + 1;
        if (j < n && p.charAt(j) == '^') { out.append('^'); j++; }
        if (j < n && p.charAt(j) == ']') { out.append("\\]"); j++; }
        while (j < n) {
            char c = p.charAt(j);
            if (c == '\\' && j + 1 < n) {
                j = escape(p, j, out);
                continue;
            }
            if (c == ']') {
                String one = oneCharacter(out.substring(start + 1));
                if (one != null) {
                    out.setLength(start);
                    out.append(one);
                } else {
                    out.append(']');
                }
                return j + 1;
            }
            if (c == '[') {
                if (j + 1 < n && p.charAt(j + 1) == ':') {
                    int e = p.indexOf(":]", j + 2);
                    if (e > 0) {
                        String name = p.substring(j + 2, e);
                        boolean neg = name.startsWith("^");
                        if (neg) name = name.substring(1);
                        String javaName = posix(name);
                        if (javaName == null) throw new PatternSyntaxException("unknown POSIX class " + name, p, j);
                        out.append(neg ? "\\P{" : "\\p{").append(javaName).append('}');
                        j = e + 2;
                        continue;
                    }
                }
                out.append("\\[");
                j++;
                continue;
            }
            if (c == '&' && j + 1 < n && p.charAt(j + 1) == '&') { out.append("&\\&"); j += 2; continue; }
            out.append(c);
            j++;
        }
        throw new PatternSyntaxException("unclosed character class", p, i);
    }

    /**
     * A class of one character ({@code [\xc3]}, {@code [.]}: SpamAssassin's obfuscation tags
     * hold thousands) written as that character: Java compiles every class into a 256-entry
     * table, some 25 MB for Debian's rules, and a single character into a small node. Null
     * when the body is anything else. Left as classes: letter escapes other than the
     * character ones ({@code [\b]} is a backspace, {@code \b} a word boundary), and space
     * and {@code #}, which mean something else outside a class in /x mode.
     */
    private static final Pattern HEX_ESCAPE = Pattern.compile("\\\\x(?:[0-9a-fA-F]{2}|\\{[0-9a-fA-F]{1,6}\\})");

    static String oneCharacter(String body) {
        if (body.length() == 1) {
            char c = body.charAt(0);
            if (c == '^' || Character.isWhitespace(c) || c == '#') return null;
            return Character.isLetterOrDigit(c) || c > 0x7f ? body : "\\" + c;
        }
        if (body.length() == 2 && body.charAt(0) == '\\') {
            char d = body.charAt(1);
            if ("tnrfea".indexOf(d) >= 0 || !Character.isLetterOrDigit(d) && !Character.isWhitespace(d) && d != '#') return body;
            return null;
        }
        if (HEX_ESCAPE.matcher(body).matches()) return body;
        return null;
    }

    private static String posix(String name) {
        return switch (name) {
            case "alpha" -> "Alpha";
            case "digit" -> "Digit";
            case "alnum" -> "Alnum";
            case "upper" -> "Upper";
            case "lower" -> "Lower";
            case "space" -> "Space";
            case "punct" -> "Punct";
            case "print" -> "Print";
            case "graph" -> "Graph";
            case "cntrl" -> "Cntrl";
            case "xdigit" -> "XDigit";
            case "blank" -> "Blank";
            case "word" -> "Alnum"; // close enough: Perl's adds "_" (rare in rules)
            case "ascii" -> "ASCII";
            default -> null;
        };
    }
}
