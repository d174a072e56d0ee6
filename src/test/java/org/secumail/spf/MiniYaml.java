// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader for the small part of YAML the OpenSPF test suites use (the project has no YAML
 * library): documents separated by "---", block mappings and sequences by indentation,
 * single-line flow sequences, plain, 'single' and "double" quoted scalars (with \x escapes),
 * plain scalars continued on more-indented lines, and |, |-, >, >- block scalars. Mappings
 * become LinkedHashMap (order kept), sequences ArrayList, scalars String. No anchors, tags
 * or flow mappings: the suites have none.
 */
final class MiniYaml {
    private final List<String> lines;
    private int pos;

    private MiniYaml(List<String> lines) {
        this.lines = new ArrayList<>(lines);
    }

    /** Every non-empty document of the text. */
    static List<Object> documents(String text) {
        List<Object> docs = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : text.split("\r?\n", -1)) {
            if (line.equals("---") || line.startsWith("--- ")) {
                addDocument(docs, current);
                current = new ArrayList<>();
            } else {
                current.add(line);
            }
        }
        addDocument(docs, current);
        return docs;
    }

    private static void addDocument(List<Object> docs, List<String> lines) {
        MiniYaml reader = new MiniYaml(lines);
        if (reader.nextSignificant() < 0) return;
        docs.add(reader.node(0));
    }

    private static boolean insignificant(String line) {
        String t = line.strip();
        return t.isEmpty() || t.startsWith("#");
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') i++;
        return i;
    }

    /** Index of the next line that is neither blank nor a comment, or -1. */
    private int nextSignificant() {
        while (pos < lines.size() && insignificant(lines.get(pos))) pos++;
        return pos < lines.size() ? pos : -1;
    }

    private static boolean isItem(String content) {
        return content.equals("-") || content.startsWith("- ");
    }

    private Object node(int minIndent) {
        int at = nextSignificant();
        if (at < 0 || indent(lines.get(at)) < minIndent) return null;
        int ind = indent(lines.get(at));
        return isItem(lines.get(at).substring(ind)) ? sequence(ind) : mapping(ind);
    }

    private List<Object> sequence(int ind) {
        List<Object> list = new ArrayList<>();
        while (true) {
            int at = nextSignificant();
            if (at < 0) return list;
            String line = lines.get(at);
            if (indent(line) != ind || !isItem(line.substring(ind))) return list;
            String content = line.substring(ind + 1).strip();
            if (content.isEmpty()) {
                pos++;
                list.add(node(ind + 1));
            } else if (keyEnd(content) > 0) {
                // "- key: value": the item is a mapping whose first key sits at column ind + 2.
                lines.set(at, " ".repeat(ind + 2) + content);
                list.add(mapping(ind + 2));
            } else {
                pos++;
                list.add(inlineValue(content, ind));
            }
        }
    }

    private Map<String, Object> mapping(int ind) {
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            int at = nextSignificant();
            if (at < 0) return map;
            String line = lines.get(at);
            if (indent(line) != ind || isItem(line.substring(ind))) return map;
            String content = line.substring(ind);
            int end = keyEnd(content);
            if (end < 0) throw new IllegalArgumentException("not a mapping entry: " + line);
            String key = scalar(content.substring(0, end).strip());
            String rest = content.substring(end + 1).strip();
            pos++;
            if (rest.isEmpty() || rest.startsWith("#")) {
                int next = nextSignificant();
                if (next >= 0 && indent(lines.get(next)) == ind && isItem(lines.get(next).substring(ind))) {
                    map.put(key, sequence(ind));
                } else {
                    map.put(key, node(ind + 1));
                }
            } else if (rest.startsWith("|") || rest.startsWith(">")) {
                map.put(key, blockScalar(rest, ind));
            } else {
                map.put(key, inlineValue(rest, ind));
            }
        }
    }

    /** Position of the ':' ending a mapping key on this line, or -1 when it is not "key: ...". */
    private static int keyEnd(String content) {
        if (content.startsWith("\"") || content.startsWith("'")) {
            char q = content.charAt(0);
            int i = 1;
            while (i < content.length()) {
                char c = content.charAt(i);
                if (q == '"' && c == '\\') { i += 2; continue; }
                if (c == q) {
                    if (q == '\'' && i + 1 < content.length() && content.charAt(i + 1) == '\'') { i += 2; continue; }
                    break;
                }
                i++;
            }
            int colon = i + 1;
            return colon < content.length() && content.charAt(colon) == ':'
                    && (colon + 1 == content.length() || content.charAt(colon + 1) == ' ') ? colon : -1;
        }
        if (content.startsWith("[") || content.startsWith("{")) return -1;
        for (int i = 0; i < content.length(); i++) {
            if (content.charAt(i) == ':' && (i + 1 == content.length() || content.charAt(i + 1) == ' ')) return i;
            if (content.charAt(i) == ' ' && i + 1 < content.length() && content.charAt(i + 1) == '#') return -1;
        }
        return -1;
    }

    /** A value starting on the key's line: flow sequence, quoted or plain (maybe continued). */
    private Object inlineValue(String text, int ind) {
        if (text.startsWith("[")) return flowSequence(text);
        if (text.startsWith("\"") || text.startsWith("'")) {
            char q = text.charAt(0);
            StringBuilder all = new StringBuilder(text);
            // A quoted scalar may go on over following lines (folded with one space).
            while (!closed(all.toString(), q) && pos < lines.size()) {
                all.append(' ').append(lines.get(pos++).strip());
            }
            return scalar(all.toString());
        }
        StringBuilder value = new StringBuilder(stripComment(text));
        while (pos < lines.size() && !insignificant(lines.get(pos)) && indent(lines.get(pos)) > ind) {
            value.append(' ').append(stripComment(lines.get(pos++).strip()));
        }
        return value.toString();
    }

    private static boolean closed(String s, char q) {
        int i = 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (q == '"' && c == '\\') { i += 2; continue; }
            if (c == q) {
                if (q == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') { i += 2; continue; }
                return true;
            }
            i++;
        }
        return false;
    }

    private static String stripComment(String plain) {
        int hash = plain.indexOf(" #");
        return (hash < 0 ? plain : plain.substring(0, hash)).strip();
    }

    private String blockScalar(String header, int ind) {
        boolean literal = header.startsWith("|");
        boolean strip = header.contains("-");
        List<String> body = new ArrayList<>();
        int contentIndent = -1;
        while (pos < lines.size()) {
            String line = lines.get(pos);
            if (line.isBlank()) { body.add(""); pos++; continue; }
            int i = indent(line);
            if (i <= ind) break;
            if (contentIndent < 0) contentIndent = i;
            body.add(line.substring(Math.min(i, contentIndent)));
            pos++;
        }
        while (!body.isEmpty() && body.get(body.size() - 1).isEmpty()) body.remove(body.size() - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < body.size(); i++) {
            if (i > 0) sb.append(literal || body.get(i).isEmpty() || body.get(i - 1).isEmpty() ? "\n" : " ");
            sb.append(body.get(i));
        }
        if (!strip && !body.isEmpty()) sb.append('\n');
        return sb.toString();
    }

    private static List<Object> flowSequence(String text) {
        String t = stripComment(text);
        if (!t.endsWith("]")) throw new IllegalArgumentException("flow sequence must end on its line: " + text);
        String inner = t.substring(1, t.length() - 1);
        List<Object> items = new ArrayList<>();
        int i = 0;
        while (i < inner.length()) {
            while (i < inner.length() && (inner.charAt(i) == ' ' || inner.charAt(i) == ',')) i++;
            if (i >= inner.length()) break;
            int start = i;
            char c = inner.charAt(i);
            if (c == '"' || c == '\'') {
                i++;
                while (i < inner.length() && inner.charAt(i) != c) i += inner.charAt(i) == '\\' && c == '"' ? 2 : 1;
                i++;
            } else {
                while (i < inner.length() && inner.charAt(i) != ',') i++;
            }
            items.add(scalar(inner.substring(start, i).strip()));
        }
        return items;
    }

    /** A complete scalar token: quotes removed and escapes decoded. */
    static String scalar(String token) {
        if (token.length() >= 2 && token.startsWith("'") && token.endsWith("'")) {
            return token.substring(1, token.length() - 1).replace("''", "'");
        }
        if (token.length() >= 2 && token.startsWith("\"") && token.endsWith("\"")) {
            return unescape(token.substring(1, token.length() - 1));
        }
        return token;
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) { sb.append(c); continue; }
            char e = s.charAt(++i);
            switch (e) {
                case 'x' -> { sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16)); i += 2; }
                case 'u' -> { sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; }
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case '0' -> sb.append('\0');
                case ' ' -> sb.append(' ');
                default -> sb.append(e); // \" \\ \/
            }
        }
        return sb.toString();
    }
}
