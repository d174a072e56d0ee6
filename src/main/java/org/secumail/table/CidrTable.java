// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.ConfigException;

/**
 * cidr_table(5): rules "network/prefix result" or "address result" (a host), IPv4 or IPv6
 * (IPv6 optionally in []), tried in file order; the first rule whose network contains the
 * lookup key wins. Postfix 3.2 blocks "if network" / "if !network" ... "endif" guard the rules
 * inside them and may nest. An IPv4 key never matches an IPv6 rule and vice versa; a key that
 * is not a numeric address matches nothing. The table matches the whole input (no partial keys).
 */
final class CidrTable implements LookupTable {
    private final String spec;
    private final List<Rule> rules;

    private sealed interface Rule permits Entry, Block { }

    private record Entry(CidrNetwork net, String value) implements Rule { }

    private record Block(CidrNetwork net, boolean negate, List<Rule> rules) implements Rule { }

    private CidrTable(String spec, List<Rule> rules) {
        this.spec = spec;
        this.rules = rules;
    }

    /** @param source file name (or the inline spec) for error messages */
    static CidrTable parse(String spec, List<LogicalLines.Line> lines, String source) {
        Deque<List<Rule>> open = new ArrayDeque<>();
        Deque<Integer> openedAt = new ArrayDeque<>();
        List<Rule> top = new ArrayList<>();
        open.push(top);
        for (LogicalLines.Line line : lines) {
            String s = line.text().strip();
            String where = source + ", line " + line.number() + ": ";
            int ws = firstSpace(s);
            String first = s.substring(0, ws);
            String rest = s.substring(ws).strip();
            String word = first.toLowerCase(Locale.ROOT);
            if (word.equals("endif")) {
                if (!rest.isEmpty()) throw new ConfigException(where + "text after ENDIF: \"" + rest + "\"");
                if (open.size() == 1) throw new ConfigException(where + "ENDIF without matching IF");
                open.pop();
                openedAt.pop();
            } else if (word.equals("if")) {
                boolean negate = rest.startsWith("!");
                String pattern = negate ? rest.substring(1).strip() : rest;
                if (pattern.isEmpty() || firstSpace(pattern) < pattern.length()) {
                    throw new ConfigException(where + "IF needs one network pattern: \"" + s + "\"");
                }
                List<Rule> inner = new ArrayList<>();
                open.peek().add(new Block(network(pattern, where), negate, inner));
                open.push(inner);
                openedAt.push(line.number());
            } else {
                if (rest.isEmpty()) throw new ConfigException(where + "no lookup result for \"" + first + "\"");
                open.peek().add(new Entry(network(first, where), rest));
            }
        }
        if (open.size() > 1) {
            throw new ConfigException(source + ", line " + openedAt.peek() + ": IF has no matching ENDIF");
        }
        return new CidrTable(spec, List.copyOf(top));
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return s.length();
    }

    private static CidrNetwork network(String pattern, String where) {
        try {
            return CidrNetwork.parse(pattern);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + e.getMessage());
        }
    }

    @Override
    public Optional<String> lookup(String key) {
        String k = key.strip();
        if (k.startsWith("[") && k.endsWith("]")) k = k.substring(1, k.length() - 1);
        Optional<InetAddress> a = IpAddresses.parse(k);
        return a.isEmpty() ? Optional.empty() : Optional.ofNullable(find(rules, a.get()));
    }

    private static String find(List<Rule> rules, InetAddress a) {
        for (Rule r : rules) {
            if (r instanceof Entry e) {
                if (e.net().contains(a)) return e.value();
            } else if (r instanceof Block b) {
                // An address of the other family is outside the network, so "if !net" admits it.
                if (b.net().contains(a) != b.negate()) {
                    String v = find(b.rules(), a);
                    if (v != null) return v;
                }
            }
        }
        return null;
    }

    @Override
    public String spec() { return spec; }

    @Override
    public boolean matchesWholeInput() { return true; }
}
