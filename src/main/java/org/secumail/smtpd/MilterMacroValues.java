// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.net.InetSocketAddress;

/**
 * The values of the Sendmail macros smtpd gives its milters, named and computed as in
 * Postfix's smtpd_milter.c. A macro without a value (no TLS, no AUTH, no queue ID yet) is
 * null and not sent. {@code {mail_mailer}} and {@code {rcpt_mailer}} (the delivery
 * transport) are not computed, except "error" for a recipient smtpd refused; the host
 * macros give the address's domain.
 */
final class MilterMacroValues {
    private MilterMacroValues() { }

    static String value(SmtpSession s, String name) {
        var ctx = s.ctx;
        var cfg = s.svc.cfg;
        return switch (name) {
            case "{daemon_name}" -> cfg.get("milter_macro_daemon_name");
            case "v" -> cfg.get("milter_macro_v");
            case "j" -> s.svc.hostname;
            case "_" -> ctx.reverseName + " [" + ctx.clientAddr + "]"
                    + (ctx.clientName.equalsIgnoreCase(ctx.reverseName) ? "" : " (may be forged)");
            case "{client_addr}" -> ctx.clientAddr;
            case "{client_port}" -> s.remote != null ? Integer.toString(s.remote.getPort()) : "0";
            case "{client_name}" -> ctx.clientName;
            case "{client_ptr}" -> ctx.reverseName;
            case "{client_resolve}" -> ctx.clientNameStatus == 2 ? "OK" : ctx.clientNameStatus == 4 ? "TEMP"
                    : ctx.reverseName.equals("unknown") || ctx.clientName.equals(ctx.reverseName) ? "FAIL" : "FORGED";
            case "{client_connections}" -> "0";
            case "{daemon_addr}" -> s.local != null ? s.local.getAddress().getHostAddress() : null;
            case "{daemon_port}" -> s.local != null ? Integer.toString(s.local.getPort()) : null;
            case "{tls_version}" -> ctx.tlsProtocol;
            case "{cipher}" -> ctx.tlsCipher;
            case "{cipher_bits}" -> ctx.tlsProtocol == null ? null : Integer.toString(ctx.tlsBits);
            case "i" -> ctx.queueId == null || ctx.queueId.isEmpty() ? null : ctx.queueId;
            case "{auth_type}" -> ctx.saslUser == null ? null : ctx.saslMethod;
            case "{auth_authen}" -> ctx.saslUser;
            case "{auth_author}" -> ctx.saslUser == null ? null : ctx.saslSender;
            case "{mail_addr}" -> ctx.sender;
            case "{mail_host}" -> ctx.sender == null ? null : domain(ctx.sender);
            case "{rcpt_addr}" -> ctx.recipient;
            case "{rcpt_host}" -> ctx.recipient == null ? null : domain(ctx.recipient);
            case "{rcpt_mailer}" -> ctx.recipient != null && s.tx.rcptRejected ? "error" : null;
            default -> null;
        };
    }

    private static String domain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }
}
