// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import org.secumail.smtpd.check.CheckContext;
import org.secumail.table.LookupException;

/**
 * smtpd_forbid_bare_newline (Postfix 3.9; here on by default) with its exclusions: a bare LF or
 * bare CR in a command or in message content is refused, because a server that accepts
 * "<LF>.<LF>" as end of data can be made to see two messages where the sender's relay saw one
 * (SMTP smuggling, CVE-2023-51766). RFC 5321 section 2.3.8 allows only CRLF.
 */
final class BareNewline {
    private BareNewline() { }

    static boolean forbidden(SmtpdService svc, CheckContext ctx) {
        if (!svc.forbidBareNewline) return false;
        try {
            return ctx.clientAddress == null || !svc.bareNewlineExclusions.matches(ctx.clientAddress, ctx.clientName);
        } catch (LookupException e) {
            return true;   // when in doubt, enforce: refusing a bare newline is always safe
        }
    }
}
