// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;

/**
 * A Java pattern as a Lucene automaton that accepts a superset of what the pattern matches,
 * for {@link MultiPatternAutomaton}: recursive descent over the pattern's syntax, each
 * construct an automaton can express built as one, the others widened. A "^" that begins the
 * pattern reads the start of the text (or of a line), a "$" that ends it the end; other
 * anchors, {@code \b} and lookarounds match the empty string, a back-reference matches any string, atomic groups
 * and possessive quantifiers become ordinary ones, {@code \h}, {@code \v} and {@code \p{..}}
 * match any character, a counted repetition above a few times becomes "at least min(n, a few)
 * times", and case folding (ASCII, as Java's without UNICODE_CASE) applies to the whole
 * pattern when any part of it folds. The alphabet is US-ASCII plus one symbol for every
 * other character. A construct not understood gives no automaton.
 */
final class RegexAutomaton {
    private RegexAutomaton() { }

    /** States a repetition's minimum may copy the repeated part into, whatever exactUpTo. */
    static final int SMALL_REPEAT = 128;

    /**
     * Copies a repetition's minimum may make of one character class: SpamAssassin's
     * {@code __LONGLINE} ({@code ^[^\r\n]{998}}) is then a counter of the line's length, which
     * the runner reads as it reads everything else, instead of "maybe" on every line of three
     * characters that Java then read again up to 998 characters at a time.
     */
    static final int CLASS_REPEAT = 1024;

    /** Lucene's work limit for taking a lookahead's words out (determinizing the literal's complement). */
    private static final int LOOKAHEAD_WORK = 10_000;

    /**
     * The symbol a runner reads before the first and after the last character of a text (a
     * text holding NUL is always "maybe"), so that a pattern beginning with "^" or ending in
     * "$" can say no where the text goes on.
     */
    static final char END = 0;

    /**
     * The symbol that stands for every character above U+007F: a class holding any such
     * character also holds it, so a runner that reads each of them as this one symbol still
     * accepts a superset (the Latin-1 and UTF-8 look-alikes of the obfuscation rules collapse
     * into it instead of making determinization explode).
     */
    static final char NON_ASCII = 0x80;

    /**
     * The automaton of the widened pattern (without a leading "any string":
     * {@link MultiPatternAutomaton} starts every pattern at every position itself), over
     * US-ASCII and {@link #NON_ASCII}. Null when the pattern holds a construct not handled here.
     *
     * @param fold      whether the pattern folds case anywhere (ASCII, applied to all of it)
     * @param exactUpTo counted repetitions up to this many are kept exact, above it widened
     */
    static Automaton pattern(String pattern, boolean fold, boolean multiline, int exactUpTo) {
        return pattern(pattern, fold, !fold, multiline, exactUpTo);
    }

    /**
     * @param lookaheadsExact whether a negative lookahead of a literal ({@code (?!security)})
     *                        reads its literal as the automaton does: with the same folding,
     *                        so that its words may be taken out of what follows it (true
     *                        when the pattern does not fold at all, or folds everywhere)
     */
    static Automaton pattern(String pattern, boolean fold, boolean lookaheadsExact, boolean multiline, int exactUpTo) {
        try {
            Builder b = new Builder(pattern, fold, multiline, exactUpTo);
            b.lookaheadsExact = lookaheadsExact;
            Automaton a = b.alternation();
            if (b.i != b.re.length()) return null;
            return nz(a);
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static final Automaton ANY_CHAR = Automata.makeCharRange(END + 1, NON_ASCII);
    private static final Automaton ANY_STRING = Operations.repeat(ANY_CHAR);
    /** The empty language (a pattern that needs characters above U+007F), with a start state. */
    private static final Automaton NOTHING = nothing();

    /**
     * Lucene gives the empty language as an automaton without states, which its own union and
     * run then cannot start from: the empty language here always has its start state.
     */
    static Automaton nz(Automaton a) { return a.getNumStates() == 0 ? NOTHING : a; }

    private static Automaton nothing() {
        Automaton a = new Automaton();
        a.createState();
        a.finishState();
        return a;
    }

    /** Recursive descent over Java's pattern syntax, building the superset automaton. */
    private static final class Builder {
        final String re;
        final boolean fold;
        final boolean multiline;
        final int exactUpTo;
        boolean lookaheadsExact;
        int i;

        Builder(String re, boolean fold, boolean multiline, int exactUpTo) {
            this.re = re;
            this.fold = fold;
            this.multiline = multiline;
            this.exactUpTo = exactUpTo;
        }

        Automaton alternation() {
            List<Automaton> alts = new ArrayList<>();
            while (true) {
                alts.add(sequence());
                if (i < re.length() && re.charAt(i) == '|') { i++; continue; }
                return alts.size() == 1 ? alts.get(0) : nz(Operations.union(alts));
            }
        }

        Automaton sequence() {
            List<Automaton> parts = new ArrayList<>();
            List<Integer> marks = new ArrayList<>();     // where the part after a (?!literal) begins
            List<String> literals = new ArrayList<>();
            while (i < re.length() && re.charAt(i) != '|' && re.charAt(i) != ')') {
                String literal = negativeLookaheadLiteral();
                Automaton a = atom();
                int end = i;
                parts.add(quantified(a));
                if (literal != null && i == end) { marks.add(parts.size()); literals.add(literal); }
            }
            // from the last lookahead back: the rest of the sequence less the words that begin with
            // its literal (no match can, as the lookahead reads them where the match goes on)
            for (int m = marks.size() - 1; m >= 0; m--) {
                int from = marks.get(m);
                if (from >= parts.size()) continue;
                Automaton rest = parts.size() - from == 1 ? parts.get(from) : nz(Operations.concatenate(parts.subList(from, parts.size())));
                Automaton less = without(rest, literals.get(m));
                parts = new ArrayList<>(parts.subList(0, from));
                parts.add(less);
            }
            return parts.isEmpty() ? Automata.makeEmptyString() : parts.size() == 1 ? parts.get(0) : nz(Operations.concatenate(parts));
        }

        /**
         * The literal of a negative lookahead at i ({@code (?!security)}: letters, digits and
         * escaped punctuation, US-ASCII without NUL), or null for any other construct, or when
         * the lookahead may fold differently from the automaton. Nothing is consumed.
         */
        private String negativeLookaheadLiteral() {
            if (!lookaheadsExact || !re.startsWith("(?!", i)) return null;
            StringBuilder lit = new StringBuilder();
            for (int j = i + 3; j < re.length(); j++) {
                char c = re.charAt(j);
                if (c == ')') return lit.isEmpty() ? null : lit.toString();
                if (c == '\\') {
                    if (j + 1 >= re.length() || Character.isLetterOrDigit(re.charAt(j + 1))) return null;
                    c = re.charAt(++j);
                } else if (".[]{}()*+?|^$#".indexOf(c) >= 0) {
                    return null;
                }
                if (c == END || c >= NON_ASCII) return null;
                lit.append(c);
            }
            return null;
        }

        /** The words of a that do not begin with the literal (a itself when that is too costly to work out). */
        private Automaton without(Automaton a, String literal) {
            List<Automaton> parts = new ArrayList<>();
            for (char c : literal.toCharArray()) parts.add(chars(one(c)));
            parts.add(ANY_STRING);
            try {
                return nz(Operations.removeDeadStates(Operations.minus(a, Operations.concatenate(parts), LOOKAHEAD_WORK)));
            } catch (TooComplexToDeterminizeException e) {
                return a;
            }
        }

        private Automaton quantified(Automaton a) {
            if (i >= re.length()) return a;
            char c = re.charAt(i);
            int min;
            int max;
            if (c == '?') { min = 0; max = 1; }
            else if (c == '*') { min = 0; max = -1; }
            else if (c == '+') { min = 1; max = -1; }
            else if (c == '{' && re.indexOf('}', i) > i && re.substring(i + 1, re.indexOf('}', i)).matches("\\s*\\d+\\s*(,\\s*\\d*\\s*)?")) {
                int end = re.indexOf('}', i);
                String[] mm = re.substring(i + 1, end).split(",", -1);
                min = Integer.parseInt(mm[0].strip());
                max = mm.length == 1 ? min : mm[1].isBlank() ? -1 : Integer.parseInt(mm[1].strip());
                i = end;
            } else {
                return a;
            }
            i++;
            if (i < re.length() && (re.charAt(i) == '?' || re.charAt(i) == '+')) i++;   // lazy, possessive: same or fewer matches
            if (max == 1) return min == 0 ? Operations.optional(a) : a;
            if (max >= 0 && max <= exactUpTo) return nz(Operations.repeat(a, min, max));
            // at least min(n, exactUpTo) times, a superset; the whole minimum when the repeated
            // part is small (a class: [0-9a-f]{10,64} is worth its ten copies, a word list is not)
            int least = (long) a.getNumStates() * min <= SMALL_REPEAT || oneCharacter(a) && min <= CLASS_REPEAT ? min : Math.min(min, exactUpTo);
            return nz(Operations.repeat(a, least));
        }

        /** Whether a reads exactly one character (of a class): two states, a step between them. */
        private static boolean oneCharacter(Automaton a) {
            return a.getNumStates() == 2 && !a.isAccept(0) && a.isAccept(1) && a.getNumTransitions(1) == 0;
        }

        private Automaton atom() {
            char c = re.charAt(i);
            if (c == '\\') return escape();
            if (c == '[') return chars(charClass());
            if (c == '(') return group();
            i++;
            if (c == '$' && re.substring(i).chars().allMatch(ch -> ch == ')')) return end();
            if (c == '^' && i == 1) return start();
            if (c == '^' || c == '$') return Automata.makeEmptyString();
            if (c == '.') return ANY_CHAR;
            return chars(one(c));
        }

        /**
         * A "$" with nothing after it but the closing of groups: the match ends at the end of
         * the text, or before a final line end (with MULTILINE, before any line end, which the
         * automaton may read since nothing follows). Elsewhere "$" is dropped, like "^".
         */
        private Automaton end() {
            Automaton end = Automata.makeChar(END);
            Automaton lineEnd = Automata.makeCharSet(new int[] {'\n', '\r'});
            if (multiline) return nz(Operations.union(List.of(end, lineEnd)));
            Automaton crlf = Automata.makeString("\r\n");
            return nz(Operations.union(List.of(end, Operations.concatenate(lineEnd, end), Operations.concatenate(crlf, end))));
        }

        /**
         * A "^" that begins the pattern: the match begins at the start of the text, which the
         * runner marks with END ({@link MultiPatternAutomaton#symbols}), or with MULTILINE
         * after a line end too (LF, CR, or NON_ASCII for U+0085, U+2028 and U+2029): the
         * automaton reads that character first. Elsewhere "^" is dropped.
         */
        private Automaton start() {
            if (!multiline) return Automata.makeChar(END);
            return Automata.makeCharSet(new int[] {END, '\n', '\r', NON_ASCII});
        }

        private Automaton group() {
            RegexSyntax.Opening o = RegexSyntax.group(re, i);
            if (o.flags().contains("x") || o.flags().contains("u") || o.flags().contains("U")) throw new IllegalStateException("flags " + o.flags());
            i = o.next();
            if (o.kind() == RegexSyntax.Kind.FLAGS_ONLY) return Automata.makeEmptyString();
            Automaton a = alternation();
            if (o.kind() == RegexSyntax.Kind.LOOKAROUND) a = Automata.makeEmptyString();   // zero-width: matches the empty string
            if (i >= re.length() || re.charAt(i) != ')') throw new IllegalStateException("unclosed group");
            i++;
            return a;
        }

        /** An escape outside a class. */
        private Automaton escape() {
            char d = re.charAt(i + 1);
            switch (d) {
                case 'b', 'B', 'A', 'z', 'Z', 'G' -> { i += 2; return Automata.makeEmptyString(); }
                case 'k' -> { i = re.indexOf('>', i) + 1; return ANY_STRING; }
                case 'Q' -> {
                    int e = re.indexOf("\\E", i + 2);
                    String lit = e < 0 ? re.substring(i + 2) : re.substring(i + 2, e);
                    i = e < 0 ? re.length() : e + 2;
                    List<Automaton> parts = new ArrayList<>();
                    for (char c : lit.toCharArray()) parts.add(chars(one(c)));
                    return parts.isEmpty() ? Automata.makeEmptyString() : nz(Operations.concatenate(parts));
                }
                default -> {
                    if (d >= '1' && d <= '9') {            // back-reference: any string
                        i += 2;
                        while (i < re.length() && Character.isDigit(re.charAt(i))) i++;
                        return ANY_STRING;
                    }
                    return chars(classEscape());
                }
            }
        }

        /** An escape standing for characters (in or out of a class), consumed. */
        private BitSet classEscape() {
            RegexChars c = new RegexChars(re, i, fold);
            BitSet s = c.classEscape();
            i = c.i;
            return s;
        }

        /** [...] at i, consumed. */
        private BitSet charClass() {
            RegexChars c = new RegexChars(re, i, fold);
            BitSet s = c.charClass();
            i = c.i;
            return s;
        }

        private static BitSet one(char c) {
            BitSet s = new BitSet(0x10000);
            s.set(c);
            return s;
        }

        /**
         * One step over a set of characters (ASCII-folded when the pattern folds), US-ASCII
         * with {@link #NON_ASCII} standing for all the others: a runner reads every character
         * above U+007F as that one symbol.
         */
        private Automaton chars(BitSet s) {
            if (fold) {
                for (char c = 'A'; c <= 'Z'; c++) if (s.get(c)) s.set(c + 32);
                s.clear('A', 'Z' + 1);
            }
            boolean wide = s.nextSetBit(0x80) >= 0;
            s.clear(0x80, 0x10000);
            s.clear(END);   // only the ends of a text read as END (a text holding NUL is all "maybe")
            if (wide) s.set(NON_ASCII);
            List<int[]> ranges = new ArrayList<>();
            for (int a = s.nextSetBit(0); a >= 0; a = s.nextSetBit(a)) {
                int b = s.nextClearBit(a);
                ranges.add(new int[] {a, b - 1});
                a = b;
            }
            if (ranges.isEmpty()) return NOTHING;   // Lucene's makeEmpty() has no state and breaks concatenation
            int[] starts = new int[ranges.size()];
            int[] ends = new int[ranges.size()];
            for (int k = 0; k < ranges.size(); k++) { starts[k] = ranges.get(k)[0]; ends[k] = ranges.get(k)[1]; }
            return Automata.makeCharClass(starts, ends);
        }
    }
}
