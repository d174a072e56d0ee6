// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.secumail.milter.MilterProtocol.*;

import java.io.IOException;
import java.util.List;

/**
 * The edit requests of one milter's end-of-body reply, checked and handed to
 * {@link MessageEdits} in the order they arrive (milter8.c, the SMFIC_BODYEOB cases).
 * A malformed request (bad index, empty header name) is a configuration error of the milter;
 * a request for an action the milter did not announce is carried out, with a warning, as
 * Postfix does; body replacement chunks must come together (milter8.c's
 * "body replacement requests can't currently be mixed with other requests").
 */
final class MilterEditor {
    private final MilterClient client;
    private final MessageEdits edits;
    private boolean inBody;
    private boolean bodyDone;
    private MilterReply editError;

    MilterEditor(MilterClient client, MessageEdits edits) {
        this.client = client;
        this.edits = edits;
    }

    boolean isEdit(byte cmd) {
        return cmd == SMFIR_CHGHEADER || cmd == SMFIR_ADDHEADER || cmd == SMFIR_INSHEADER || cmd == SMFIR_CHGFROM
                || cmd == SMFIR_ADDRCPT || cmd == SMFIR_ADDRCPT_PAR || cmd == SMFIR_DELRCPT || cmd == SMFIR_REPLBODY;
    }

    boolean inBody() { return inBody; }

    void endBody() throws IOException {
        edits.finishBody();
        inBody = false;
        bodyDone = true;
    }

    void quarantined(String reason) {
        MilterClient.LOG.info("{}: quarantine: {}", client.logPrefix(), reason);
    }

    private void announced(int flag, String action) {
        if ((client.actions() & flag) == 0) {
            MilterClient.LOG.warn("warning: {}: {} request without negotiating it (carried out, as Postfix does)", client.logPrefix(), action);
        }
    }

    /** Applies one edit request; returns the reply that ends the event (an error), or null to read on. */
    MilterReply apply(Packet p) throws IOException {
        byte cmd = p.command();
        if (editError != null && cmd != SMFIR_REPLBODY) return null;   // after a local edit error, read on to the final reply
        String name = client.name();
        boolean space = !client.sends(SMFIP_HDR_LEADSPC);
        switch (cmd) {
            case SMFIR_CHGHEADER, SMFIR_INSHEADER -> {
                int index = p.int32(0);
                List<String> s = p.strings(4);
                String hname = s.isEmpty() ? "" : s.get(0);
                String value = s.size() > 1 ? s.get(1) : "";
                if (cmd == SMFIR_CHGHEADER) {
                    announced(SMFIF_CHGHDRS, "change header");
                    if (index == 0) index = 1;   // Sendmail 8 compatibility
                    if (index < 1) return client.configurationError("bad change header index: " + index);
                    if (hname.isEmpty()) return client.configurationError("null change header name");
                    if (!MessageEdits.validName(hname)) return client.configurationError("bad header name: " + org.secumail.queue.Printable.of(hname));
                    edits.changeHeader(name, index, hname, value, space);
                } else {
                    announced(SMFIF_ADDHDRS, "insert header");
                    if (index < 0) return client.configurationError("bad insert header index: " + index);
                    if (!MessageEdits.validName(hname)) return client.configurationError("bad header name: " + org.secumail.queue.Printable.of(hname));
                    edits.insertHeader(name, index, hname, value, space);
                }
            }
            case SMFIR_ADDHEADER -> {
                announced(SMFIF_ADDHDRS, "add header");
                List<String> s = p.strings(0);
                String hname = s.isEmpty() ? "" : s.get(0);
                if (!MessageEdits.validName(hname)) return client.configurationError("bad header name: " + org.secumail.queue.Printable.of(hname));
                edits.addHeader(name, hname, s.size() > 1 ? s.get(1) : "", space);
            }
            case SMFIR_CHGFROM -> {
                announced(SMFIF_CHGFROM, "change sender");
                List<String> s = p.strings(0);
                if (s.isEmpty()) return client.configurationError("empty change sender request");
                edits.changeSender(name, s.get(0), s.size() > 1 ? s.get(1) : "");
            }
            case SMFIR_ADDRCPT, SMFIR_ADDRCPT_PAR -> {
                announced(cmd == SMFIR_ADDRCPT ? SMFIF_ADDRCPT : SMFIF_ADDRCPT_PAR, "add recipient");
                List<String> s = p.strings(0);
                if (s.isEmpty() || MessageEdits.stripBrackets(s.get(0)).isEmpty()) return client.configurationError("empty add recipient request");
                edits.addRecipient(name, s.get(0), cmd == SMFIR_ADDRCPT_PAR && s.size() > 1 ? s.get(1) : "");
            }
            case SMFIR_DELRCPT -> {
                announced(SMFIF_DELRCPT, "delete recipient");
                List<String> s = p.strings(0);
                if (s.isEmpty()) return client.configurationError("empty delete recipient request");
                edits.deleteRecipient(name, s.get(0));
            }
            case SMFIR_REPLBODY -> {
                if (bodyDone) return client.configurationError("body replacement requests can't currently be mixed with other requests");
                if (editError != null) return null;
                announced(SMFIF_CHGBODY, "replace body");
                if (!inBody) {
                    edits.startBody(name);
                    inBody = true;
                }
                if (!edits.bodyChunk(p.data())) {
                    MilterClient.LOG.warn("warning: {}: replacement body exceeds message_size_limit", client.logPrefix());
                    editError = MilterReply.reply("552 5.3.4 Message file too big");
                }
            }
            default -> throw new IllegalStateException("not an edit: " + (char) cmd);
        }
        return null;
    }

    /** The final answer after a continue or accept: a local edit error, the hold, or go on. */
    MilterReply finish(MilterReply hold) throws IOException {
        if (inBody) endBody();
        if (editError != null) return editError;
        return hold;
    }
}
