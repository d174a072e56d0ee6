// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.config.ConfigException;
import org.secumail.smtpd.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The result of an access(5) table lookup turned into a verdict: OK (or an all-numeric value),
 * DUNNO, REJECT [text], DEFER [text], DEFER_IF_REJECT [text], DEFER_IF_PERMIT [text],
 * "4NN text" / "5NN text" (with an optional RFC 3463 code), WARN text, HOLD [text],
 * DISCARD [text], PREPEND header, REDIRECT user@domain, or a restriction list ("permit_mynetworks, reject").
 * A value SecuMail cannot act on is logged and answered "451 4.3.5 Server configuration
 * error", as Postfix does, so mail is deferred rather than wrongly accepted or rejected.
 */
public final class AccessAction {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");
    private static final Pattern NUMERIC = Pattern.compile("([45]\\d\\d)(?:\\s+(\\d\\.\\d{1,3}\\.\\d{1,3}))?(?:\\s+(.*))?", Pattern.DOTALL);
    private static final Pattern DSN = Pattern.compile("(\\d\\.\\d{1,3}\\.\\d{1,3})\\s+(.*)", Pattern.DOTALL);

    private AccessAction() { }

    public static Verdict apply(CheckContext c, String value, String table) {
        String v = value.strip();
        int sp = indexOfSpace(v);
        String word = (sp < 0 ? v : v.substring(0, sp)).toUpperCase(Locale.ROOT);
        String text = sp < 0 ? "" : v.substring(sp + 1).strip();
        var s = c.settings;
        switch (word) {
            case "OK": return new Verdict.Permit(table);
            case "DUNNO": return Verdict.DUNNO;
            case "REJECT": return reject(c, s.code("access_map_reject_code"), "5.7.1", text);
            case "DEFER": return reject(c, s.code("access_map_defer_code"), "4.7.1", text);
            case "DEFER_IF_REJECT": return new Verdict.DeferIfReject(reply(c, s.code("access_map_defer_code"), "4.7.1", text));
            case "DEFER_IF_PERMIT": return new Verdict.DeferIfPermit(reply(c, s.code("access_map_defer_code"), "4.7.1", text));
            case "WARN": return new Verdict.Warn(text);
            case "HOLD": return new Verdict.Hold(text.isEmpty() ? "<" + c.replyName + ">: " + c.replyClass + " triggers HOLD action" : text);
            case "DISCARD": return new Verdict.Discard(text.isEmpty() ? "<" + c.replyName + ">: " + c.replyClass + " triggers DISCARD action" : text);
            case "REDIRECT":
                if (!text.matches("[^\\s<>@]+@[^\\s<>@]+")) return configError(c, table, value, "REDIRECT needs an address user@domain");
                return new Verdict.Redirect(text);
            case "FILTER":
                // access(5): "FILTER transport:destination"; checked as Postfix's smtpd_check.c does
                if (!text.matches("[^\\s:]+:\\S*")) return configError(c, table, value, "FILTER needs transport:destination");
                return new Verdict.Filter(text);
            case "PREPEND":
                if (!text.matches("[!-9;-~]+:.*")) return configError(c, table, value, "PREPEND needs a header line \"Name: value\"");
                return new Verdict.Prepend(text);
            default:
        }
        if (v.matches("\\d+")) return new Verdict.Permit(table);   // access(5): all-numeric means OK
        Matcher m = NUMERIC.matcher(v);
        if (m.matches()) {
            int code = Integer.parseInt(m.group(1));
            String dsn = m.group(2) != null ? m.group(2) : (code >= 500 ? "5.7.1" : "4.7.1");
            return reject(c, code, dsn, m.group(3) == null ? "" : m.group(3));
        }
        if (word.startsWith("2") || word.equals("BCC")
                || word.equals("INFO")) {
            return configError(c, table, value, "action " + word + " is not supported by SecuMail");
        }
        try {
            return s.accessValueList(v).evaluate(c);
        } catch (ConfigException e) {
            return configError(c, table, value, e.getMessage());
        }
    }

    private static Verdict reject(CheckContext c, int code, String dsn, String text) {
        return new Verdict.Reject(reply(c, code, dsn, text));
    }

    private static Reply reply(CheckContext c, int code, String defaultDsn, String text) {
        String dsn = defaultDsn;
        String t = text;
        Matcher m = DSN.matcher(text);
        if (m.matches()) {
            dsn = m.group(1);
            t = m.group(2);
        }
        if (t.isEmpty()) t = "Access denied";
        return Reply.of(code, dsn, "<" + c.replyName + ">: " + c.replyClass + " rejected: " + t);
    }

    private static Verdict configError(CheckContext c, String table, String value, String why) {
        LOG.warn("{}: bad access table result \"{}\": {}", table, value, why);
        return new Verdict.Reject(Reply.of(451, "4.3.5", "Server configuration error"), why);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
