// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.util.Set;
import org.secumail.queue.Envelope;

/**
 * The XFORWARD command of the SMTP client (Postfix's XFORWARD_README), sent when
 * smtp_send_xforward_command = yes and the server announces XFORWARD: the original client's
 * NAME, ADDR, PROTO, HELO and SOURCE (LOCAL or REMOTE) from the queue file's envelope, each only when the server listed
 * it, "[UNAVAILABLE]" when unknown. Values are xtext-free printable words: a space or control
 * character would split the command, so such a value is sent as [UNAVAILABLE].
 */
final class Xforward {
    private Xforward() { }

    static String command(Envelope env, Set<String> offered) {
        StringBuilder b = new StringBuilder("XFORWARD");
        add(b, offered, "NAME", env.attributes().get("client_name"));
        String addr = env.attributes().get("client_address");
        if (addr != null && addr.contains(":")) addr = "IPV6:" + addr;   // as Postfix's smtp(8) sends an IPv6 address
        add(b, offered, "ADDR", addr);
        add(b, offered, "PROTO", env.attributes().get("protocol"));
        add(b, offered, "HELO", env.attributes().get("helo"));
        // SOURCE: the header rewriting context, so a re-injecting smtpd on 127.0.0.1 treats
        // remote mail as remote (cleanup adds no Message-Id to it)
        String context = env.attributes().get("rewrite_context");
        if (context != null) add(b, offered, "SOURCE", context.toUpperCase(java.util.Locale.ROOT));
        return b.toString();
    }

    private static void add(StringBuilder b, Set<String> offered, String name, String value) {
        if (!offered.isEmpty() && !offered.contains(name)) return;
        String v = value == null || value.isEmpty() || value.equals("unknown") && name.equals("NAME") ? "[UNAVAILABLE]" : value;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c >= 127) {
                v = "[UNAVAILABLE]";
                break;
            }
        }
        b.append(' ').append(name).append('=').append(v);
    }
}
