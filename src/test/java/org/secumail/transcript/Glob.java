// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

/**
 * Whole-string glob: '*' matches any run of characters (also none), '?' exactly one,
 * every other character itself. No escapes: a reply that must contain a literal '*' or
 * '?' is matched by '?' at that place.
 */
public final class Glob {
    private Glob() {}

    public static boolean matches(String pattern, String text) {
        // Iterative matcher with one backtrack point per '*' (linear-ish, no recursion).
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') p++;
        return p == pattern.length();
    }
}
