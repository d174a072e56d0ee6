// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Locale;
import org.secumail.table.LookupException;

/**
 * Postfix's XCLIENT command (XCLIENT_README): a trusted proxy or test harness in
 * smtpd_authorized_xclient_hosts replaces the client's NAME, REVERSE_NAME, ADDR, PORT, PROTO,
 * HELO and LOGIN. Values are xtext (RFC 3461 section 4) and may be [UNAVAILABLE] or
 * [TEMPUNAVAIL]. On success the session starts over with a new 220 greeting.
 */
final class Xclient {
    private Xclient() { }

    /**
     * As in Postfix, the client as it is now is checked: after one XCLIENT the session speaks
     * for the client it names, which is normally not itself an authorized proxy.
     */
    static boolean authorized(SmtpSession s) {
        try {
            return s.ctx.clientAddress != null && s.svc.xclientHosts.matches(s.ctx.clientAddress, s.ctx.clientName);
        } catch (LookupException e) {
            return false;
        }
    }

    static void handle(SmtpSession s, String arg) throws IOException {
        if (!authorized(s)) {
            s.error(Reply.of(550, "5.7.0", "Error: insufficient authorization"));
            return;
        }
        if (s.tx.inTransaction()) {
            s.error(Reply.of(503, "5.5.1", "Error: MAIL transaction in progress"));
            return;
        }
        if (arg.isEmpty()) {
            s.error(Reply.of(501, "5.5.4", "Syntax: XCLIENT attribute=value..."));
            return;
        }
        var ctx = s.ctx;
        String name = null;
        String reverse = null;
        InetAddress addr = null;
        String helo = null;
        String proto = null;
        String login = null;
        for (String attr : arg.split("\\s+")) {
            int eq = attr.indexOf('=');
            if (eq <= 0) {
                s.error(Reply.of(501, "5.5.4", "Bad XCLIENT attribute syntax: " + attr));
                return;
            }
            String key = attr.substring(0, eq).toUpperCase(Locale.ROOT);
            String value = xtextDecode(attr.substring(eq + 1));
            if (value == null) {
                s.error(Reply.of(501, "5.5.4", "Bad " + key + " syntax: " + attr.substring(eq + 1)));
                return;
            }
            switch (key) {
                case "NAME" -> name = value;
                case "REVERSE_NAME" -> reverse = value;
                case "ADDR" -> {
                    addr = parseAddress(value);
                    if (addr == null && !unavailable(value)) {
                        s.error(Reply.of(501, "5.5.4", "Bad XCLIENT ADDR syntax: " + value));
                        return;
                    }
                }
                case "HELO" -> helo = value;
                case "PROTO" -> {
                    String p = value.toUpperCase(Locale.ROOT);
                    if (!p.equals("SMTP") && !p.equals("ESMTP") && !unavailable(value)) {
                        s.error(Reply.of(501, "5.5.4", "Bad XCLIENT PROTO syntax: " + value));
                        return;
                    }
                    proto = p;
                }
                case "LOGIN" -> login = value;
                case "PORT", "DESTADDR", "DESTPORT" -> { }
                default -> {
                    s.error(Reply.of(501, "5.5.4", "Bad XCLIENT attribute name: " + key));
                    return;
                }
            }
        }
        s.resetSession();
        if (addr != null) ClientIdentity.setAddress(ctx, addr);
        if (name != null) {
            ctx.clientName = unavailable(name) ? "unknown" : name.toLowerCase(Locale.ROOT);
            ctx.clientNameStatus = name.equals("[TEMPUNAVAIL]") ? 4 : unavailable(name) ? 5 : 2;
            if (reverse == null) {
                ctx.reverseName = ctx.clientName;
                ctx.reverseNameStatus = ctx.clientNameStatus;
            }
        }
        if (reverse != null) {
            ctx.reverseName = unavailable(reverse) ? "unknown" : reverse.toLowerCase(Locale.ROOT);
            ctx.reverseNameStatus = reverse.equals("[TEMPUNAVAIL]") ? 4 : unavailable(reverse) ? 5 : 2;
        }
        if (helo != null && !unavailable(helo)) ctx.helo = helo;
        if (proto != null && !unavailable(proto)) ctx.protocol = proto;
        if (login != null) {
            ctx.saslUser = unavailable(login) ? null : login;
            ctx.saslMethod = ctx.saslUser == null ? null : "XCLIENT";   // as Postfix's xclient_cmd
        }
        SmtpSession.LOG.info("client={}, orig_client={}", ctx.clientLabel(), s.connectAddr);
        // as Postfix's xclient_cmd: the milters start over with the client XCLIENT names (and
        // smtpd_milter_maps is asked again for its address)
        if (s.milters != null) s.milters.close();
        s.milters = SessionMilters.open(s);
        if (s.milters != null) s.milters.reconnect();
        s.checkClientNow();
        if (s.clientReject != null) {
            s.error(s.clientReject);   // Postfix answers XCLIENT with the client list's rejection
            return;
        }
        s.reply(Reply.of(220, "", s.svc.banner));
    }

    private static boolean unavailable(String v) {
        return v.equals("[UNAVAILABLE]") || v.equals("[TEMPUNAVAIL]");
    }

    private static InetAddress parseAddress(String v) {
        String a = v.regionMatches(true, 0, "IPV6:", 0, 5) ? v.substring(5) : v;
        if (!a.matches("[0-9A-Fa-f:.]+") || !(a.contains(".") || a.contains(":"))) return null;
        try {
            return InetAddress.getByName(a);
        } catch (IOException e) {
            return null;
        }
    }

    /** RFC 3461 section 4 xtext: "+HH" is a byte in hex; null for bad syntax. */
    static String xtextDecode(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '+') {
                if (i + 2 >= v.length()) return null;
                try {
                    sb.append((char) Integer.parseInt(v.substring(i + 1, i + 3), 16));
                } catch (NumberFormatException e) {
                    return null;
                }
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return null;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
