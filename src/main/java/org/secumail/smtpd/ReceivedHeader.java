// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.secumail.smtpd.check.CheckContext;

/**
 * The Received: trace header (RFC 5321 section 4.4, RFC 5322 section 3.6.7) in Postfix's
 * layout: "from HELO (NAME [ADDR]) by MYHOSTNAME (SecuMail) with PROTO id QID for <RCPT>; DATE".
 * The "for" clause appears only for a single recipient, so a Bcc recipient is never revealed.
 */
final class ReceivedHeader {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (z)", Locale.ROOT);

    private ReceivedHeader() { }

    static String build(SmtpdService svc, CheckContext ctx, String qid, List<String> recipients, Instant now) {
        String helo = ctx.helo == null ? ctx.clientName : sanitize(ctx.helo);
        String addr = ctx.clientAddr.contains(":") ? "IPv6:" + ctx.clientAddr : ctx.clientAddr;
        StringBuilder sb = new StringBuilder("Received: from ").append(helo)
                .append(" (").append(ctx.clientName).append(" [").append(addr).append("])\r\n");
        if (ctx.tlsProtocol != null && svc.tls.receivedHeader) {
            // Postfix's smtpd_tls_received_header form
            sb.append("\t(using ").append(ctx.tlsProtocol).append(" with cipher ").append(ctx.tlsCipher)
                    .append(" (").append(ctx.tlsBits).append('/').append(ctx.tlsBits).append(" bits))\r\n")
                    .append("\t(No client certificate requested)\r\n");
        }
        if (ctx.saslUser != null && svc.saslAuthenticatedHeader) {
            sb.append("\t(Authenticated sender: ").append(sanitize(ctx.saslUser)).append(")\r\n");
        }
        sb.append("\tby ").append(svc.hostname).append(" (").append(svc.cfg.get("mail_name")).append(") with ")
                .append(protocol(ctx)).append(" id ").append(qid);
        if (recipients.size() == 1) sb.append("\r\n\tfor <").append(sanitize(recipients.get(0))).append(">");
        sb.append("; ").append(DATE.format(now.atZone(ZoneId.systemDefault()))).append("\r\n");
        return sb.toString();
    }

    /** RFC 3848: ESMTPS with TLS, ESMTPA with AUTH, ESMTPSA with both. */
    static String protocol(CheckContext ctx) {
        if (!ctx.protocol.equals("ESMTP")) return ctx.protocol;
        boolean auth = ctx.saslUser != null && !"XCLIENT".equals(ctx.saslMethod);
        return "ESMTP" + (ctx.tlsProtocol != null ? "S" : "") + (auth ? "A" : "");
    }

    /** Keeps header text on one line and printable: a HELO name is client input. */
    private static String sanitize(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            sb.append(c < 32 || c == 127 ? '?' : c);
        }
        return sb.toString();
    }
}
