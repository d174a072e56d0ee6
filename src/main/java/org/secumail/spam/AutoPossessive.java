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

    /** Every character of the Basic Multilingual Plane: what is not worked out could be any. */
    private static BitSet any() {
        BitSet b = new BitSet(0x10000);
        b.set(0, 0x10000);
        return b;
    }

    /** One character of the pattern; half of a surrogate pair stands for any character. */
    private static BitSet one(char c) {
        if (Character.isSurrogate(c)) return any();
        BitSet b = new BitSet(0x10000);
        b.set(c);
        return b;
    }

    /** An atom just read: its characters (null: not a single character), where its quantifier ended in the text, how it repeats. */
    private record Atom(BitSet chars, int end, int min, int max, boolean greedy) { }

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
                BitSet chars;
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
                    RegexChars r = new RegexChars(re, i, fold);
                    chars = r.charClass();
                    i = r.i;
                } else if (c == '.') {
                    i++;
                    chars = any();
                } else {
                    i++;
                    chars = one(c);
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

        private boolean disjoint(BitSet a, BitSet b) {
            if (!fold) return !a.intersects(b);
            BitSet x = (BitSet) a.clone();
            BitSet y = (BitSet) b.clone();
            RegexChars.fold(x);
            RegexChars.fold(y);
            return !x.intersects(y);
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
        private BitSet escape() {
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
                    RegexChars r = new RegexChars(re, i, fold);
                    BitSet set = r.classEscape();
                    i = r.i;
                    return set;
                }
            }
        }
    }
}
