// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.util.Set;

/**
 * smtpd_forbidden_commands (Postfix 2.2): a client that sends a message header ("Subject:") or a
 * word of the list (by default CONNECT, GET, POST and anything not starting with a letter) where
 * an SMTP command should be is a web client, a proxy probe or a bot that lost track of the
 * protocol. As smtpd.c does, it is logged "warning: non-SMTP command from host[addr]: text" and
 * the session ends with "221 2.7.0 Error: I can break rules, too. Goodbye.". Only words that
 * are not SMTP commands are tested.
 */
public final class NonSmtpCommand {
    private NonSmtpCommand() { }

    /** The commands of smtpd's table: never "non-SMTP", whatever the list says. */
    static final Set<String> SMTP = Set.of("HELO", "EHLO", "XCLIENT", "XFORWARD", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET",
            "NOOP", "VRFY", "ETRN", "QUIT", "HELP", "STARTTLS");

    /** is_header(): a field name (printable ASCII), optional blanks, then ':'. */
    public static boolean isHeader(String s) {
        int n = 0;
        boolean blanks = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') return n > 0;
            if (c == ' ' || c == '\t') {
                if (n == 0) return false;
                blanks = true;
            } else if (c < 33 || c > 126 || blanks) {
                return false;
            } else {
                n++;
            }
        }
        return false;
    }

    /** True when the command word (as the client wrote it) ends the session. */
    static boolean forbidden(SmtpdService svc, String word) {
        if (SMTP.contains(word.toUpperCase(java.util.Locale.ROOT))) return false;
        return isHeader(word) || svc.forbiddenCommands.matches(word);
    }
}
