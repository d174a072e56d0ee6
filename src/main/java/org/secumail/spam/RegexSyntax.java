// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

/**
 * The pieces of Java's pattern syntax that the pattern analysers ({@link RequiredLiterals},
 * {@link StartChars}, {@link RegexAutomaton}) all read the same way: what a "(" opens, and a
 * hexadecimal escape. Each analyser walks the rest itself, since each computes something else.
 */
final class RegexSyntax {
    private RegexSyntax() { }

    enum Kind { LOOKAROUND, FLAGS_ONLY, GROUP }

    /**
     * What a "(" opens.
     *
     * @param kind  a lookaround (zero-width), inline flags alone ("(?i)"), or a group
     *              (capturing, named, non-capturing with or without flags, atomic)
     * @param next  the index just after the opening ("(", "(?:", "(?i)", "(?<name>" ...)
     * @param flags the inline flags it sets, as written ("i", "i-m"), or ""
     */
    record Opening(Kind kind, int next, String flags) { }

    /** The opening of the group at re[i] == '('; an unknown form throws IllegalStateException. */
    static Opening group(String re, int i) {
        int j = i + 1;
        if (re.startsWith("?=", j) || re.startsWith("?!", j)) return new Opening(Kind.LOOKAROUND, j + 2, "");
        if (re.startsWith("?<=", j) || re.startsWith("?<!", j)) return new Opening(Kind.LOOKAROUND, j + 3, "");
        if (j >= re.length() || re.charAt(j) != '?') return new Opening(Kind.GROUP, j, "");
        j++;
        if (re.startsWith("<", j)) return new Opening(Kind.GROUP, re.indexOf('>', j) + 1, "");
        int flags = j;
        while (j < re.length() && "imsxdu-U".indexOf(re.charAt(j)) >= 0) j++;
        String f = re.substring(flags, j);
        if (j < re.length() && re.charAt(j) == ')') return new Opening(Kind.FLAGS_ONLY, j + 1, f);
        if (j < re.length() && (re.charAt(j) == ':' || re.charAt(j) == '>')) return new Opening(Kind.GROUP, j + 1, f);
        throw new IllegalStateException("group " + re.substring(i));
    }

    /**
     * The hexadecimal escape whose digits start at re[i] (after "\x": "hh" or "{h..}"):
     * {code point, index after it}.
     */
    static int[] hex(String re, int i) {
        if (re.charAt(i) == '{') {
            int e = re.indexOf('}', i);
            return new int[] {Integer.parseInt(re.substring(i + 1, e), 16), e + 1};
        }
        return new int[] {Integer.parseInt(re.substring(i, i + 2), 16), i + 2};
    }
}
