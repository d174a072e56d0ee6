// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.milter.MessageEdits;
import org.secumail.milter.MilterReply;
import org.secumail.milter.Milters;

/**
 * The message stage of the smtpd_milters, after the end-of-data restrictions and before the
 * built-in content checks (which so see, and sign, what the milters left): the queue file is
 * shown to each milter in turn, and their changes are written back: the header section and
 * body into the queue file, the sender and recipients into the transaction, each change
 * logged with the milter's name.
 */
final class EndOfDataMilters {
    private EndOfDataMilters() { }

    /** The outcome: the reply refusing the message (already logged), or null. */
    static Reply run(SmtpSession s, MailTransaction tx) throws IOException {
        SessionMilters sm = s.milters;
        var ctx = s.ctx;
        if (sm.sessionHold() != null && ctx.hold == null) ctx.hold = sm.sessionHold();
        RawMessage msg = RawMessage.of(tx.writer.contentFile());
        java.nio.file.Path scratch = tx.writer.contentFile().resolveSibling(tx.writer.contentFile().getFileName() + ".milter");
        Milters.Result res = sm.milters.message(msg, true, scratch, s.svc.messageSizeLimit);
        MessageEdits edits = res.edits();
        try {
            MilterReply r = sm.check(res.reply(), "END-OF-MESSAGE");
            if (r != null) return SessionMilters.toReply(r);
            if (ctx.discard != null) return null;
            for (String line : edits.log()) {
                SmtpSession.LOG.info("{}: milter {}", tx.queueId(), line);
                if (tx.trace != null) tx.trace.note("milter " + line);
            }
            if (edits.contentChanged()) {
                java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
                for (HeaderField h : edits.headers()) h.writeTo(head);
                try (InputStream body = edits.openBody()) {
                    InputStream rest = new SequenceInputStream(new ByteArrayInputStream(new byte[] {'\r', '\n'}), body);
                    tx.writer.replaceContent(head.toByteArray(), rest);
                }
            }
            applyEnvelope(s, tx, edits);
            return null;
        } finally {
            edits.close();
        }
    }

    private static void applyEnvelope(SmtpSession s, MailTransaction tx, MessageEdits edits) {
        if (edits.sender() != null) {
            tx.sender = edits.sender();
            s.ctx.sender = edits.sender();
        }
        for (int i = tx.recipients.size() - 1; i >= 0; i--) {
            if (edits.isDeleted(tx.recipients.get(i))) {
                tx.recipients.remove(i);
                tx.dsn.removeAt(i);
            }
        }
        for (MessageEdits.AddedRecipient a : edits.addedRecipients()) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String p : a.args().split("\\s+")) {
                if (p.isEmpty()) continue;
                int eq = p.indexOf('=');
                params.put((eq < 0 ? p : p.substring(0, eq)).toUpperCase(java.util.Locale.ROOT), eq < 0 ? null : p.substring(eq + 1));
            }
            DsnParameters.Rcpt r = DsnParameters.rcpt(params, s.svc.dsn);
            if (r.error() != null) {
                // Postfix: "Ignoring bad ESMTP parameter ... in SMFIR_ADDRCPT_PAR request"
                SmtpSession.LOG.warn("{}: warning: milter {}: ignoring bad ESMTP parameters \"{}\" of added recipient <{}>", tx.queueId(),
                        a.milter(), a.args(), a.address());
                r = new DsnParameters.Rcpt(null, null, null);
            }
            tx.recipients.add(a.address());
            tx.dsn.accepted(r);
        }
        if (tx.recipients.isEmpty()) {
            // Postfix marks deleted recipients done: with none left nothing is delivered,
            // and the client was told "queued". We say so in the log and keep nothing.
            s.ctx.discard = "milter deleted every recipient";
        }
    }
}
