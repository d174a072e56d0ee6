// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The literal strings a pattern cannot match without: a set S such that every text the
 * pattern matches contains at least one string of S (lower-cased, so the test is also right
 * for case-insensitive patterns). SpamAssassin's Rule2XSBody plugin prefilters body rules the
 * same way (with re2c); here one Aho-Corasick pass over the body finds which of the literals
 * of all rules occur, and a rule whose literals are all absent is not run: it could not hit.
 *
 * <p>The analysis is conservative: a construct it does not understand gives no literals
 * (the rule always runs), never a wrong filter. Only literals of at least 3 characters are
 * used; a pattern in COMMENTS mode is not analysed.
 */
final class RequiredLiterals {
    private RequiredLiterals() { }

    static final int MIN_LENGTH = 3;

    /** The required literals of a Java pattern, or null when none could be found. */
    static Set<String> of(java.util.regex.Pattern p) {
        if ((p.flags() & java.util.regex.Pattern.COMMENTS) != 0) return null;
        try {
            Parser parser = new Parser(p.pattern());
            Set<String> s = parser.alternation();
            if (parser.i != parser.re.length()) return null;
            return s;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** ASCII lower case, as the prefilter folds the text. */
    static String fold(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (sb == null) sb = new StringBuilder(s);
                sb.setCharAt(i, (char) (c + 32));
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static final class Parser {
        final String re;
        int i;

        Parser(String re) { this.re = re; }

        /** alternatives up to ")" or the end: the union of their sets, or null if one has none. */
        Set<String> alternation() {
            Set<String> union = new LinkedHashSet<>();
            boolean ok = true;
            while (true) {
                Set<String> s = sequence();
                if (s == null) ok = false; else union.addAll(s);
                if (i < re.length() && re.charAt(i) == '|') { i++; continue; }
                break;
            }
            return ok && !union.isEmpty() ? union : null;
        }

        /** One alternative: the best required candidate among its literal runs and groups. */
        Set<String> sequence() {
            StringBuilder run = new StringBuilder();
            Set<String> best = null;
            while (i < re.length()) {
                char c = re.charAt(i);
                if (c == '|' || c == ')') break;
                String lit = null;       // the atom as one literal character, or null
                Set<String> group = null; // the atom's own required set, when a group
                boolean zeroWidth = false;
                if (c == '\\') {
                    lit = escape();
                    if (lit != null && lit.isEmpty()) { zeroWidth = true; lit = null; }
                } else if (c == '[') {
                    skipClass();
                } else if (c == '(') {
                    RegexSyntax.Opening o = RegexSyntax.group(re, i);
                    i = o.next();
                    if (o.kind() == RegexSyntax.Kind.FLAGS_ONLY) continue;   // inline flags: no group
                    group = alternation();
                    if (o.kind() == RegexSyntax.Kind.LOOKAROUND) {
                        group = null;
                        zeroWidth = true;
                    }
                    if (i >= re.length() || re.charAt(i) != ')') throw new IllegalStateException("unclosed group");
                    i++;
                } else if (c == '.' || c == '^' || c == '$') {
                    i++;
                    zeroWidth = c != '.';
                } else {
                    lit = String.valueOf(c);
                    i++;
                }
                int[] q = quantifier();
                int min = q[0];
                int max = q[1];
                if (zeroWidth) {
                    best = better(best, flush(run));
                    continue;
                }
                if (lit != null && min >= 1) {
                    run.append(fold(lit));
                    if (max != 1) { // "ab+c": "ab" then "bc" are required
                        best = better(best, flush(run));
                        run.append(fold(lit));
                    }
                    continue;
                }
                best = better(best, flush(run));
                if (group != null && min >= 1) best = better(best, group);
            }
            return better(best, flush(run));
        }

        private static Set<String> flush(StringBuilder run) {
            Set<String> s = run.length() >= MIN_LENGTH ? Set.of(run.toString()) : null;
            run.setLength(0);
            return s;
        }

        /** The set whose shortest literal is longer (a rarer string filters more); ties: fewer strings. */
        private static Set<String> better(Set<String> a, Set<String> b) {
            if (b == null || b.stream().anyMatch(x -> x.length() < MIN_LENGTH)) return a;
            if (a == null) return b;
            int ma = a.stream().mapToInt(String::length).min().orElse(0);
            int mb = b.stream().mapToInt(String::length).min().orElse(0);
            if (mb != ma) return mb > ma ? b : a;
            return b.size() < a.size() ? b : a;
        }

        /** {min, max} of a quantifier at i (consumed), {1, 1} when none; max -1 is unbounded. */
        private int[] quantifier() {
            if (i >= re.length()) return new int[] {1, 1};
            char c = re.charAt(i);
            int[] q;
            if (c == '?') q = new int[] {0, 1};
            else if (c == '*') q = new int[] {0, -1};
            else if (c == '+') q = new int[] {1, -1};
            else if (c == '{') {
                int end = re.indexOf('}', i);
                String[] mm = re.substring(i + 1, end).split(",", -1);
                int min = Integer.parseInt(mm[0].strip());
                int max = mm.length == 1 ? min : mm[1].isBlank() ? -1 : Integer.parseInt(mm[1].strip());
                i = end;
                q = new int[] {min, max};
            } else {
                return new int[] {1, 1};
            }
            i++;
            if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) i++;
            return q;
        }

        /** An escape at i: its literal character, "" for a zero-width assertion, null for a class. */
        private String escape() {
            char d = re.charAt(i + 1);
            if (d == 'Q') {
                int e = re.indexOf("\\E", i + 2);
                String lit = e < 0 ? re.substring(i + 2) : re.substring(i + 2, e);
                i = e < 0 ? re.length() : e + 2;
                // a quoted run of several characters (rare in the rules): no filter for this pattern
                if (lit.length() > 1) throw new IllegalStateException("\\Q run");
                return lit.isEmpty() ? "" : lit;
            }
            i += 2;
            switch (d) {
                case 'b', 'B', 'A', 'z', 'Z', 'G' -> { return ""; }
                case 'd', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V', 'R', 'X' -> { return null; }
                case 'p', 'P' -> {
                    if (i < re.length() && re.charAt(i) == '{') i = re.indexOf('}', i) + 1; else i++;
                    return null;
                }
                case 't' -> { return "\t"; }
                case 'n' -> { return "\n"; }
                case 'r' -> { return "\r"; }
                case 'f' -> { return "\f"; }
                case 'e' -> { return "\u001b"; }
                case 'x' -> {
                    int[] h = RegexSyntax.hex(re, i);
                    i = h[1];
                    return h[0] <= 0xff ? String.valueOf((char) h[0]) : null;
                }
                default -> {
                    if (Character.isLetterOrDigit(d)) throw new IllegalStateException("escape \\" + d);
                    return String.valueOf(d);
                }
            }
        }

        private void skipClass() {
            i++;
            if (i < re.length() && re.charAt(i) == '^') i++;
            if (i < re.length() && re.charAt(i) == ']') i++;
            int depth = 1;
            while (i < re.length() && depth > 0) {
                char c = re.charAt(i);
                if (c == '\\') { i += 2; continue; }
                if (c == '[') depth++;
                if (c == ']') depth--;
                i++;
            }
        }
    }

}
