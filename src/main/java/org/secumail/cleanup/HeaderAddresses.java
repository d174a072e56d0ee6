// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An address header's value as Postfix's tok822 sees it (RFC 822 tokens: atoms, quoted
 * strings, comments, domain literals and the specials), so that a rewritten header comes out
 * as Postfix's cleanup writes it: each address expression's addr-spec (the one inside
 * &lt;&gt;, else the expression's words) replaced, and the header written again with
 * tok822_externalize()'s spacing (a space after ',' and a group's ':', before '&lt;' and
 * between two words; none around the other specials), one address per line, lines joined
 * while shorter than 70 characters, continuation lines starting with a TAB.
 */
final class HeaderAddresses {
    private HeaderAddresses() { }

    private enum Type { ATOM, QSTRING, COMMENT, DOMLIT, SPECIAL, ADDR, GROUP, ROUTE }

    private record Token(Type type, String text) {
        boolean word() { return type == Type.ATOM || type == Type.QSTRING || type == Type.COMMENT || type == Type.DOMLIT || type == Type.ADDR; }

        boolean is(char c) { return type == Type.SPECIAL && text.charAt(0) == c; }
    }

    static List<Token> tokenize(String v) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = v.length();
        while (i < n) {
            char c = v.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c == '(') {
                int depth = 0;
                int s = i;
                for (; i < n; i++) {
                    char d = v.charAt(i);
                    if (d == '\\') { i++; continue; }
                    if (d == '(') depth++;
                    else if (d == ')' && --depth == 0) { i++; break; }
                }
                out.add(new Token(Type.COMMENT, v.substring(s, Math.min(i, n))));
            } else if (c == '"') {
                int s = i++;
                for (; i < n; i++) {
                    char d = v.charAt(i);
                    if (d == '\\') { i++; continue; }
                    if (d == '"') { i++; break; }
                }
                out.add(new Token(Type.QSTRING, v.substring(s, Math.min(i, n))));
            } else if (c == '[') {
                int close = v.indexOf(']', i);
                int e = close < 0 ? n : close + 1;
                out.add(new Token(Type.DOMLIT, v.substring(i, e)));
                i = e;
            } else if ("<>@,;:.\\".indexOf(c) >= 0) {
                out.add(new Token(Type.SPECIAL, String.valueOf(c)));
                i++;
            } else {
                int s = i;
                while (i < n && !Character.isWhitespace(v.charAt(i)) && "()<>@,;:.\\\"[".indexOf(v.charAt(i)) < 0) i++;
                out.add(new Token(Type.ATOM, v.substring(s, i)));
            }
        }
        return out;
    }

    /**
     * The header "Name: value" with {@code rewrite} applied to each address, or null when no
     * address changed (the header is then kept as it was, byte for byte).
     */
    static String rewrite(String header, UnaryOperator<String> rewrite) {
        int colon = header.indexOf(':');
        if (colon < 0) return null;
        List<Token> toks = tokenize(header.substring(colon + 1));
        List<Token> out = new ArrayList<>();
        boolean changed = false;
        int i = 0;
        while (i <= toks.size()) {
            // one address expression: up to a top-level ',' or ';' (a group's name ends at ':')
            int end = i;
            int angle = -1;
            int close = -1;
            int group = -1;
            while (end < toks.size()) {
                Token t = toks.get(end);
                boolean inAngle = angle >= 0 && close < 0;
                if (!inAngle && (t.is(',') || t.is(';'))) break;
                if (t.is('<') && angle < 0) angle = end;
                else if (t.is('>') && inAngle) close = end;
                else if (t.is(':') && angle < 0 && group < 0) group = end;
                end++;
            }
            int from = i;
            if (group >= 0) {   // "name:" of a group goes out as it is
                for (int k = i; k < group; k++) out.add(toks.get(k));
                out.add(new Token(Type.GROUP, ":"));
                from = group + 1;
            }
            int aStart;
            int aEnd;
            if (angle >= 0 && close > angle) {
                aStart = angle + 1;
                aEnd = close;
                // a source route "@a,@b:" is not part of the addr-spec
                for (int k = aStart; k < aEnd; k++) if (toks.get(k).is(':')) { aStart = k + 1; break; }
            } else {
                aStart = from;
                aEnd = end;
            }
            StringBuilder addr = new StringBuilder();
            boolean words = false;
            boolean spaceSeparated = false;
            Token prev = null;
            for (int k = aStart; k < aEnd; k++) {
                Token t = toks.get(k);
                if (t.type == Type.COMMENT) continue;
                if (prev != null && prev.word() && t.word()) spaceSeparated = true;
                addr.append(t.text);
                words = true;
                prev = t;
            }
            boolean isAddress = words && !(angle < 0 && spaceSeparated);
            for (int k = from; k < end; k++) {
                Token t = toks.get(k);
                if (isAddress && k == aStart) {
                    String a = addr.toString();
                    String r = rewrite.apply(a);
                    if (!r.equals(a)) changed = true;
                    // comments inside the addr-spec go after it, as tok822 moves them
                    out.add(new Token(Type.ADDR, r));
                    for (int m = aStart; m < aEnd; m++) if (toks.get(m).type == Type.COMMENT) out.add(toks.get(m));
                    k = aEnd - 1;
                    continue;
                }
                // a source route's ',' and ':' are part of the route, not list punctuation
                boolean route = angle >= 0 && k > angle && k < aStart && (t.is(',') || t.is(':'));
                out.add(route ? new Token(Type.ROUTE, t.text) : t);
            }
            if (end < toks.size()) out.add(toks.get(end));
            i = end + 1;
            if (end >= toks.size()) break;
        }
        if (!changed) return null;
        return fold(header.substring(0, colon) + ": " + externalize(out));
    }

    /** tok822_externalize() in header mode: ',' ends a line; spaces as tok822_append_space(). */
    private static String externalize(List<Token> toks) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < toks.size(); k++) {
            Token t = toks.get(k);
            b.append(t.text);
            if (t.is(',')) {
                b.append('\n');
                continue;
            }
            Token next = k + 1 < toks.size() ? toks.get(k + 1) : null;
            if (next == null) continue;
            if (t.type == Type.GROUP || next.is('<') || (t.word() && next.word())) b.append(' ');
        }
        return b.toString();
    }

    /** cleanup_fold_header(): lines joined while the line so far is under 70 characters; continuation lines get a TAB. */
    private static String fold(String h) {
        String[] lines = h.split("\n", -1);
        StringBuilder out = new StringBuilder(lines[0]);
        int lineStart = 0;
        for (int k = 1; k < lines.length; k++) {
            if (out.length() - lineStart + 1 + lines[k].length() < 70) {
                out.append(' ').append(lines[k]);
            } else {
                out.append('\n');
                lineStart = out.length() + 1;   // the TAB is the output routine's, not counted
                out.append('\t').append(lines[k]);
            }
        }
        return out.toString();
    }
}
