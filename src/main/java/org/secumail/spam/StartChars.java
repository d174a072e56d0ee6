// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.regex.Pattern;

/**
 * The characters a match of a pattern can begin with, so that a body rule is tried only at
 * the positions holding one of them. Perl computes the same "start class" for every regex
 * and skips to the next such character before trying a match; Java's {@code Matcher.find()}
 * tries every position, which for SpamAssassin's obfuscation rules ({@code FUZZY_*}, the
 * {@code (?:^|\s)<Y><O><U>...} forms, each starting with lookaheads and character classes)
 * costs more than the rest of the match. Trying the pattern with {@code lookingAt()} at each
 * candidate position, left to right, finds the same first match as {@code find()}.
 *
 * <p>Conservative like {@link RequiredLiterals}: a construct not understood here (a negated or
 * nested class, {@code .}, {@code \W}, a back-reference, {@code \G}, COMMENTS mode) or a
 * pattern that can match the empty string gives no filter. A leading {@code ^} or {@code \A}
 * makes the start of the text (and with MULTILINE the start of every line) that alternative's
 * candidates; other zero-width parts ({@code $}, {@code \b}, lookarounds) are stepped over,
 * which can only add candidates. Case folding
 * follows Java without UNICODE_CASE: US-ASCII letters only. Characters above U+00FF are
 * tracked as one "any of them" flag.
 */
final class StartChars {
    /** More candidate characters than this among [a-z0-9] and the filter is not worth it. */
    private static final int MAX_ALNUM = 20;

    private final long[] low;      // U+0000..U+00FF
    private final boolean high;    // any character above U+00FF
    private final boolean atStart; // an alternative starting with ^ (not MULTILINE) or \A: position 0
    private final boolean atLineStart; // an alternative starting with ^ in MULTILINE mode: a line's start

    private StartChars(long[] low, boolean high, boolean atStart, boolean atLineStart) {
        this.low = low;
        this.high = high;
        this.atStart = atStart;
        this.atLineStart = atLineStart;
    }

    /** Whether a match can begin with this character. */
    boolean canStart(char c) {
        return c > 0xff ? high : (low[c >> 6] & (1L << c)) != 0;
    }

    /** The first index at or after from whose character can begin a match, or -1. */
    int next(CharSequence s, int from) {
        return next(s.toString(), from);
    }

    /** {@link #next(CharSequence, int)} on a String: what every body and header rule runs. */
    int next(String s, int from) {
        if (from == 0 && (atStart || atLineStart)) return 0;
        int n = s.length();
        if (from >= n) return -1;
        if (!atLineStart) {
            for (int i = from; i < n; i++) if (canStart(s.charAt(i))) return i;
            return -1;
        }
        // MULTILINE "^" matches after any line terminator (a superset: Java also refuses
        // between CR and LF and at the very end, and with UNIX_LINES after LF only); from > 0 here
        char prev = s.charAt(from - 1);
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (canStart(c) || lineTerminator(prev)) return i;
            prev = c;
        }
        return -1;
    }

    private static boolean lineTerminator(char c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    /** The filter for a pattern, or null when none could be made or it would let most text through. */
    static StartChars of(Pattern p) {
        if ((p.flags() & (Pattern.COMMENTS | Pattern.LITERAL | Pattern.UNICODE_CASE | Pattern.CANON_EQ)) != 0) return null;
        try {
            Parser parser = new Parser(p.pattern(), (p.flags() & Pattern.MULTILINE) != 0
                    || Pattern.compile("\\(\\?[a-zA-Z-]*m").matcher(p.pattern()).find());
            Set set = parser.alternation();
            if (parser.i != parser.re.length() || set.nullable || !set.complete || set.any) return null;
            if ((p.flags() & Pattern.CASE_INSENSITIVE) != 0 || parser.foldSeen) set.foldAscii();
            int alnum = 0;
            for (char c = 'a'; c <= 'z'; c++) if (set.has(c)) alnum++;
            for (char c = '0'; c <= '9'; c++) if (set.has(c)) alnum++;
            return alnum > MAX_ALNUM ? null : new StartChars(set.low, set.high, set.atStart, set.atLineStart);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** What can start a match of a part: characters, "anything", and whether the part can match empty. */
    private static final class Set {
        final long[] low = new long[4];
        boolean high;
        boolean any;
        boolean nullable;
        /** Every match of the part begins at one of its candidates (what follows it is not needed). */
        boolean complete;
        boolean atStart;
        boolean atLineStart;

        void add(char c) { if (c > 0xff) high = true; else low[c >> 6] |= 1L << c; }

        void addRange(char a, char b) {
            for (int c = a; c <= Math.min(b, 0xff); c++) add((char) c);
            if (b > 0xff) high = true;
        }

        boolean has(char c) { return (low[c >> 6] & (1L << c)) != 0; }

        void addAll(Set o) {
            for (int k = 0; k < 4; k++) low[k] |= o.low[k];
            high |= o.high;
            any |= o.any;
            atStart |= o.atStart;
            atLineStart |= o.atLineStart;
        }

        void foldAscii() {
            for (char c = 'a'; c <= 'z'; c++) {
                char u = (char) (c - 32);
                if (has(c) || has(u)) { add(c); add(u); }
            }
        }
    }

    private static final class Parser {
        final String re;
        final boolean multiline;
        int i;
        boolean foldSeen;

        Parser(String re, boolean multiline) {
            this.re = re;
            this.multiline = multiline;
        }

        /**
         * Alternatives up to ")" or the end: the union; nullable when one alternative is,
         * complete when all are.
         */
        Set alternation() {
            Set out = new Set();
            out.complete = true;
            while (true) {
                Set s = sequence();
                out.addAll(s);
                out.nullable |= s.nullable;
                out.complete &= s.complete;
                if (i < re.length() && re.charAt(i) == '|') { i++; continue; }
                return out;
            }
        }

        /**
         * One alternative: the atoms' sets up to and including the first complete one that
         * must occur (a character, or an anchor: zero-width, yet no match of the alternative
         * begins elsewhere); nullable when no atom of it consumes a character.
         */
        Set sequence() {
            Set out = new Set();
            boolean done = false;
            boolean consumes = false;
            while (i < re.length() && re.charAt(i) != '|' && re.charAt(i) != ')') {
                Set a = atom();
                int min = quantifierMin();
                if (!a.nullable && min >= 1) consumes = true;
                if (done) continue;   // parsed only to move past it
                out.addAll(a);
                if (a.complete && min >= 1) done = true;
            }
            out.complete = done;
            out.nullable = !consumes;
            return out;
        }

        private Set atom() {
            Set s = new Set();
            char c = re.charAt(i);
            if (c == '\\') return leaf(escape());
            if (c == '[') return leaf(charClass());
            if (c == '(') return group();
            i++;
            // ^ without MULTILINE matches only at the start: that alternative's one candidate is
            // 0; with MULTILINE, the starts of lines
            if (c == '^') {
                if (multiline) s.atLineStart = true; else s.atStart = true;
                s.nullable = true;
                s.complete = true;
                return s;
            }
            if (c == '$') { s.nullable = true; return s; }
            if (c == '.') s.any = true; else s.add(c);
            s.complete = true;
            return s;
        }

        /** A character, class or escape: complete unless it can match empty (an anchor is complete). */
        private static Set leaf(Set s) {
            if (!s.nullable) s.complete = true;
            return s;
        }

        private Set group() {
            RegexSyntax.Opening o = RegexSyntax.group(re, i);
            String f = o.flags();
            if (f.contains("x") || f.contains("u") || f.contains("U")) throw new IllegalStateException("flags " + f);
            if (f.contains("i")) foldSeen = true;   // folding more is only more candidates
            i = o.next();
            Set s;
            if (o.kind() == RegexSyntax.Kind.FLAGS_ONLY) {   // inline flags, no group
                s = new Set();
                s.nullable = true;
                return s;
            }
            s = alternation();
            if (o.kind() == RegexSyntax.Kind.LOOKAROUND) {   // zero-width: stepped over
                s = new Set();
                s.nullable = true;
            }
            if (i >= re.length() || re.charAt(i) != ')') throw new IllegalStateException("unclosed group");
            i++;
            return s;
        }

        private Set escape() {
            Set s = new Set();
            char d = re.charAt(i + 1);
            i += 2;
            switch (d) {
                case 'b', 'B', 'z', 'Z' -> s.nullable = true;
                case 'A' -> { s.atStart = true; s.nullable = true; s.complete = true; }
                case 'd' -> s.addRange('0', '9');
                case 's' -> { for (char c : " \t\n\u000b\f\r".toCharArray()) s.add(c); }
                case 'w' -> { s.addRange('a', 'z'); s.addRange('A', 'Z'); s.addRange('0', '9'); s.add('_'); }
                case 'x' -> s.add(hex());
                case 't' -> s.add('\t');
                case 'n' -> s.add('\n');
                case 'r' -> s.add('\r');
                case 'f' -> s.add('\f');
                case 'e' -> s.add('\u001b');
                case 'G' -> throw new IllegalStateException("\\G");   // would match at every candidate
                case 'u' -> {
                    s.add((char) Integer.parseInt(re.substring(i, i + 4), 16));
                    i += 4;
                }
                case 'p', 'P' -> {
                    if (re.charAt(i) == '{') i = re.indexOf('}', i) + 1; else i++;
                    s.any = true;
                }
                case 'Q' -> {
                    int e = re.indexOf("\\E", i);
                    i = e < 0 ? re.length() : e + 2;
                    s.any = true;
                }
                case 'k' -> {
                    i = re.indexOf('>', i) + 1;
                    s.any = true;
                }
                case 'c' -> {
                    i++;
                    s.any = true;
                }
                default -> {
                    if (Character.isLetterOrDigit(d)) s.any = true;   // \W \S \D \h \v \R \X, a back-reference, octal
                    else s.add(d);
                }
            }
            return s;
        }

        private char hex() {
            int[] h = RegexSyntax.hex(re, i);
            i = h[1];
            if (h[0] > 0xffff) throw new IllegalStateException("supplementary");
            return (char) h[0];
        }

        /** [...] without negation, nesting or intersection. */
        private Set charClass() {
            Set s = new Set();
            int end = classEnd(i);
            i++;
            String body = re.substring(i, end);
            if (body.startsWith("^") || body.contains("[") || body.contains("&&")) {
                i = end + 1;
                s.any = true;   // negated or nested: not worked out here
                return s;
            }
            boolean first = true;
            while (re.charAt(i) != ']' || first) {
                first = false;
                char c = re.charAt(i);
                if (c == '[' || re.startsWith("&&", i)) throw new IllegalStateException("nested class");
                char lo;
                if (c == '\\') {
                    Set e = escape();
                    if (e.nullable || e.any) throw new IllegalStateException("escape in class: " + re.substring(0, i));
                    if (re.charAt(i) == '-' && re.charAt(i + 1) != ']' && single(e) >= 0) {
                        lo = (char) single(e);
                    } else {
                        s.addAll(e);
                        continue;
                    }
                } else {
                    lo = c;
                    i++;
                }
                if (re.charAt(i) == '-' && re.charAt(i + 1) != ']') {
                    i++;
                    char hi;
                    if (re.charAt(i) == '\\') {
                        int one = single(escape());
                        if (one < 0) throw new IllegalStateException("range to a class");
                        hi = (char) one;
                    } else {
                        hi = re.charAt(i++);
                    }
                    s.addRange(lo, hi);
                } else {
                    s.add(lo);
                }
            }
            i++;
            return s;
        }

        /** The index of the "]" closing the class that opens at "[" at start. */
        private int classEnd(int start) {
            int j = start + 1;
            if (j < re.length() && re.charAt(j) == '^') j++;
            if (j < re.length() && re.charAt(j) == ']') j++;
            int depth = 1;
            while (j < re.length()) {
                char c = re.charAt(j);
                if (c == '\\') { j += 2; continue; }
                if (c == '[') depth++;
                if (c == ']' && --depth == 0) return j;
                j++;
            }
            throw new IllegalStateException("unclosed class");
        }

        /** The one character of an escape's set, or -1 when it has several. */
        private static int single(Set e) {
            int found = -1;
            if (e.high) return -1;
            for (int c = 0; c < 256; c++) {
                if (e.has((char) c)) {
                    if (found >= 0) return -1;
                    found = c;
                }
            }
            return found;
        }

        /** The minimum of a quantifier at i (consumed), 1 when none. */
        private int quantifierMin() {
            if (i >= re.length()) return 1;
            char c = re.charAt(i);
            int min;
            if (c == '?' || c == '*') min = 0;
            else if (c == '+') min = 1;
            else if (c == '{') {
                int end = re.indexOf('}', i);
                min = Integer.parseInt(re.substring(i + 1, end).split(",", -1)[0].strip());
                i = end;
            } else {
                return 1;
            }
            i++;
            if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) i++;
            return min;
        }
    }
}
