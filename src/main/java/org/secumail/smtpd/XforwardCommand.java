// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.secumail.table.LookupException;

/**
 * Postfix's XFORWARD command (XFORWARD_README): a content filter or proxy in
 * smtpd_authorized_xforward_hosts tells the original client's NAME, ADDR, PORT, PROTO, HELO,
 * IDENT (its queue ID) and SOURCE. Unlike XCLIENT this changes no decision: the forwarded
 * values go into the queue file's client attributes (so the delivery log, a later XFORWARD and
 * the content checks of a next filter see the original client) and into the log line
 * "QID: client=filter[127.0.0.1], orig_queue_id=ID, orig_client=name[addr]". They hold for one
 * transaction, as in Postfix. Values are xtext (RFC 3461 section 4), at most 255 characters.
 */
final class XforwardCommand {
    static final Set<String> NAMES = Set.of("NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE");

    private XforwardCommand() { }

    /** Decided once per connection, for the client that connected (Postfix's xforward_allowed). */
    static boolean authorized(SmtpdService svc, java.net.InetAddress addr, String name) {
        try {
            return addr != null && svc.xforwardHosts.matches(addr, name);
        } catch (LookupException e) {
            return false;
        }
    }

    static void handle(SmtpSession s, String arg) throws IOException {
        if (arg.isEmpty()) {
            s.error(Reply.of(501, "5.5.4", "Syntax: XFORWARD attribute=value..."));
            return;
        }
        if (!s.xforwardAllowed) {
            s.error(Reply.of(550, "5.7.0", "Error: insufficient authorization"));
            return;
        }
        if (s.tx.inTransaction()) {
            s.error(Reply.of(503, "5.5.1", "Error: MAIL transaction in progress"));
            return;
        }
        Map<String, String> got = new LinkedHashMap<>();
        for (String attr : arg.split("\\s+")) {
            int eq = attr.indexOf('=');
            if (eq <= 0 || eq == attr.length() - 1) {
                s.error(Reply.of(501, "5.5.4", "Error: attribute=value expected"));
                return;
            }
            String raw = attr.substring(eq + 1);
            if (raw.length() > 255) {
                s.error(Reply.of(501, "5.5.4", "Error: attribute value too long"));
                return;
            }
            String key = attr.substring(0, eq).toUpperCase(Locale.ROOT);
            String value = Xclient.xtextDecode(raw);
            if (value == null) value = raw;   // Postfix < 2.3 did not xtext-encode
            value = printable(value);
            if (!NAMES.contains(key)) {
                s.error(Reply.of(501, "5.5.4", "Bad XFORWARD attribute name: " + attr.substring(0, eq)));
                return;
            }
            boolean unavailable = value.equals("[UNAVAILABLE]") || value.equals("[TEMPUNAVAIL]");
            switch (key) {
                case "NAME" -> {
                    if (unavailable) value = "unknown";
                    else if (!value.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                        s.error(Reply.of(501, "5.5.4", "Bad NAME syntax: " + value));
                        return;
                    }
                }
                case "ADDR" -> {
                    if (unavailable) value = "unknown";
                    else {
                        String a = value.regionMatches(true, 0, "IPV6:", 0, 5) ? value.substring(5) : value;
                        if (!a.matches("[0-9A-Fa-f:.]+") || !(a.contains(".") || a.contains(":"))) {
                            s.error(Reply.of(501, "5.5.4", "Bad ADDR syntax: " + value));
                            return;
                        }
                        value = a;
                    }
                }
                case "PORT" -> {
                    if (unavailable) value = "0";
                    else if (!value.matches("\\d{1,5}") || Integer.parseInt(value) > 65535) {
                        s.error(Reply.of(501, "5.5.4", "Bad PORT syntax: " + value));
                        return;
                    }
                }
                case "SOURCE" -> {
                    String v = value.toUpperCase(Locale.ROOT);
                    if (!unavailable && !v.equals("LOCAL") && !v.equals("REMOTE")) {
                        s.error(Reply.of(501, "5.5.4", "Bad SOURCE syntax: " + value));
                        return;
                    }
                    value = v;
                }
                default -> {
                    if (unavailable) value = null;
                }
            }
            got.put(key, value);
        }
        s.xforward.putAll(got);
        s.xforward.values().removeIf(java.util.Objects::isNull);
        s.reply(Reply.of(250, "2.0.0", "Ok"));
    }

    /** "orig_queue_id=ID, orig_client=name[addr]" for the queue file's log line, or "". */
    static String logFields(Map<String, String> xf) {
        if (xf.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        if (xf.containsKey("IDENT")) b.append(", orig_queue_id=").append(xf.get("IDENT"));
        if (xf.containsKey("NAME") || xf.containsKey("ADDR")) {
            String name = xf.getOrDefault("NAME", "unknown");
            String addr = xf.get("ADDR");
            b.append(", orig_client=").append(addr == null || addr.equals("unknown") ? name : name + "[" + addr + "]");
        }
        return b.toString();
    }

    /** Control and non-ASCII characters become '?', as Postfix's printable(). */
    private static String printable(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            sb.append(c < 32 || c > 126 ? '?' : c);
        }
        return sb.toString();
    }
}
