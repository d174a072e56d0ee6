// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.secumail.cleanup.CheckAction;
import org.secumail.cleanup.CheckLog;
import org.secumail.cleanup.MessageCleanup;
import org.secumail.queue.Envelope;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;

/**
 * The DATA phase (RFC 5321 section 4.1.1.4): answers 354, streams the message into the queue
 * file with a Received: header first (section 4.4), removes dot-stuffing (section 4.5.2), and
 * ends only at CRLF "." CRLF. It reads to the end even when the message is refused, so the
 * client's next command is not taken from the message text, and refuses, after the end:
 * a message over message_size_limit (552 5.3.4), a bare LF or CR (smtpd_forbid_bare_newline)
 * and an octet of message_reject_characters ({@link MessageCharacters}: empty by default, so a
 * NUL is accepted as Postfix accepts it). A text line longer than RFC 5321's 1,000 octets (section 4.5.3.1.6) is
 * accepted, as Postfix accepts it: it is read in pieces of line_length_limit (2048) and kept
 * whole in the queue file; the SMTP client breaks it at smtp_line_length_limit when it relays. Only after the queue file and its
 * envelope are on disk (fsynced) does the client get "250 2.0.0 Ok: queued as QID".
 */
final class DataReceiver {
    /** The smallest piece size: RFC 5321 section 4.5.3.1.6's text line, 1000 octets with its CRLF. */
    static final int TEXT_LINE_LIMIT = 998;
    private static final byte[] CRLF = {'\r', '\n'};

    private final SmtpSession s;
    private final MailTransaction tx;
    /** The Maildir++ folder a content check's quarantine files the message into, or null. */
    private String quarantineFolder;

    DataReceiver(SmtpSession s, MailTransaction tx) {
        this.s = s;
        this.tx = tx;
    }

    /**
     * Runs the content checks; returns the reply for a refused message, or null (the message
     * may then be marked for hold or discard in the context, as an access(5) action would).
     * A failure to read or rewrite the queue file is a local error: 451 4.3.0, as cleanup(8).
     */
    private Reply contentChecks() {
        var ctx = s.ctx;
        org.secumail.content.ContentOutcome out;
        try {
            out = EndOfDataContent.run(s.svc, ctx, tx);
            if (out.action() != org.secumail.content.ContentResult.Action.ACCEPT) {
                org.secumail.metrics.Metrics.count("secumail.content.verdicts", "check", String.valueOf(out.decidedBy()),
                        "action", out.action().name().toLowerCase(java.util.Locale.ROOT));
            }
        } catch (IOException | RuntimeException e) {
            SmtpSession.LOG.warn("{}: content checks: cannot process the queue file: {}", tx.queueId(), e.toString());
            return Reply.of(451, "4.3.0", "Error: queue file write error");
        }
        if (tx.trace != null) {
            for (var r : out.results()) {
                tx.trace.note("content check " + r.check() + " -> " + r.action() + (r.text().isEmpty() ? "" : " " + r.text()));
                for (String t : r.trace()) tx.trace.note("  " + t);
            }
        }
        if (s.svc.shadowMode && (out.action() == org.secumail.content.ContentResult.Action.DISCARD
                || out.action() == org.secumail.content.ContentResult.Action.QUARANTINE)) {
            SmtpSession.LOG.info("{}: {}_warning: END-OF-MESSAGE from {}: {}: {}; from=<{}> proto={} helo=<{}>", tx.queueId(),
                    out.action().name().toLowerCase(java.util.Locale.ROOT), ctx.clientLabel(), out.decidedBy(), out.text(), tx.sender,
                    ctx.protocol, ctx.helo == null ? "" : ctx.helo);
            return null;
        }
        return switch (out.action()) {
            case REJECT, TEMPFAIL -> Reply.of(out.code(), out.enhanced(), out.text());
            case DISCARD -> {
                ctx.discard = out.decidedBy() + ": " + out.text();
                yield null;
            }
            case QUARANTINE -> {
                String why = out.decidedBy() + ": " + out.text();
                String folder = null;
                for (var r : out.results()) {
                    if (r.check().equals(out.decidedBy()) && r.detail() instanceof org.secumail.content.QuarantineTarget t) {
                        folder = org.secumail.content.QuarantineTarget.folder(t.quarantineTarget());
                    }
                }
                if (folder == null) ctx.hold = why;
                else quarantineFolder = folder;
                SmtpSession.LOG.info("{}: {}: END-OF-MESSAGE from {}: {}; from=<{}> proto={} helo=<{}>", tx.queueId(),
                        folder == null ? "hold" : "quarantine to folder " + folder, ctx.clientLabel(), why, tx.sender, ctx.protocol,
                        ctx.helo == null ? "" : ctx.helo);
                yield null;
            }
            case ACCEPT -> null;
        };
    }

    /** smtpd's reply for cleanup's reason "5.7.1 text": the class's code, the reason's status and text. */
    private static Reply cleanupReply(int code, String reason) {
        int sp = reason.indexOf(' ');
        return sp < 0 ? Reply.of(code, reason, "") : Reply.of(code, reason.substring(0, sp), reason.substring(sp + 1));
    }

    /**
     * Postfix's header rewriting context: local for local_header_rewrite_clients (our own
     * addresses by default), or as a content filter's XFORWARD SOURCE=LOCAL|REMOTE says.
     */
    private boolean localRewriteContext() {
        var m = s.svc.missingHeaders;
        String source = s.xforward.get("SOURCE");
        if ("LOCAL".equals(source) || "REMOTE".equals(source)) return source.equals("LOCAL");
        var ctx = s.ctx;
        return m.clients().local(s.remote.getAddress(), ctx.clientAddr, ctx.saslUser != null, () -> {
            try {
                return ctx.clientAddress != null && ctx.settings.mynetworks().matches(ctx.clientAddress, ctx.clientName);
            } catch (org.secumail.table.LookupException e) {
                return false;
            }
        });
    }

    /** Hands smtpd's own header text to cleanup line by line (CRLF or LF between the lines). */
    private static void lines(MessageCleanup cleanup, String text) throws IOException {
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            cleanup.line(text.substring(start, end > start && text.charAt(end - 1) == '\r' ? end - 1 : end));
            start = nl < 0 ? text.length() : nl + 1;
        }
    }

    void receive() throws IOException {
        var svc = s.svc;
        var ctx = s.ctx;
        String qid = tx.queueId();
        s.reply(Reply.of(354, "", "End data with <CR><LF>.<CR><LF>"));
        s.out.flush();
        OutputStream content = tx.writer.content();
        long size = 0;
        boolean tooBig = false;
        boolean bare = false;
        String bareWhat = "<LF>";
        boolean disallowed = false;
        boolean[] rejectChars = svc.noContentChecks ? null : svc.messageRejectCharacters;
        boolean[] stripChars = svc.noContentChecks ? null : svc.messageStripCharacters;
        String received = ReceivedHeader.build(svc, ctx, qid, tx.recipients, Instant.now());
        // cleanup(8) sees smtpd's own Received: header first: it is hop 1 and header_checks read it
        MessageCleanup cleanup = new MessageCleanup(svc.cleanup, content, new CheckLog(qid, () -> ctx.clientLabel() + "; from=<" + tx.sender
                + "> to=<" + tx.recipients.get(tx.recipients.size() - 1) + "> proto=" + ctx.protocol + " helo=<" + (ctx.helo == null ? "" : ctx.helo) + ">"));
        boolean localContext = localRewriteContext();
        if (localContext || svc.missingHeaders.always() || svc.missingHeaders.remoteContext()) {
            cleanup.addMissingHeaders(svc.missingHeaders, tx.sender, Instant.now());
        }
        // cleanup's header address rewriting: local mail (@$myorigin, canonical maps, masquerading),
        // remote mail only with remote_header_rewrite_domain
        cleanup.dropHeaders(svc.dropHeaders);
        if (localContext) cleanup.rewriteHeaderAddresses(svc.addressMapping, svc.myorigin);
        else if (!svc.remoteRewriteDomain.isEmpty()) cleanup.rewriteHeaderAddresses(svc.addressMapping, svc.remoteRewriteDomain);
        lines(cleanup, received);
        for (String p : ctx.prepends) {
            if (!EndOfDataContent.deferredPrepend(svc, p)) lines(cleanup, p);
        }
        size += received.getBytes(StandardCharsets.UTF_8).length;
        boolean forbidBare = BareNewline.forbidden(svc, ctx);
        int piece = Math.max(TEXT_LINE_LIMIT, svc.lineLengthLimit);
        byte[] buf = new byte[piece + 2];
        // RFC 5321 section 4.1.1.4: the end is CRLF "." CRLF. A "." line counts only when the
        // line before it also ended in CRLF (the DATA command's own CRLF for the first line):
        // "text<LF>.<CR><LF>" is message text, or SMTP smuggling would work.
        boolean afterCrlf = true;
        // true while the pieces of one long line arrive: no dot-unstuffing, no end of data
        boolean continuation = false;
        while (true) {
            SmtpInput.Line line = s.in.readLinePiece(buf, piece);
            if (line.eof()) {
                SmtpSession.LOG.info("lost connection after DATA ({} bytes) from {}", size, ctx.clientLabel());
                throw new java.io.EOFException();
            }
            if (!continuation && line.isDot() && afterCrlf) break;
            afterCrlf = !line.partial() && !line.bareLf();   // a CR inside the line does not end it; the terminator counts
            if (line.bareLf() || line.bareCr()) {
                if (forbidBare && !bare) {
                    bare = true;
                    bareWhat = line.bareLf() ? "<LF>" : "<CR>";
                }
            }
            int off = !continuation && line.length() > 0 && line.bytes()[0] == '.' ? 1 : 0;
            int len = line.length() - off;
            if (rejectChars != null && !disallowed && MessageCharacters.containsAny(line.bytes(), off, len, rejectChars)) disallowed = true;
            size += len + (line.partial() ? 0 : 2);
            if (svc.messageSizeLimit > 0 && size > svc.messageSizeLimit) tooBig = true;
            if (!tooBig && !bare && !disallowed) {
                cleanup.line(line.bytes(), off, stripChars == null ? len : MessageCharacters.strip(line.bytes(), off, len, stripChars), line.partial());
            }
            continuation = line.partial();
        }
        cleanup.finish();
        tx.traceCommand("END-OF-MESSAGE", "END-OF-MESSAGE (" + size + " bytes)");
        MessageCleanup.Outcome checked = cleanup.outcome();
        String reason = checked.rejectReason;
        // cleanup's order (smtpd.c): a temporary failure, the size, the hop count, then the content
        Reply refuse = null;
        boolean cleanupRefused = false;
        if (checked.lookupFailed) refuse = Reply.of(451, "4.3.0", "Error: queue file write error");
        else if (reason != null && CheckAction.temporary(reason)) refuse = cleanupReply(451, reason);
        else if (tooBig) refuse = Reply.of(552, "5.3.4", "Message size exceeds fixed limit");
        else if (bare) refuse = Reply.of(svc.bareNewlineCode, "5.5.2", svc.hostname + " Error: bare " + bareWhat + " received");
        else if (checked.hopsExceeded) refuse = Reply.of(554, "5.4.0", "Error: too many hops");
        else if (disallowed) refuse = Reply.of(550, "5.7.1", "disallowed character");
        else if (reason != null) refuse = cleanupReply(550, reason);
        if (refuse != null && !tooBig && !bare && !disallowed) cleanupRefused = true;   // cleanup logged it
        if (refuse == null) {
            if (checked.discard != null) ctx.discard = checked.discard;
            if (checked.hold != null && ctx.hold == null) ctx.hold = checked.hold;
            if (checked.redirect != null) ctx.redirect = checked.redirect;
            if (checked.filter != null) ctx.filter = checked.filter;
        }
        if (refuse == null) {
            ctx.command = "END-OF-MESSAGE";
            ctx.size = size;
            ctx.clearModifiers();
            refuse = tx.checkStage(Stage.END_OF_DATA);
            tx.flushWarnings("END-OF-MESSAGE", null);
        }
        boolean milterRefused = false;
        if (refuse == null && ctx.discard == null && s.milters != null && !checked.pass) {
            try {
                refuse = EndOfDataMilters.run(s, tx);
            } catch (IOException | RuntimeException e) {
                SmtpSession.LOG.warn("{}: milters: cannot process the queue file: {}", tx.queueId(), e.toString());
                refuse = Reply.of(451, "4.3.0", "Error: queue file write error");
            }
            milterRefused = refuse != null;   // logged as milter-reject already
            if (refuse != null && refuse.code() == 421) s.quit = true;
        }
        if (refuse == null && ctx.discard == null && svc.content.active()) refuse = contentChecks();
        java.util.List<String> autoBcc = java.util.List.of();
        String envSender = tx.sender;
        java.util.List<String> envRcpts = tx.recipients;
        if (refuse == null && ctx.discard == null && svc.addressMapping.enabled()) {
            try {   // canonical maps and masquerading of the envelope (cleanup_addr.c)
                envSender = svc.addressMapping.map(tx.sender, org.secumail.cleanup.AddressMapping.Kind.ENVELOPE_SENDER);
                java.util.List<String> mapped = new java.util.ArrayList<>(tx.recipients.size());
                for (String r : tx.recipients) mapped.add(svc.addressMapping.map(r, org.secumail.cleanup.AddressMapping.Kind.ENVELOPE_RECIPIENT));
                envRcpts = mapped;
            } catch (org.secumail.table.LookupException e) {
                SmtpSession.LOG.warn("warning: {}: canonical map lookup problem -- message not accepted, try again later: {}", qid, e.getMessage());
                refuse = Reply.of(451, "4.3.0", "Error: queue file write error");
            }
        }
        if (refuse == null && ctx.discard == null && ctx.redirect == null && svc.autoBcc.enabled()) {
            try {
                autoBcc = svc.autoBcc.bcc(envSender, envRcpts);   // sender_bcc_maps, recipient_bcc_maps, always_bcc
            } catch (org.secumail.table.LookupException e) {
                SmtpSession.LOG.warn("warning: {}: bcc map lookup problem -- message not accepted, try again later: {}", qid, e.getMessage());
                refuse = Reply.of(451, "4.3.0", "Error: queue file write error");
            }
        }
        if (refuse != null && svc.shadowMode && !tooBig && !bare && !disallowed && refuse.code() != 421 && !refuse.line().contains("queue file write error")) {
            // shadow mode: a policy refusal (a milter's, a content check's) is logged and the message kept
            SmtpSession.LOG.info("{}: reject_warning: END-OF-MESSAGE from {}: {}; from=<{}> proto={} helo=<{}>", qid, ctx.clientLabel(),
                    refuse.line(), tx.sender, ctx.protocol, ctx.helo == null ? "" : ctx.helo);
            refuse = null;
        }
        if (refuse != null) {
            if (!milterRefused && !cleanupRefused) tx.logReject("END-OF-MESSAGE", refuse, null);
            tx.abort();
            s.error(refuse);
            return;
        }
        if (ctx.discard != null) {
            // access(5) DISCARD: claim delivery, keep nothing (the log says so).
            SmtpSession.LOG.info("{}: discard: END-OF-MESSAGE from {}: {}; from=<{}> proto={} helo=<{}>", qid, ctx.clientLabel(),
                    ctx.discard, tx.sender, ctx.protocol, ctx.helo == null ? "" : ctx.helo);
            tx.abort();
            s.reply(Reply.of(250, "2.0.0", "Ok: queued as " + qid));
            return;
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        // XFORWARD (a content filter's original client) replaces the logging attributes only
        Map<String, String> xf = s.xforward;
        attrs.put("client_address", xf.getOrDefault("ADDR", ctx.clientAddr));
        attrs.put("client_name", xf.getOrDefault("NAME", ctx.clientName));
        attrs.put("reverse_name", xf.containsKey("NAME") ? xf.get("NAME") : ctx.reverseName);
        attrs.put("helo", xf.getOrDefault("HELO", ctx.helo == null ? "" : ctx.helo));
        attrs.put("protocol", xf.getOrDefault("PROTO", ctx.protocol));
        if (ctx.saslUser != null) {
            attrs.put("sasl_method", ctx.saslMethod == null ? "" : ctx.saslMethod);
            attrs.put("sasl_username", ctx.saslUser);
            if (ctx.saslSender != null) attrs.put("sasl_sender", ctx.saslSender);
        }
        if (ctx.tlsProtocol != null) attrs.put("tls", ctx.tlsProtocol + " " + ctx.tlsCipher);
        if (ctx.hold != null) attrs.put("hold", ctx.hold);
        attrs.put("rewrite_context", localContext ? "local" : "remote");   // XFORWARD SOURCE for a content filter
        if (quarantineFolder != null) attrs.put("folder", quarantineFolder);
        String filter = ctx.filter != null ? ctx.filter : svc.contentFilter;
        if (!filter.isEmpty()) attrs.put(org.secumail.route.Router.CONTENT_FILTER, filter);   // FILTER_README: after the queue
        java.util.List<String> rcpts = envRcpts;
        if (ctx.redirect == null && (!checked.bcc.isEmpty() || !autoBcc.isEmpty())) {
            // header_checks BCC and the automatic BCC: more recipients, with NOTIFY=NEVER (cleanup_addr_bcc),
            // each address once (cleanup's duplicate filter: same address, same DSN parameters)
            rcpts = new java.util.ArrayList<>(rcpts);
            java.util.Set<String> added = new java.util.HashSet<>();
            java.util.List<String> all = new java.util.ArrayList<>(checked.bcc);
            all.addAll(autoBcc);
            for (String b : all) {
                if (!added.add(b)) continue;
                attrs.put(org.secumail.queue.DsnAttributes.notify(rcpts.size()), "NEVER");
                rcpts.add(b);
            }
        }
        if (ctx.redirect != null) {
            // access(5) REDIRECT: the message goes to this one address instead of its recipients
            SmtpSession.LOG.info("{}: redirect: to=<{}> instead of {} recipient(s) from {}", qid, ctx.redirect, rcpts.size(), ctx.clientLabel());
            attrs.put("redirected_from", String.join(",", rcpts));
            rcpts = java.util.List.of(ctx.redirect);
        }
        attrs.putAll(tx.dsn.attributes(ctx.redirect == null));   // RFC 3461 parameters, for bounce(8)
        Envelope env = new Envelope(envSender, rcpts, Instant.now(), attrs);
        tx.writer.commit(env);
        SmtpSession.LOG.info("{}: message-id={}", qid, checked.messageId == null ? "<>" : checked.messageId);
        tx.committed();
        org.secumail.metrics.Metrics.count("secumail.messages.accepted");
        s.junkCommands = 0;   // as Postfix's data_cmd: a received message forgives earlier errors
        s.errors = 0;
        svc.queueWakeup.run();
        s.reply(Reply.of(250, "2.0.0", "Ok: queued as " + qid));
    }
}
