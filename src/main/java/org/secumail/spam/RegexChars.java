// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.BitSet;

/**
 * The characters of a Java pattern's escapes and classes ({@code \\d}, {@code \\x41},
 * {@code [^a-z\\s]}), as sets over U+0000 to U+FFFF, read where a pattern is taken apart:
 * {@link RegexAutomaton} and {@link AutoPossessive}. Anything not worked out either stands
 * for every character ({@code \\p{..}}, {@code \\h}, {@code \\v}) or throws
 * IllegalStateException (class intersection, a supplementary character), which each caller
 * reads as "leave this pattern as it is".
 */
final class RegexChars {
    final String re;
    /** The position read next. */
    int i;
    /** Whether the pattern folds case (US-ASCII): a negated class excludes both cases. */
    final boolean fold;

    RegexChars(String re, int i, boolean fold) {
        this.re = re;
        this.i = i;
        this.fold = fold;
    }

    /** An escape standing for characters (in or out of a class), consumed. */
    BitSet classEscape() {
        char d = re.charAt(i + 1);
        i += 2;
        BitSet s = new BitSet(0x10000);
        switch (d) {
            case 'd' -> s.set('0', '9' + 1);
            case 'D' -> { s.set('0', '9' + 1); s.flip(0, 0x10000); }
            case 's' -> space(s);
            case 'S' -> { space(s); s.flip(0, 0x10000); }
            case 'w' -> word(s);
            case 'W' -> { word(s); s.flip(0, 0x10000); }
            case 'h', 'H', 'v', 'V', 'p', 'P' -> {
                if ((d == 'p' || d == 'P') && i < re.length()) {
                    if (re.charAt(i) == '{') i = re.indexOf('}', i) + 1; else i++;
                }
                s.set(0, 0x10000);                   // not worked out: any character
            }
            case 'x' -> s.set(hex());
            case 'u' -> { s.set(Integer.parseInt(re.substring(i, i + 4), 16)); i += 4; }
            case '0' -> {
                int j = i;
                while (j < re.length() && j < i + 3 && re.charAt(j) >= '0' && re.charAt(j) <= '7') j++;
                s.set(Integer.parseInt(re.substring(i, j), 8));
                i = j;
            }
            case 'c' -> s.set(re.charAt(i++) ^ 64);
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
        return s;
    }

    private int hex() {
        int[] h = RegexSyntax.hex(re, i);
        i = h[1];
        if (h[0] > 0xffff) throw new IllegalStateException("supplementary");
        return h[0];
    }

    /** [...] at i, consumed: negation, ranges, escapes and nested classes (union); no "&&". */
    BitSet charClass() {
        i++;
        boolean negate = i < re.length() && re.charAt(i) == '^';
        if (negate) i++;
        BitSet s = new BitSet(0x10000);
        boolean first = true;
        while (i < re.length() && (re.charAt(i) != ']' || first)) {
            first = false;
            char c = re.charAt(i);
            if (re.startsWith("&&", i)) throw new IllegalStateException("class intersection");
            if (c == '[') { s.or(charClass()); continue; }
            int lo;
            if (c == '\\') {
                BitSet e = classEscape();
                if (e.cardinality() != 1 || !(re.charAt(i) == '-' && i + 1 < re.length() && re.charAt(i + 1) != ']')) {
                    s.or(e);
                    continue;
                }
                lo = e.nextSetBit(0);
            } else {
                lo = c;
                i++;
            }
            if (i + 1 < re.length() && re.charAt(i) == '-' && re.charAt(i + 1) != ']' && re.charAt(i + 1) != '[') {
                i++;
                int hi;
                if (re.charAt(i) == '\\') {
                    BitSet e = classEscape();
                    if (e.cardinality() != 1) throw new IllegalStateException("range to a class");
                    hi = e.nextSetBit(0);
                } else {
                    hi = re.charAt(i++);
                }
                if (hi < lo) throw new IllegalStateException("bad range");
                s.set(lo, hi + 1);
            } else {
                s.set(lo);
            }
        }
        if (i >= re.length()) throw new IllegalStateException("unclosed class");
        i++;
        if (negate) {
            if (fold) fold(s);   // Java folds before negating: [^a] under (?i) excludes A too
            s.flip(0, 0x10000);
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

    static void fold(BitSet s) {
        for (char c = 'a'; c <= 'z'; c++) {
            char u = (char) (c - 32);
            if (s.get(c) || s.get(u)) { s.set(c); s.set(u); }
        }
    }
}
