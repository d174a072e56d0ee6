// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.secumail.milter.MilterProtocol;
import org.secumail.milter.MilterReply;
import org.secumail.milter.Milters;

/**
 * The smtpd_milters of one SMTP session and what smtpd does with their answers, as Postfix's
 * smtpd.c does (check_milter_reply()):
 * <ul>
 * <li>a 4xx/5xx answer refuses the command it was given for, logged as "milter-reject";</li>
 * <li>at connect, a 5xx answer makes the greeting "554 ... not accepting connections" and a
 *     421 ends the session; any other rejection at connect or HELO is kept by the milter and
 *     given at MAIL FROM (HELO itself still gets 250, as in Sendmail);</li>
 * <li>"hold" (quarantine, or milter_default_action = quarantine) puts the message in the hold
 *     queue, "discard" accepts it and throws it away, "shutdown" answers 421 and ends the
 *     session.</li>
 * </ul>
 * Each milter call happens after SecuMail's own restrictions for that stage accepted it.
 */
final class SessionMilters {
    private static final java.util.regex.Pattern ENHANCED = java.util.regex.Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3})(?: |$)(.*)");
    private final SmtpSession s;
    final Milters milters;
    /** A hold from connect or HELO: every message of the session is held. */
    private String sessionHold;
    /** A MAIL event went out: the milters must hear SMFIC_ABORT when the transaction ends. */
    private boolean needAbort;

    private SessionMilters(SmtpSession s, Milters milters) {
        this.s = s;
        this.milters = milters;
    }

    /**
     * The session's milters, or null when there are none: smtpd_milter_maps' answer for the
     * client address when it has one (a milter list, or DISABLE), else smtpd_milters, as
     * Postfix's setup_milters(). A table that cannot be read gives smtpd_milters, with a warning.
     */
    static SessionMilters open(SmtpSession s) {
        java.util.List<org.secumail.milter.MilterDefinition> defs = s.svc.milters;
        if (s.svc.milterMaps != null && s.ctx.clientAddr != null && !s.ctx.clientAddr.isEmpty()) {
            try {
                java.util.Optional<String> v = s.svc.milterMaps.lookup(s.ctx.clientAddr);
                if (v.isPresent()) {
                    defs = s.svc.milterMapLists.computeIfAbsent(v.get().strip(),
                            k -> org.secumail.milter.MilterDefinition.fromValue(s.svc.cfg, k, "smtpd_milter_maps"));
                }
            } catch (org.secumail.table.LookupException | org.secumail.config.ConfigException e) {
                SmtpSession.LOG.warn("warning: smtpd_milter_maps lookup for {} failed: {}", s.ctx.clientAddr, e.getMessage());
            }
        }
        if (defs.isEmpty()) return null;
        java.util.List<org.secumail.milter.MilterDefinition> chosen = defs;
        return new SessionMilters(s, new Milters(chosen, name -> MilterMacroValues.value(s, name)));
    }

    /** The connect event after XCLIENT: the answer persists in the milters (MAIL FROM gets it). */
    void reconnect() {
        check(connectEvent(), "CONNECT");
    }

    private MilterReply connectEvent() {
        var ctx = s.ctx;
        int port = 0;
        byte family = MilterProtocol.SMFIA_UNKNOWN;
        if (s.remote != null) {
            port = s.remote.getPort();
            family = ctx.clientAddress instanceof Inet6Address ? MilterProtocol.SMFIA_INET6 : MilterProtocol.SMFIA_INET;
        }
        return milters.connect(ctx.clientName, ctx.clientAddr, port, family);
    }

    /** The connect event; returns false when the session must end (421). */
    boolean connect() throws IOException {
        MilterReply r = check(connectEvent(), "CONNECT");
        if (r == null) {
            s.reply(Reply.of(220, "", s.svc.banner));
            return true;
        }
        if (r.closesSession()) {
            s.reply(Reply.of(421, "", s.svc.hostname + " Service unavailable - try again later"));
            return false;
        }
        if (r.permanent()) {
            s.errors++;
            s.reply(Reply.of(554, "", s.svc.hostname + " ESMTP not accepting connections"));
            return true;
        }
        s.reply(Reply.of(220, "", s.svc.banner));   // a 4xx is given again at MAIL FROM
        return true;
    }

    /** The HELO event; returns the 421 reply that ends the session, or null. */
    Reply helo(String name) {
        MilterReply r = check(milters.helo(name), "HELO");
        if (r != null && r.closesSession()) return toReply(r);
        return null;   // a rejection persists and answers MAIL FROM
    }

    /** The MAIL event; returns the reply refusing MAIL, or null. */
    Reply mail(String sender, Map<String, String> params) {
        List<String> args = new ArrayList<>();
        args.add("<" + sender + ">");
        for (var e : params.entrySet()) args.add(e.getValue() == null ? e.getKey() : e.getKey() + "=" + e.getValue());
        needAbort = true;
        return toReply(check(milters.mail(args), "MAIL"));
    }

    /** The RCPT event (also for a recipient smtpd refused, to milters that asked for those). */
    Reply rcpt(String recipient, Map<String, String> params, boolean rejected) {
        if (s.ctx.discard != null) return null;
        List<String> args = new ArrayList<>();
        args.add("<" + recipient + ">");
        for (var e : params.entrySet()) args.add(e.getValue() == null ? e.getKey() : e.getKey() + "=" + e.getValue());
        MilterReply r = milters.rcpt(args, rejected);
        return rejected ? null : toReply(check(r, "RCPT"));
    }

    Reply data() {
        if (s.ctx.discard != null) return null;
        return toReply(check(milters.data(), "DATA"));
    }

    /** An unrecognized command: a milter may give its own reply instead of 500. */
    Reply unknown(String line) {
        MilterReply r = milters.unknown(line);
        return r != null && r.kind() == MilterReply.Kind.REPLY ? toReply(r) : null;
    }

    /** SMFIC_ABORT after a transaction ended (RSET, HELO, the end of a message). */
    void abort() {
        if (needAbort) milters.abort();
        needAbort = false;
    }

    void close() { milters.close(); }

    void queueId(String id) { milters.queueId(id); }

    String sessionHold() { return sessionHold; }

    /**
     * Logs the answer as Postfix does and turns hold and discard into the transaction's
     * flags; returns what is left to reply (a 4xx/5xx or shutdown), or null.
     */
    MilterReply check(MilterReply r, String where) {
        if (r == null) return null;
        var ctx = s.ctx;
        String qid = s.tx.queueId();
        switch (r.kind()) {
            case HOLD -> {
                String text = r.text().isEmpty() ? "milter triggers HOLD action" : r.text();
                boolean sessionWide = where.equals("CONNECT") || where.equals("HELO");
                if (sessionWide) {
                    if (sessionHold != null) return null;
                    sessionHold = text;
                } else {
                    if (ctx.hold != null) return null;
                    ctx.hold = text;
                }
                log(qid, "milter-hold", where, text);
                return null;
            }
            case DISCARD -> {
                if (ctx.discard != null) return null;
                ctx.discard = "milter triggers DISCARD action";
                log(qid, "milter-discard", where, ctx.discard);
                return null;
            }
            case SHUTDOWN -> {
                log(qid, "milter-reject", where, "421 4.7.0 Server closing connection");
                return r;
            }
            default -> {
                log(qid, "milter-reject", where, r.text().replace("\r\n", " "));
                return r;
            }
        }
    }

    private void log(String qid, String action, String where, String text) {
        var ctx = s.ctx;
        // the decision trace (secumail explain QUEUEID): a milter's answer at MAIL and later; one
        // given at CONNECT or HELO is kept by the milter layer and shows as MAIL's reply
        if (s.tx.trace != null) s.tx.trace.note("milter " + action + " at " + where + ": " + text);
        SmtpSession.LOG.info("{}: {}: {} from {}: {}; from=<{}>{} proto={} helo=<{}>", qid, action, where, ctx.clientLabel(), text,
                ctx.sender == null ? "" : ctx.sender, ctx.recipient == null ? "" : " to=<" + ctx.recipient + ">", ctx.protocol,
                ctx.helo == null ? "" : ctx.helo);
    }

    /** A milter's SMTP reply text ("550 5.7.1 text", maybe several CRLF-separated lines) as a Reply. */
    static Reply toReply(MilterReply r) {
        if (r == null) return null;
        String text = r.kind() == MilterReply.Kind.SHUTDOWN ? "421 4.7.0 Server closing connection" : r.text();
        String[] lines = text.split("\r\n");
        int code = Integer.parseInt(lines[0].substring(0, 3));
        String enhanced = "";
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].length() > 4 ? lines[i].substring(4) : "";
            java.util.regex.Matcher m = ENHANCED.matcher(l);
            if (m.matches()) {
                if (i == 0) enhanced = m.group(1);
                l = m.group(2);
            }
            if (i > 0) body.append('\n');
            body.append(l);
        }
        return Reply.of(code, enhanced, body.toString());
    }
}
