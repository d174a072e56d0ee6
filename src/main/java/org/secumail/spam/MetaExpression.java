// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A SpamAssassin {@code meta} rule's expression: rule names (their hit counts, 0 when not
 * hit), numbers, {@code ! && || + - * / < > <= >= == !=} and parentheses, with Perl's
 * precedence. Boolean operators yield 1 or 0, so "(A + B + C) > 1" and "A && !B" both work,
 * as in SpamAssassin's Check plugin (which compiles the same text to Perl).
 *
 * <p>Parsed once at load; {@link #evaluate} is a tree walk with no allocation.
 */
final class MetaExpression {
    private sealed interface Node permits Num, Ref, Not, Neg, Bin { }
    private record Num(double v) implements Node { }
    private record Ref(String name) implements Node { }
    private record Not(Node a) implements Node { }
    private record Neg(Node a) implements Node { }
    private record Bin(String op, Node a, Node b) implements Node { }

    private final Node root;
    private final Set<String> references;

    private MetaExpression(Node root, Set<String> references) {
        this.root = root;
        this.references = references;
    }

    /** The rule names this expression reads. */
    Set<String> references() { return references; }

    static MetaExpression parse(String text) {
        Parser p = new Parser(tokenize(text));
        Node n = p.or();
        if (p.pos != p.tokens.size()) throw new IllegalArgumentException("unexpected '" + p.tokens.get(p.pos) + "' in meta expression");
        return new MetaExpression(n, p.refs);
    }

    double evaluate(ToDoubleFunction<String> hits) {
        return eval(root, hits);
    }

    private static double eval(Node n, ToDoubleFunction<String> hits) {
        return switch (n) {
            case Num x -> x.v();
            case Ref r -> hits.applyAsDouble(r.name());
            case Not x -> eval(x.a(), hits) == 0 ? 1 : 0;
            case Neg x -> -eval(x.a(), hits);
            case Bin b -> switch (b.op()) {
                case "&&" -> eval(b.a(), hits) != 0 && eval(b.b(), hits) != 0 ? 1 : 0;
                case "||" -> eval(b.a(), hits) != 0 || eval(b.b(), hits) != 0 ? 1 : 0;
                case "+" -> eval(b.a(), hits) + eval(b.b(), hits);
                case "-" -> eval(b.a(), hits) - eval(b.b(), hits);
                case "*" -> eval(b.a(), hits) * eval(b.b(), hits);
                case "/" -> { double d = eval(b.b(), hits); yield d == 0 ? 0 : eval(b.a(), hits) / d; }
                case "<" -> eval(b.a(), hits) < eval(b.b(), hits) ? 1 : 0;
                case ">" -> eval(b.a(), hits) > eval(b.b(), hits) ? 1 : 0;
                case "<=" -> eval(b.a(), hits) <= eval(b.b(), hits) ? 1 : 0;
                case ">=" -> eval(b.a(), hits) >= eval(b.b(), hits) ? 1 : 0;
                case "==" -> eval(b.a(), hits) == eval(b.b(), hits) ? 1 : 0;
                case "!=" -> eval(b.a(), hits) != eval(b.b(), hits) ? 1 : 0;
                default -> throw new IllegalStateException(b.op());
            };
        };
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                out.add(s.substring(i, j));
                i = j;
            } else if (Character.isDigit(c) || c == '.') {
                int j = i;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) j++;
                out.add(s.substring(i, j));
                i = j;
            } else if (i + 1 < s.length() && List.of("&&", "||", "<=", ">=", "==", "!=").contains(s.substring(i, i + 2))) {
                out.add(s.substring(i, i + 2));
                i += 2;
            } else if ("!+-*/<>()".indexOf(c) >= 0) {
                out.add(String.valueOf(c));
                i++;
            } else {
                throw new IllegalArgumentException("unexpected character '" + c + "' in meta expression");
            }
        }
        return out;
    }

    private static final class Parser {
        final List<String> tokens;
        final Set<String> refs = new LinkedHashSet<>();
        int pos;

        Parser(List<String> tokens) { this.tokens = tokens; }

        String peek() { return pos < tokens.size() ? tokens.get(pos) : ""; }

        boolean eat(String t) {
            if (peek().equals(t)) { pos++; return true; }
            return false;
        }

        Node or() {
            Node n = and();
            while (eat("||")) n = new Bin("||", n, and());
            return n;
        }

        Node and() {
            Node n = equality();
            while (eat("&&")) n = new Bin("&&", n, equality());
            return n;
        }

        Node equality() {
            Node n = relational();
            while (true) {
                String t = peek();
                if (t.equals("==") || t.equals("!=")) { pos++; n = new Bin(t, n, relational()); } else return n;
            }
        }

        Node relational() {
            Node n = additive();
            while (true) {
                String t = peek();
                if (t.equals("<") || t.equals(">") || t.equals("<=") || t.equals(">=")) { pos++; n = new Bin(t, n, additive()); } else return n;
            }
        }

        Node additive() {
            Node n = multiplicative();
            while (true) {
                String t = peek();
                if (t.equals("+") || t.equals("-")) { pos++; n = new Bin(t, n, multiplicative()); } else return n;
            }
        }

        Node multiplicative() {
            Node n = unary();
            while (true) {
                String t = peek();
                if (t.equals("*") || t.equals("/")) { pos++; n = new Bin(t, n, unary()); } else return n;
            }
        }

        Node unary() {
            if (eat("!")) return new Not(unary());
            if (eat("-")) return new Neg(unary());
            if (eat("+")) return unary();
            return primary();
        }

        Node primary() {
            if (eat("(")) {
                Node n = or();
                if (!eat(")")) throw new IllegalArgumentException("missing ')' in meta expression");
                return n;
            }
            String t = peek();
            if (t.isEmpty()) throw new IllegalArgumentException("meta expression ends early");
            pos++;
            char c = t.charAt(0);
            if (Character.isDigit(c) || c == '.') return new Num(Double.parseDouble(t));
            if (Character.isLetter(c) || c == '_') {
                refs.add(t);
                return new Ref(t);
            }
            throw new IllegalArgumentException("unexpected '" + t + "' in meta expression");
        }
    }
}
