// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.ConfigException;
import org.secumail.config.Macros;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtpd_reject_footer and smtpd_reject_footer_maps, as Postfix's smtp_reply_footer(): text
 * appended to every 4XX and 5XX reply of the SMTP server, as more lines with the same reply
 * code and enhanced status code. "\n" in the text starts a new line; "\c" at its very start
 * appends the first part to the reply's last line instead. $names are expanded:
 * server_name, client, client_address, client_name, client_port, reverse_client_name,
 * helo_name, sender, sender_name, sender_domain, recipient, recipient_name, recipient_domain,
 * localtime; each value is passed through smtpd_expansion_filter (other characters become
 * '_'). The maps are searched with the whole reply ("550 5.1.1 <u@example>: ..."), before
 * the footer parameter; a bad template leaves the reply as it was, as in Postfix.
 */
final class RejectFooter {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");
    private static final DateTimeFormatter LOCALTIME = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss", Locale.ROOT);

    private final String footer;
    private final List<LookupTable> maps;
    private final String filter;
    private final String serverName;

    private RejectFooter(String footer, List<LookupTable> maps, String filter, String serverName) {
        this.footer = footer;
        this.maps = maps;
        this.filter = filter;
        this.serverName = serverName;
    }

    static RejectFooter fromConfig(MainConfig cfg) {
        List<LookupTable> maps = new ArrayList<>();
        for (String spec : cfg.list("smtpd_reject_footer_maps")) maps.add(Tables.open(spec, cfg.configDir()));
        return new RejectFooter(cfg.raw("smtpd_reject_footer").strip(), List.copyOf(maps), unescape(cfg.raw("smtpd_expansion_filter")),
                cfg.get("myhostname"));
    }

    boolean enabled() { return !footer.isEmpty() || !maps.isEmpty(); }

    /** The reply with the footer, or the reply itself when it is no 4XX/5XX or there is no footer for it. */
    Reply apply(Reply r, CheckContext ctx, int clientPort, String recipient) {
        if (!enabled() || (r.code() / 100 != 4 && r.code() / 100 != 5)) return r;
        String template = footer;
        if (!maps.isEmpty()) {
            String key = r.code() + (r.enhanced() != null ? " " + r.enhanced() : "") + " " + r.text().lines().findFirst().orElse("");
            for (LookupTable t : maps) {
                try {
                    Optional<String> v = t.lookup(key);
                    if (v.isPresent()) { template = v.get(); break; }
                } catch (LookupException e) {
                    LOG.warn("warning: smtpd_reject_footer_maps: {}: {}", t.spec(), e.getMessage());
                }
            }
        }
        if (template.isEmpty()) return r;
        StringBuilder text = new StringBuilder(r.text());
        String[] parts = template.split("\\\\n", -1);
        try {
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i];
                if (i == 0 && part.startsWith("\\c")) {
                    text.append(expand(part.substring(2), ctx, clientPort, recipient));
                } else {
                    text.append('\n').append(expand(part, ctx, clientPort, recipient));
                }
            }
        } catch (ConfigException e) {
            LOG.warn("warning: smtpd_reject_footer: {}", e.getMessage());
            return r;
        }
        return Reply.of(r.code(), r.enhanced(), text.toString());
    }

    private String expand(String part, CheckContext c, int port, String recipient) {
        return Macros.expand(part, name -> filtered(value(name, c, port, recipient)));
    }

    /** $recipient is the transaction's first accepted recipient, as smtpd's state->recipient at reply time. */
    private String value(String name, CheckContext c, int port, String recipient) {
        return switch (name) {
            case "server_name" -> serverName;
            case "client" -> c.clientLabel();
            case "client_address" -> c.clientAddr;
            case "client_name" -> c.clientName;
            case "client_port" -> Integer.toString(port);
            case "reverse_client_name" -> c.reverseName;
            case "helo_name" -> c.helo == null ? "" : c.helo;
            case "sender", "sender_name", "sender_domain" -> part(c.sender, name.substring(6));
            case "recipient", "recipient_name", "recipient_domain" -> part(recipient, name.substring(9));
            case "localtime" -> LocalDateTime.now().format(LOCALTIME);
            default -> "";
        };
    }

    /** smtpd_expand_addr(): the address, its local part ("_name") or its domain ("_domain"). */
    private static String part(String addr, String which) {
        if (addr == null) return "";
        int at = addr.lastIndexOf('@');
        return switch (which) {
            case "_name" -> at < 0 ? addr : addr.substring(0, at);
            case "_domain" -> at < 0 ? "" : addr.substring(at + 1);
            default -> addr;
        };
    }

    private String filtered(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            b.append(filter.indexOf(ch) >= 0 ? ch : '_');
        }
        return b.toString();
    }

    /** The filter parameter's escapes (\t, \40, \\ ...), as Postfix's unescape(). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\' || i + 1 == s.length()) { b.append(ch); continue; }
            char n = s.charAt(++i);
            switch (n) {
                case 't' -> b.append('\t');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 'a' -> b.append((char) 7);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append((char) 11);
                default -> {
                    if (n >= '0' && n <= '7') {
                        int v = 0;
                        int k = 0;
                        while (k < 3 && i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7') { v = v * 8 + (s.charAt(i) - '0'); i++; k++; }
                        i--;
                        b.append((char) v);
                    } else {
                        b.append(n);
                    }
                }
            }
        }
        return b.toString();
    }
}
