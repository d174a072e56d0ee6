// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * A SpamAssassin {@code meta} rule's expression: rule names (their hit counts, 0 when not
 * hit), numbers, {@code ! && || + - * / < > <= >= == !=} and parentheses, with Perl's
 * precedence. Boolean operators yield 1 or 0, so "(A + B + C) > 1" and "A && !B" both work,
 * as in SpamAssassin's Check plugin (which compiles the same text to Perl).
 *
 * <p>Parsed once at load; {@link #evaluate} is a tree walk with no allocation. The scorer
 * evaluates every meta rule of every message, so it {@link #bind binds} the names to slots of an
 * array once, and a message's evaluation reads array slots instead of looking names up.
 */
final class MetaExpression {
    private sealed interface Node permits Num, Ref, Slot, Not, Neg, Bin { }
    private record Num(double v) implements Node { }
    private record Ref(String name) implements Node { }
    private record Slot(int index) implements Node { }
    private record Not(Node a) implements Node { }
    private record Neg(Node a) implements Node { }
    private record Bin(Op op, Node a, Node b) implements Node { }

    private enum Op {
        AND("&&"), OR("||"), ADD("+"), SUB("-"), MUL("*"), DIV("/"), LT("<"), GT(">"), LE("<="), GE(">="), EQ("=="), NE("!=");
        final String text;
        Op(String text) { this.text = text; }
        static Op of(String t) {
            for (Op o : values()) if (o.text.equals(t)) return o;
            throw new IllegalArgumentException(t);
        }
    }

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

    /** Evaluates with each name's hit count from hits. */
    double evaluate(ToDoubleFunction<String> hits) {
        return eval(root, hits, null);
    }

    /** The same expression reading the name n from slot index(n) of the array given to {@link #evaluate(double[])}. */
    MetaExpression bind(ToIntFunction<String> index) {
        return new MetaExpression(bind(root, index), references);
    }

    /** Evaluates a {@link #bind bound} expression: slots holds every name's hit count. */
    double evaluate(double[] slots) {
        return eval(root, null, slots);
    }

    /** The slots a {@link #bind bound} expression reads, each once. */
    int[] slots() {
        java.util.BitSet out = new java.util.BitSet();
        collectSlots(root, out);
        return out.stream().toArray();
    }

    private static void collectSlots(Node n, java.util.BitSet out) {
        switch (n) {
            case Slot x -> out.set(x.index());
            case Not x -> collectSlots(x.a(), out);
            case Neg x -> collectSlots(x.a(), out);
            case Bin b -> { collectSlots(b.a(), out); collectSlots(b.b(), out); }
            case Num x -> { }
            case Ref r -> throw new IllegalStateException("not bound: " + r.name());
        }
    }

    private static Node bind(Node n, ToIntFunction<String> index) {
        return switch (n) {
            case Ref r -> new Slot(index.applyAsInt(r.name()));
            case Not x -> new Not(bind(x.a(), index));
            case Neg x -> new Neg(bind(x.a(), index));
            case Bin b -> new Bin(b.op(), bind(b.a(), index), bind(b.b(), index));
            case Num x -> x;
            case Slot x -> x;
        };
    }

    private static double eval(Node n, ToDoubleFunction<String> hits, double[] slots) {
        return switch (n) {
            case Num x -> x.v();
            case Slot x -> slots[x.index()];
            case Ref r -> hits.applyAsDouble(r.name());
            case Not x -> eval(x.a(), hits, slots) == 0 ? 1 : 0;
            case Neg x -> -eval(x.a(), hits, slots);
            case Bin b -> switch (b.op()) {
                case AND -> eval(b.a(), hits, slots) != 0 && eval(b.b(), hits, slots) != 0 ? 1 : 0;
                case OR -> eval(b.a(), hits, slots) != 0 || eval(b.b(), hits, slots) != 0 ? 1 : 0;
                case ADD -> eval(b.a(), hits, slots) + eval(b.b(), hits, slots);
                case SUB -> eval(b.a(), hits, slots) - eval(b.b(), hits, slots);
                case MUL -> eval(b.a(), hits, slots) * eval(b.b(), hits, slots);
                case DIV -> { double d = eval(b.b(), hits, slots); yield d == 0 ? 0 : eval(b.a(), hits, slots) / d; }
                case LT -> eval(b.a(), hits, slots) < eval(b.b(), hits, slots) ? 1 : 0;
                case GT -> eval(b.a(), hits, slots) > eval(b.b(), hits, slots) ? 1 : 0;
                case LE -> eval(b.a(), hits, slots) <= eval(b.b(), hits, slots) ? 1 : 0;
                case GE -> eval(b.a(), hits, slots) >= eval(b.b(), hits, slots) ? 1 : 0;
                case EQ -> eval(b.a(), hits, slots) == eval(b.b(), hits, slots) ? 1 : 0;
                case NE -> eval(b.a(), hits, slots) != eval(b.b(), hits, slots) ? 1 : 0;
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
            while (eat("||")) n = new Bin(Op.OR, n, and());
            return n;
        }

        Node and() {
            Node n = equality();
            while (eat("&&")) n = new Bin(Op.AND, n, equality());
            return n;
        }

        Node equality() {
            Node n = relational();
            while (true) {
                String t = peek();
                if (t.equals("==") || t.equals("!=")) { pos++; n = new Bin(Op.of(t), n, relational()); } else return n;
            }
        }

        Node relational() {
            Node n = additive();
            while (true) {
                String t = peek();
                if (t.equals("<") || t.equals(">") || t.equals("<=") || t.equals(">=")) { pos++; n = new Bin(Op.of(t), n, additive()); } else return n;
            }
        }

        Node additive() {
            Node n = multiplicative();
            while (true) {
                String t = peek();
                if (t.equals("+") || t.equals("-")) { pos++; n = new Bin(Op.of(t), n, multiplicative()); } else return n;
            }
        }

        Node multiplicative() {
            Node n = unary();
            while (true) {
                String t = peek();
                if (t.equals("*") || t.equals("/")) { pos++; n = new Bin(Op.of(t), n, unary()); } else return n;
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
