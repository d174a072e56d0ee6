// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One header_checks(5) / body_checks result: the action word of a table's value and the text
 * after it. Action names are case-insensitive; a value whose first word is not an action is
 * {@link Kind#UNKNOWN} and leaves the line alone (cleanup logs "unknown command").
 */
public record CheckAction(Kind kind, String word, String text) {
    /** What a header or body line's check asked for. */
    public enum Kind { REJECT, DISCARD, HOLD, WARN, INFO, IGNORE, STRIP, PREPEND, REPLACE, REDIRECT, FILTER, BCC, PASS, DUNNO, UNKNOWN }

    /** RFC 3463 status code at the start of a text: "4.7.1 text", "5.7.0 text". */
    private static final Pattern DSN = Pattern.compile("^[245]\\.\\d{1,3}\\.\\d{1,3}(\\s|$)");

    /** Parses a table's value: "REJECT text", "PREPEND X-Foo: bar", "DUNNO". */
    public static CheckAction parse(String value) {
        String v = value.strip();
        int sp = 0;
        while (sp < v.length() && !Character.isWhitespace(v.charAt(sp))) sp++;
        String word = v.substring(0, sp);
        String text = v.substring(sp).strip();
        Kind kind = switch (word.toUpperCase(Locale.ROOT)) {
            case "REJECT" -> Kind.REJECT;
            case "DISCARD" -> Kind.DISCARD;
            case "HOLD" -> Kind.HOLD;
            case "WARN" -> Kind.WARN;
            case "INFO" -> Kind.INFO;
            case "IGNORE" -> Kind.IGNORE;
            case "STRIP" -> Kind.STRIP;
            case "PREPEND" -> Kind.PREPEND;
            case "REPLACE" -> Kind.REPLACE;
            case "REDIRECT" -> Kind.REDIRECT;
            case "FILTER" -> Kind.FILTER;
            case "BCC" -> Kind.BCC;
            case "PASS" -> Kind.PASS;
            case "DUNNO", "OK" -> Kind.DUNNO;
            default -> Kind.UNKNOWN;
        };
        return new CheckAction(kind, word, text);
    }

    /**
     * The reason a REJECT gives, as cleanup's dsn_prepend("5.7.1", text): the text's own RFC 3463
     * code when it starts with one ("4.7.1 try later" defers the message), else 5.7.1 before it;
     * "5.7.1 message content rejected" without text. A 2.x.x code is not a refusal: cleanup logs
     * "bad DSN action" and makes it 4.x.x.
     */
    public String rejectReason() {
        if (text.isEmpty()) return "5.7.1 message content rejected";
        if (!DSN.matcher(text).find()) return "5.7.1 " + text;
        if (text.charAt(0) == '2') return "4" + text.substring(1);
        return text;
    }

    /** True when a REJECT's reason is a temporary one (4.x.x): the client gets 451. */
    public static boolean temporary(String reason) {
        return reason.startsWith("4");
    }
}
