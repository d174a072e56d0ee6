// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.util.ArrayList;
import java.util.List;

/**
 * A ClamAV logical signature (.ldb, signatures.md "Logical signatures"):
 * {@code Name;TargetDescriptionBlock;LogicalExpression;Subsig0;Subsig1;...}, as far as its
 * sub-signatures are body patterns ({@code [Offset:]Hex}, matched by the shared automaton).
 * Target description: {@code Engine} (ignored), {@code Target} (0, 1, 4, 6) and
 * {@code FileSize:min-max}. Expression: sub-signature numbers, {@code &}, {@code |},
 * parentheses, and {@code =X}, {@code >X}, {@code <X} on a number or a group (a group's count
 * is the sum of its sub-signatures' match counts). Refused with the reason, and counted by the
 * loader: PCRE, byte-compare and macro sub-signatures, {@code ::i/w/f/a} modifiers, the
 * {@code ,Y} forms, and other target description keys (Container, EntryPoint, IconGroup ...).
 */
final class LogicalSignature {
    /** A node of the logical expression over the match counts of the sub-signatures. */
    interface Node {
        long count(int[] counts);

        boolean truth(int[] counts);
    }

    record Subsig(String offset, String hex) { }

    final String name;
    final int target;
    final long minSize;
    final long maxSize;
    final Node expression;
    final List<Subsig> subsigs;

    private LogicalSignature(String name, int target, long minSize, long maxSize, Node expression, List<Subsig> subsigs) {
        this.name = name;
        this.target = target;
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.expression = expression;
        this.subsigs = subsigs;
    }

    static LogicalSignature parse(String line, String suffix) {
        String[] f = line.split(";", -1);
        if (f.length < 4) throw new IllegalArgumentException("malformed line");
        int target = 0;
        long min = 0, max = Long.MAX_VALUE;
        for (String kv : f[1].split(",")) {
            String[] p = kv.split(":", 2);
            if (p.length != 2) throw new IllegalArgumentException("malformed target block");
            switch (p[0]) {
                case "Engine" -> { }
                case "Target" -> target = Integer.parseInt(p[1]);
                case "FileSize" -> {
                    String[] r = p[1].split("-", 2);
                    min = Long.parseLong(r[0]);
                    max = r.length > 1 && !r[1].isEmpty() ? Long.parseLong(r[1]) : Long.MAX_VALUE;
                }
                default -> throw new IllegalArgumentException("target block key " + p[0]);
            }
        }
        if (target != 0 && target != 1 && target != 4 && target != 6) throw new IllegalArgumentException("target type " + target);
        List<Subsig> subs = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            String s = f[i];
            if (s.contains("::")) throw new IllegalArgumentException("subsignature modifiers");
            if (s.contains("/")) throw new IllegalArgumentException("PCRE subsignature");
            if (s.startsWith("$") || s.startsWith("(")) throw new IllegalArgumentException("macro or byte-compare subsignature");
            int colon = s.indexOf(':');
            subs.add(colon < 0 ? new Subsig("*", s) : new Subsig(s.substring(0, colon), s.substring(colon + 1)));
        }
        Parser p = new Parser(f[2], subs.size());
        Node expr = p.expr();
        if (p.pos != f[2].length()) throw new IllegalArgumentException("logical expression syntax");
        return new LogicalSignature(f[0] + suffix, target, min, max, expr, subs);
    }

    boolean matches(int[] counts, long size) {
        return size >= minSize && size <= maxSize && expression.truth(counts);
    }

    /** expr := term (('&'|'|') term)*, left to right; term := (NUMBER | '(' expr ')') [('='|'>'|'<') NUMBER]. */
    private static final class Parser {
        final String s;
        final int subs;
        int pos;

        Parser(String s, int subs) {
            this.s = s;
            this.subs = subs;
        }

        Node expr() {
            Node left = term();
            while (pos < s.length() && (s.charAt(pos) == '&' || s.charAt(pos) == '|')) {
                boolean and = s.charAt(pos++) == '&';
                Node a = left, b = term();
                left = new Node() {
                    public long count(int[] c) { return a.count(c) + b.count(c); }
                    public boolean truth(int[] c) { return and ? a.truth(c) && b.truth(c) : a.truth(c) || b.truth(c); }
                };
            }
            return left;
        }

        Node term() {
            Node base;
            if (pos < s.length() && s.charAt(pos) == '(') {
                pos++;
                base = expr();
                if (pos >= s.length() || s.charAt(pos) != ')') throw new IllegalArgumentException("logical expression syntax");
                pos++;
            } else {
                int i = number();
                if (i >= subs) throw new IllegalArgumentException("expression names a missing subsignature");
                base = new Node() {
                    public long count(int[] c) { return c[i]; }
                    public boolean truth(int[] c) { return c[i] > 0; }
                };
            }
            if (pos < s.length() && "=<>".indexOf(s.charAt(pos)) >= 0) {
                char op = s.charAt(pos++);
                long x = number();
                if (pos < s.length() && s.charAt(pos) == ',') throw new IllegalArgumentException("logical expression ,Y form");
                Node b = base;
                return new Node() {
                    public long count(int[] c) { return b.count(c); }
                    public boolean truth(int[] c) {
                        long n = b.count(c);
                        return op == '=' ? n == x : op == '>' ? n > x : n < x;
                    }
                };
            }
            return base;
        }

        int number() {
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (start == pos) throw new IllegalArgumentException("logical expression syntax");
            return Integer.parseInt(s.substring(start, pos));
        }
    }
}
