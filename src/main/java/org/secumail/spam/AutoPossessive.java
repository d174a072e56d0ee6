// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Makes a greedy repetition of one character class possessive where giving characters back
 * can never help, as PCRE does by itself ("auto-possessification"): the repetition is
 * directly followed by a character that it cannot match. In {@code [^\n]{1,100}\n+} the
 * repetition stops at a line end or after 100 characters; handing back a character leaves
 * {@code \n} in front of a character of {@code [^\n]}, which fails. Java's matcher tries
 * every one of those hand-backs (SpamAssassin's header rules on {@code ALL} walk the whole
 * header block that way, line after line, at every position they are tried); the possessive
 * form {@code [^\n]{1,100}+} skips them and finds the same matches.
 *
 * <p>Only the plain case is rewritten: a single character, class, or escape class with a
 * greedy quantifier whose minimum and maximum differ, followed in the same sequence (no
 * zero-width assertion, group or alternation between) by a single character or class that
 * must match at least once and shares no character with it, case folded (US-ASCII) when the
 * pattern folds anywhere. Anything not understood leaves the pattern as it is.
 */
final class AutoPossessive {
    private AutoPossessive() { }

    /** The pattern with such repetitions made possessive (the same pattern when there are none). */
    static String apply(String re, boolean fold) {
        try {
            return new Pass(re, fold).run();
        } catch (RuntimeException e) {
            return re;
        }
    }

    /** Characters of the Basic Multilingual Plane, and whether any above it. */
    private record Chars(BitSet bmp, boolean high) {
        static Chars any() {
            BitSet b = new BitSet(0x10000);
            b.set(0, 0x10000);
            return new Chars(b, true);
        }

        static Chars of(int c) {
            BitSet b = new BitSet(0x10000);
            if (c > 0xffff || c >= 0xd800 && c <= 0xdfff) return any();
            b.set(c);
            return new Chars(b, false);
        }

        Chars negate() {
            BitSet b = (BitSet) bmp.clone();
            b.flip(0, 0x10000);
            return new Chars(b, !high);
        }

        Chars union(Chars o) {
            BitSet b = (BitSet) bmp.clone();
            b.or(o.bmp);
            return new Chars(b, high || o.high);
        }

        Chars folded() {
            BitSet b = (BitSet) bmp.clone();
            for (char c = 'a'; c <= 'z'; c++) {
                if (b.get(c) || b.get(c - 32)) { b.set(c); b.set(c - 32); }
            }
            return new Chars(b, high);
        }

        boolean disjoint(Chars o) { return !bmp.intersects(o.bmp) && !(high && o.high); }
    }

    /** An atom just read: its characters (null: not a single character), where its quantifier ended in the text, how it repeats. */
    private record Atom(Chars chars, int end, int min, int max, boolean greedy) { }

    private static final class Pass {
        final String re;
        final boolean fold;
        int i;
        final List<Integer> inserts = new ArrayList<>();

        Pass(String re, boolean fold) {
            this.re = re;
            this.fold = fold;
        }

        String run() {
            // for each open group, whether it is (or is inside) a lookbehind, where nothing is rewritten
            Deque<Boolean> behind = new ArrayDeque<>();
            Atom prev = null;
            while (i < re.length()) {
                char c = re.charAt(i);
                Chars chars;
                if (c == '(') {
                    boolean lookbehind = re.startsWith("(?<=", i) || re.startsWith("(?<!", i);
                    RegexSyntax.Opening o = RegexSyntax.group(re, i);
                    if (o.flags().contains("x")) return re;   // comments mode: spaces are not characters
                    if (o.kind() != RegexSyntax.Kind.FLAGS_ONLY) behind.push(lookbehind || !behind.isEmpty() && behind.peek());
                    i = o.next();
                    prev = null;
                    continue;
                } else if (c == ')') {
                    i++;
                    behind.pop();
                    quantifier();   // a group is no single character: it ends the outer sequence's chain
                    prev = null;
                    continue;
                } else if (c == '|' || c == '^' || c == '$') {
                    i++;
                    prev = null;
                    continue;
                } else if (c == '\\') {
                    chars = escape();
                } else if (c == '[') {
                    chars = charClass();
                } else if (c == '.') {
                    i++;
                    chars = Chars.any();
                } else {
                    i++;
                    chars = Chars.of(c);
                }
                int[] q = quantifier();
                Atom atom = new Atom(chars, i, q[0], q[1], q[2] == 1);
                if (prev != null && prev.chars() != null && chars != null && prev.greedy() && prev.min() != prev.max()
                        && (behind.isEmpty() || !behind.peek())
                        && atom.min() >= 1 && disjoint(prev.chars(), chars)) {
                    inserts.add(prev.end());
                }
                prev = atom;
            }
            if (inserts.isEmpty()) return re;
            StringBuilder out = new StringBuilder(re);
            for (int k = inserts.size() - 1; k >= 0; k--) out.insert((int) inserts.get(k), '+');
            return out.toString();
        }

        private boolean disjoint(Chars a, Chars b) {
            return fold ? a.folded().disjoint(b.folded()) : a.disjoint(b);
        }

        /**
         * The quantifier at i, consumed: {min, max (-1: none), 1 when greedy}; {1, 1, 0} when
         * there is none (a single match, nothing to give back).
         */
        private int[] quantifier() {
            if (i >= re.length()) return new int[] {1, 1, 0};
            char c = re.charAt(i);
            int min;
            int max;
            if (c == '*') { min = 0; max = -1; i++; }
            else if (c == '+') { min = 1; max = -1; i++; }
            else if (c == '?') { min = 0; max = 1; i++; }
            else if (c == '{') {
                int close = re.indexOf('}', i);
                String[] mm = re.substring(i + 1, close).split(",", -1);
                min = Integer.parseInt(mm[0].strip());
                max = mm.length == 1 ? min : mm[1].isBlank() ? -1 : Integer.parseInt(mm[1].strip());
                i = close + 1;
            } else {
                return new int[] {1, 1, 0};
            }
            boolean greedy = true;
            if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) { greedy = false; i++; }
            return new int[] {min, max, greedy ? 1 : 0};
        }

        /** An escape outside a class, consumed: its characters, or null for anything but one character. */
        private Chars escape() {
            char d = re.charAt(i + 1);
            switch (d) {
                case 'Q' -> {
                    int e = re.indexOf("\\E", i + 2);
                    i = e < 0 ? re.length() : e + 2;
                    return null;
                }
                case 'b', 'B', 'A', 'z', 'Z', 'G', 'R', 'X', 'K' -> { i += 2; return null; }
                case 'k' -> { i = re.indexOf('>', i) + 1; return null; }
                default -> {
                    if (d >= '1' && d <= '9') {
                        i += 2;
                        while (i < re.length() && Character.isDigit(re.charAt(i))) i++;
                        return null;
                    }
                    return classEscape();
                }
            }
        }

        /** An escape standing for characters, in or out of a class, consumed. */
        private Chars classEscape() {
            char d = re.charAt(i + 1);
            i += 2;
            BitSet s = new BitSet(0x10000);
            switch (d) {
                case 'd' -> s.set('0', '9' + 1);
                case 'D' -> { s.set('0', '9' + 1); return new Chars(s, false).negate(); }
                case 's' -> space(s);
                case 'S' -> { space(s); return new Chars(s, false).negate(); }
                case 'w' -> word(s);
                case 'W' -> { word(s); return new Chars(s, false).negate(); }
                case 'h', 'H', 'v', 'V', 'p', 'P' -> {
                    if ((d == 'p' || d == 'P') && i < re.length()) {
                        if (re.charAt(i) == '{') i = re.indexOf('}', i) + 1; else i++;
                    }
                    return Chars.any();
                }
                case 'x' -> { int[] h = RegexSyntax.hex(re, i); i = h[1]; return Chars.of(h[0]); }
                case 'u' -> { int v = Integer.parseInt(re.substring(i, i + 4), 16); i += 4; return Chars.of(v); }
                case '0' -> {
                    int j = i;
                    while (j < re.length() && j < i + 3 && re.charAt(j) >= '0' && re.charAt(j) <= '7') j++;
                    int v = Integer.parseInt(re.substring(i, j), 8);
                    i = j;
                    return Chars.of(v);
                }
                case 'c' -> { return Chars.of(re.charAt(i++) ^ 64); }
                case 't' -> s.set('\t');
                case 'n' -> s.set('\n');
                case 'r' -> s.set('\r');
                case 'f' -> s.set('\f');
                case 'a' -> s.set(7);
                case 'e' -> s.set(0x1b);
                default -> {
                    if (Character.isLetterOrDigit(d)) throw new IllegalStateException("escape \\" + d);
                    s.set(d);
                }
            }
            return new Chars(s, false);
        }

        /** [...] at i, consumed: negation, ranges, escapes and nested classes; "&&" is not worked out (any character). */
        private Chars charClass() {
            i++;
            boolean negate = i < re.length() && re.charAt(i) == '^';
            if (negate) i++;
            Chars s = new Chars(new BitSet(0x10000), false);
            boolean first = true;
            boolean unknown = false;
            while (i < re.length() && (re.charAt(i) != ']' || first)) {
                first = false;
                char c = re.charAt(i);
                if (re.startsWith("&&", i)) { unknown = true; i += 2; continue; }
                if (c == '[') { s = s.union(charClass()); continue; }
                int lo;
                if (c == '\\') {
                    if (re.startsWith("\\Q", i)) throw new IllegalStateException("quoting in a class");
                    Chars e = classEscape();
                    boolean single = e.bmp().cardinality() == 1 && !e.high();
                    if (!single || !(i + 1 < re.length() && re.charAt(i) == '-' && re.charAt(i + 1) != ']')) {
                        s = s.union(e);
                        continue;
                    }
                    lo = e.bmp().nextSetBit(0);
                } else {
                    lo = c;
                    i++;
                }
                if (i + 1 < re.length() && re.charAt(i) == '-' && re.charAt(i + 1) != ']' && re.charAt(i + 1) != '[') {
                    i++;
                    int hi;
                    if (re.charAt(i) == '\\') {
                        Chars e = classEscape();
                        if (e.bmp().cardinality() != 1 || e.high()) throw new IllegalStateException("range to a class");
                        hi = e.bmp().nextSetBit(0);
                    } else {
                        hi = re.charAt(i++);
                    }
                    BitSet r = new BitSet(0x10000);
                    r.set(lo, hi + 1);
                    s = s.union(new Chars(r, false));
                } else {
                    s = s.union(Chars.of(lo));
                }
            }
            if (i >= re.length()) throw new IllegalStateException("unclosed class");
            i++;
            if (unknown) return Chars.any();
            if (negate) {
                // Java folds before negating: under (?i) [^a] excludes A too
                return (fold ? s.folded() : s).negate();
            }
            return s;
        }

        private static void space(BitSet s) { for (char c : " \t\n\u000b\f\r".toCharArray()) s.set(c); }

        private static void word(BitSet s) {
            s.set('a', 'z' + 1);
            s.set('A', 'Z' + 1);
            s.set('0', '9' + 1);
            s.set('_');
        }
    }
}
