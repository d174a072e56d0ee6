// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.secumail.content.AuthResult;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentOutcome;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.RestrictionList;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;
import org.secumail.spf.CheckSpf;
import org.secumail.spf.SpfResult;

/**
 * One MTA connection to {@code secumail milter}: the SMTP session the MTA reports, event by
 * event, evaluated with SecuMail's own checks. Each stage's restriction list
 * (secumail_milter_*_restrictions) runs when its event arrives, with the context an smtpd of
 * ours would have; at end of message the built-in content checks (DKIM, ARC, DMARC,
 * antivirus, spam) run over the message as the MTA shows it, and their headers go back as
 * header insertions, forged Authentication-Results as deletions. A refusal is the reply
 * SecuMail gives as an MTA, sent as SMFIR_REPLYCODE.
 */
final class MilterSession {
    private final MilterServer server;
    final CheckContext ctx;
    private final Map<String, String> macros = new HashMap<>();
    private final List<String> recipients = new ArrayList<>();
    private final List<String> prepends = new ArrayList<>();
    private Path spool;
    private OutputStream spoolOut;
    private long size;
    private boolean tooBig;
    boolean headerLeadingSpace;

    MilterSession(MilterServer server) {
        this.server = server;
        this.ctx = new CheckContext(server.settings);
    }

    void macros(List<String> pairs) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) macros.put(pairs.get(i), pairs.get(i + 1));
        String i = macros.get("i");
        if (i != null && !i.isEmpty()) ctx.queueId = i;
        String auth = macros.get("{auth_authen}");
        if (auth != null && !auth.isEmpty()) {
            ctx.saslUser = auth;
            ctx.saslMethod = macros.get("{auth_type}");
        }
        if (macros.get("{tls_version}") != null) {
            ctx.tlsProtocol = macros.get("{tls_version}");
            ctx.tlsCipher = macros.get("{cipher}");
        }
    }

    private String qid() { return ctx.queueId == null || ctx.queueId.isEmpty() ? "NOQUEUE" : ctx.queueId; }

    // ---- events: each returns the reply packet's command and data (null data: no data)

    Reply connect(String hostname, String address) {
        ctx.clientName = hostname.startsWith("[") || hostname.isEmpty() ? "unknown" : hostname.toLowerCase(java.util.Locale.ROOT);
        ctx.clientNameStatus = ctx.clientName.equals("unknown") ? 5 : 2;
        ctx.reverseName = ctx.clientName;
        ctx.reverseNameStatus = ctx.clientNameStatus;
        String a = address.regionMatches(true, 0, "IPv6:", 0, 5) ? address.substring(5) : address;
        if (a.matches("[0-9A-Fa-f:.]+") && (a.contains(".") || a.contains(":"))) {
            try {
                ctx.clientAddress = InetAddress.getByName(a);
                ctx.clientAddr = ctx.clientAddress.getHostAddress();
                if (a.contains(".")) ctx.clientAddr = a;
            } catch (IOException e) {
                ctx.clientAddr = a;
            }
        }
        ctx.command = "CONNECT";
        server.settings.prefetchClient(ctx);
        return stage(Stage.CLIENT, "CONNECT");
    }

    Reply helo(String helo) {
        ctx.helo = helo;
        ctx.protocol = "ESMTP";
        ctx.command = "HELO";
        return stage(Stage.HELO, "HELO");
    }

    Reply mail(List<String> args) {
        reset();
        ctx.sender = args.isEmpty() ? "" : MessageEdits.stripBrackets(args.get(0));
        ctx.instance = Long.toHexString(System.nanoTime());
        ctx.command = "MAIL";
        return stage(Stage.SENDER, "MAIL");
    }

    Reply rcpt(List<String> args) {
        ctx.recipient = args.isEmpty() ? "" : MessageEdits.stripBrackets(args.get(0));
        ctx.command = "RCPT";
        ctx.clearModifiers();
        Reply r = stage(Stage.RECIPIENT, "RCPT");
        if (r == null && ctx.deferIfPermit != null) {
            r = ctx.deferIfPermit;
            log("milter-reject", "RCPT", r.line());
        }
        if (r == null) recipients.add(ctx.recipient);
        return r;
    }

    Reply data() {
        ctx.command = "DATA";
        ctx.recipient = recipients.size() == 1 ? recipients.get(0) : null;
        ctx.recipientCount = recipients.size();
        return stage(Stage.DATA, "DATA");
    }

    void header(String name, String value) throws IOException {
        if (spoolOut == null) openSpool();
        String v = value.replace("\r\n", "\n").replace("\n", "\r\n");
        write((name + ":" + (headerLeadingSpace ? "" : " ") + v + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void endOfHeaders() throws IOException {
        if (spoolOut == null) openSpool();
        write(new byte[] {'\r', '\n'});
    }

    void body(byte[] chunk) throws IOException {
        if (spoolOut == null) {
            openSpool();
            write(new byte[] {'\r', '\n'});
        }
        write(chunk);
    }

    private void openSpool() throws IOException {
        spool = Files.createTempFile(server.spoolDirectory, "milter-", ".eml");
        spoolOut = new java.io.BufferedOutputStream(Files.newOutputStream(spool), 64 * 1024);
        size = 0;
        tooBig = false;
    }

    private void write(byte[] b) throws IOException {
        size += b.length;
        if (server.sizeLimit > 0 && size > server.sizeLimit) {
            tooBig = true;
            return;
        }
        spoolOut.write(b);
    }

    /** The end of the message: end-of-data restrictions, then the content checks. */
    EndResult endOfMessage() throws IOException {
        if (spoolOut == null) openSpool();
        spoolOut.close();
        spoolOut = null;
        ctx.command = "END-OF-MESSAGE";
        ctx.size = size;
        Reply r = stage(Stage.END_OF_DATA, "END-OF-MESSAGE");
        if (r != null) return EndResult.refusal(r);
        if (ctx.discard != null) return EndResult.discarded();
        if (tooBig) {
            // what the MTA showed us was more than message_size_limit: the checks would see a
            // cut message, so they are skipped (logged); the MTA's own limit is the one that counts
            server.log.warn("{}: milter: message over message_size_limit ({} bytes): content checks skipped", qid(), size);
            return EndResult.accept(List.of(), List.of(), ctx.hold);
        }
        RawMessage msg = RawMessage.of(spool);
        List<HeaderField> add = new ArrayList<>();
        for (String p : prepends) {
            int colon = p.indexOf(':');
            if (colon > 0 && !(server.content.active() && p.regionMatches(true, 0, "Authentication-Results:", 0, 23))) {
                add.add(HeaderField.of(p.substring(0, colon), p.substring(colon + 1).strip()));
            }
        }
        if (!server.content.active()) return EndResult.accept(add, List.of(), ctx.hold);
        SpfResult spf = ctx.transactionData.get(CheckSpf.RESULT_KEY) instanceof SpfResult s ? s : null;
        List<AuthResult> envelope = new ArrayList<>();
        if (ctx.transactionData.get(CheckSpf.AUTH_RESULT_KEY) instanceof AuthResult ar) envelope.add(ar);
        boolean trusted = ctx.saslUser != null;
        try {
            trusted = trusted || ctx.clientAddress != null && server.settings.mynetworks().matches(ctx.clientAddress, ctx.clientName);
        } catch (org.secumail.table.LookupException e) {
            // a table that cannot be read does not make a client ours
        }
        ContentContext cc = new ContentContext(qid(), ctx.clientAddr, ctx.clientName, ctx.helo == null ? "" : ctx.helo,
                ctx.sender == null ? "" : ctx.sender, recipients, ctx.saslUser, trusted, spf, List.of());
        ContentOutcome out = server.content.run(cc, msg, envelope);
        switch (out.action()) {
            case REJECT, TEMPFAIL -> {
                Reply rr = Reply.of(out.code(), out.enhanced(), out.text());
                log("milter-reject", "END-OF-MESSAGE", rr.line());
                return EndResult.refusal(rr);
            }
            case DISCARD -> {
                log("milter-discard", "END-OF-MESSAGE", out.decidedBy() + ": " + out.text());
                return EndResult.discarded();
            }
            default -> { }
        }
        String hold = out.action() == org.secumail.content.ContentResult.Action.QUARANTINE ? out.decidedBy() + ": " + out.text() : ctx.hold;
        if (out.message() == null) return EndResult.accept(add, List.of(), hold);
        return headerDiff(msg.headers(), out.message().headers(), add, hold);
    }

    /**
     * The final header section as edits of the one the MTA showed: the fields above the first
     * kept original are insertions at the top; originals missing from the result (forged
     * Authentication-Results) are deletions, by name and occurrence.
     */
    private static EndResult headerDiff(List<HeaderField> before, List<HeaderField> after, List<HeaderField> add, String hold) {
        List<HeaderField> inserts = new ArrayList<>(add);
        int firstKept = after.size();
        for (int i = 0; i < after.size(); i++) {
            if (before.contains(after.get(i))) {
                firstKept = i;
                break;
            }
        }
        inserts.addAll(0, after.subList(0, firstKept));
        List<Deletion> deletes = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (HeaderField h : before) {
            int n = seen.merge(h.lowerName(), 1, Integer::sum);
            if (!after.contains(h)) deletes.add(new Deletion(h.name(), n));
        }
        java.util.Collections.reverse(deletes);   // the last occurrence first: indexes of earlier ones stay right
        return new EndResult(null, false, inserts, deletes, hold);
    }

    /** A header field to delete: its name and occurrence (1 is the first of that name). */
    record Deletion(String name, int index) { }

    /** End-of-message answer: a refusal, a discard, or headers to insert and delete (and maybe a hold). */
    record EndResult(Reply refuse, boolean discard, List<HeaderField> inserts, List<Deletion> deletes, String hold) {
        static EndResult refusal(Reply r) { return new EndResult(r, false, List.of(), List.of(), null); }

        static EndResult discarded() { return new EndResult(null, true, List.of(), List.of(), null); }

        static EndResult accept(List<HeaderField> inserts, List<Deletion> deletes, String hold) {
            return new EndResult(null, false, inserts, deletes, hold);
        }
    }

    /** SMFIC_ABORT or a new MAIL: forget the transaction. */
    void reset() {
        recipients.clear();
        prepends.clear();
        closeSpool();
        ctx.sender = null;
        ctx.recipient = null;
        ctx.hold = null;
        ctx.discard = null;
        ctx.redirect = null;
        ctx.prepends.clear();
        ctx.transactionData.clear();
        ctx.recipientCount = 0;
        ctx.size = 0;
        ctx.clearModifiers();
    }

    void closeSpool() {
        try {
            if (spoolOut != null) spoolOut.close();
            if (spool != null) Files.deleteIfExists(spool);
        } catch (IOException ignored) {
            // a leftover spool file in the temporary directory
        }
        spoolOut = null;
        spool = null;
    }

    private Reply stage(Stage stage, String where) {
        RestrictionList list = server.lists.get(stage);
        if (list == null || list.isEmpty()) return null;
        ctx.enter(stage);
        Verdict v = list.evaluate(ctx);
        prepends.addAll(ctx.prepends);
        ctx.prepends.clear();
        for (String w : ctx.warnings) log("warn", where, w);
        ctx.warnings.clear();
        if (v instanceof Verdict.Reject r) {
            log("milter-reject", where, r.reply().line());
            return r.reply();
        }
        if (v instanceof Verdict.Discard d) ctx.discard = d.text();
        return null;
    }

    void log(String action, String where, String text) {
        server.log.info("{}: {}: {} from {}: {}; from=<{}>{} proto={} helo=<{}>", qid(), action, where, ctx.clientLabel(), text,
                ctx.sender == null ? "" : ctx.sender, ctx.recipient == null ? "" : " to=<" + ctx.recipient + ">", ctx.protocol,
                ctx.helo == null ? "" : ctx.helo);
    }
}
