// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import org.secumail.config.ConfigException;
import org.secumail.table.RegexpRuleParser.Dialect;
import org.secumail.table.RegexpRuleParser.Pat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * regexp_table(5) and pcre_table(5): rules "/pattern/flags result" and "!/pattern/flags result"
 * tried in order against the whole lookup key (not folded); the first rule that matches gives
 * the result, with $n substitution of the pattern's groups. regexp also has the two-pattern
 * form "/pattern1/!/pattern2/ result" (pattern1 matches and pattern2 does not).
 * "if /pattern/flags" (or "if !/pattern/") ... "endif" blocks guard the rules inside them and
 * may nest. The table matches the whole input: callers look it up once, with the full key.
 */
final class RegexpTable implements LookupTable {
    private static final Logger log = LoggerFactory.getLogger("secumail.table");

    private final String spec;
    private final List<Rule> rules;

    private sealed interface Rule permits Match, Block { }

    private record Match(Pat first, Pat second, ResultTemplate result) implements Rule { }

    private record Block(Pat guard, List<Rule> rules) implements Rule { }

    private RegexpTable(String spec, List<Rule> rules) {
        this.spec = spec;
        this.rules = rules;
    }

    /** @param source file name (or the inline spec) for error messages */
    static RegexpTable parse(String spec, Dialect dialect, List<LogicalLines.Line> lines, String source) {
        Deque<List<Rule>> open = new ArrayDeque<>();
        Deque<Integer> openedAt = new ArrayDeque<>();
        List<Rule> top = new ArrayList<>();
        open.push(top);
        for (LogicalLines.Line line : lines) {
            String where = source + ", line " + line.number() + ": ";
            RegexpRuleParser p = new RegexpRuleParser(dialect, line.text().strip(), where);
            if (p.keyword("endif")) {
                p.skipSpace();
                if (!p.atEnd()) throw new ConfigException(where + "text after ENDIF: \"" + p.rest() + "\"");
                if (open.size() == 1) throw new ConfigException(where + "ENDIF without matching IF");
                open.pop();
                openedAt.pop();
            } else if (p.keyword("if")) {
                Pat guard = p.pattern();
                p.skipSpace();
                if (!p.atEnd()) throw new ConfigException(where + "text after IF pattern: \"" + p.rest() + "\"");
                List<Rule> inner = new ArrayList<>();
                open.peek().add(new Block(guard, inner));
                open.push(inner);
                openedAt.push(line.number());
            } else {
                open.peek().add(rule(p, dialect, where));
            }
        }
        if (open.size() > 1) {
            throw new ConfigException(source + ", line " + openedAt.peek() + ": IF has no matching ENDIF");
        }
        return new RegexpTable(spec, List.copyOf(top));
    }

    private static Match rule(RegexpRuleParser p, Dialect dialect, String where) {
        Pat first = p.pattern();
        Pat second = null;
        if (dialect == Dialect.REGEXP && !p.atEnd() && p.peek() == '!') {
            second = p.pattern();
        }
        p.skipSpace();
        String result = p.rest();
        if (result.isEmpty()) log.warn("{}using empty replacement string", where);
        int groups = first.pattern().matcher("").groupCount();
        return new Match(first, second, ResultTemplate.parse(result, groups, !first.match(), where));
    }

    @Override
    public Optional<String> lookup(String key) {
        return Optional.ofNullable(find(rules, key));
    }

    private static String find(List<Rule> rules, String key) {
        for (Rule r : rules) {
            if (r instanceof Match m) {
                Matcher first = m.first().pattern().matcher(key);
                if (!m.first().test(first)) continue;
                if (m.second() != null && !m.second().test(m.second().pattern().matcher(key))) continue;
                return m.result().expand(first);
            } else if (r instanceof Block b) {
                if (b.guard().test(b.guard().pattern().matcher(key))) {
                    String v = find(b.rules(), key);
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
