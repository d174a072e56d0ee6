// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the argument of MAIL FROM: and RCPT TO: (RFC 5321 section 4.1.2): a path in angle
 * brackets, optionally with a source route, followed by ESMTP parameters "KEY[=VALUE]".
 * Without strict_rfc821_envelopes Postfix also accepts a bare address without brackets and
 * address text with comments dropped; in strict mode the brackets are required.
 */
public final class PathParser {
    private PathParser() { }

    /**
     * The parsed path and parameters; {@code address} is "" for the null path "&lt;&gt;".
     * {@code parameters} is keyed by the upper-case name; {@code tokens} holds each parameter as
     * the client wrote it, for replies that quote it ("Unsupported option: junk=1", as Postfix).
     */
    public record Parsed(String address, Map<String, String> parameters, Map<String, String> tokens) {
        public String token(String key) { return tokens.getOrDefault(key, key); }
    }

    /** Thrown for bad syntax; the message is for the log. */
    public static final class SyntaxException extends Exception {
        public SyntaxException(String m) { super(m); }
    }

    /**
     * @param arg    the text after "FROM:" or "TO:" (leading spaces allowed, as Postfix allows)
     * @param strict strict_rfc821_envelopes
     */
    public static Parsed parse(String arg, boolean strict) throws SyntaxException {
        String s = arg.strip();
        String path;
        String rest;
        if (s.startsWith("<")) {
            int close = closingBracket(s);
            if (close < 0) throw new SyntaxException("missing '>'");
            path = s.substring(1, close);
            rest = s.substring(close + 1);
            if (!rest.isEmpty() && !Character.isWhitespace(rest.charAt(0))) throw new SyntaxException("text after '>'");
        } else {
            if (strict) throw new SyntaxException("address not in <>");
            int sp = indexOfSpace(s);
            path = sp < 0 ? s : s.substring(0, sp);
            rest = sp < 0 ? "" : s.substring(sp);
        }
        String address = stripSourceRoute(path);
        validate(address);
        Map<String, String> tokens = new LinkedHashMap<>();
        return new Parsed(address, parameters(rest.strip(), tokens), tokens);
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') i++;
            else if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) return i;
            else if (c == '<' && !quoted) return -1;
        }
        return -1;
    }

    /** RFC 5321 section 4.1.2: "@a,@b:user@c" - the route is accepted and ignored (appendix C). */
    private static String stripSourceRoute(String p) throws SyntaxException {
        if (!p.startsWith("@")) return p;
        int colon = p.indexOf(':');
        if (colon < 0) throw new SyntaxException("bad source route");
        return p.substring(colon + 1);
    }

    private static void validate(String a) throws SyntaxException {
        if (a.isEmpty()) return;
        if (a.length() > 254 + 2) throw new SyntaxException("address too long");
        boolean quoted = false;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c < 32 || c == 127) throw new SyntaxException("control character in address");
            if (quoted && c == '\\') { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (!quoted && (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';')) {
                throw new SyntaxException("bad character in address");
            }
        }
        if (quoted) throw new SyntaxException("unterminated quoted string");
        if (a.endsWith("@") || a.startsWith("@")) throw new SyntaxException("empty local part or domain");
    }

    private static Map<String, String> parameters(String rest, Map<String, String> tokens) throws SyntaxException {
        Map<String, String> out = new LinkedHashMap<>();
        if (rest.isEmpty()) return out;
        for (String p : rest.split("\\s+")) {
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*")) throw new SyntaxException("bad parameter " + p);
            out.put(key, eq < 0 ? null : p.substring(eq + 1));
            tokens.put(key, p);
        }
        return out;
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
