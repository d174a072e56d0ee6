// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.secumail.content.AuthResult;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentOutcome;
import org.secumail.content.RawMessage;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.spf.CheckSpf;
import org.secumail.spf.SpfResult;
import org.secumail.table.LookupException;

/**
 * The content checks of one message at end of DATA, after the end-of-data restrictions
 * passed (ARCHITECTURE.md, "Content checks at end of data"): the queue file written so far is
 * read back as a {@link RawMessage}, the service's {@link org.secumail.content.ContentChecks}
 * run over it, and when the message is kept its header section is replaced in the queue file
 * by the final one (one Authentication-Results header, the checks' headers, signatures).
 */
final class EndOfDataContent {
    private EndOfDataContent() { }

    /** With content checks, smtpd's own Authentication-Results (check_spf) joins theirs at the end. */
    static boolean deferredPrepend(SmtpdService svc, String prepend) {
        return svc.content.active() && prepend.regionMatches(true, 0, "Authentication-Results:", 0, 23);
    }

    static ContentOutcome run(SmtpdService svc, CheckContext ctx, MailTransaction tx) throws IOException {
        RawMessage msg = RawMessage.of(tx.writer.contentFile());
        boolean trusted = ctx.saslUser != null;
        if (!trusted && ctx.clientAddress != null) {
            try {
                trusted = ctx.settings.mynetworks().matches(ctx.clientAddress, ctx.clientName);
            } catch (LookupException e) {
                trusted = false;   // a table that cannot be read does not make a client ours
            }
        }
        SpfResult spf = ctx.transactionData.get(CheckSpf.RESULT_KEY) instanceof SpfResult r ? r : null;
        List<AuthResult> envelope = new ArrayList<>();
        if (ctx.transactionData.get(CheckSpf.AUTH_RESULT_KEY) instanceof AuthResult ar) envelope.add(ar);
        ContentContext cc = new ContentContext(tx.queueId(), ctx.clientAddr, ctx.clientName, ctx.helo == null ? "" : ctx.helo,
                tx.sender, tx.recipients, ctx.saslUser, trusted, spf, List.of());
        ContentOutcome out = svc.content.run(cc, msg, envelope);
        if (out.message() != null) {
            tx.writer.replaceHead(out.message().headerBytes(), out.message().sourceHeaderEnd());
        }
        return out;
    }
}
