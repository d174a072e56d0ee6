// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.secumail.smtpd.check.CheckContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session on its own virtual thread (RFC 5321). Lifecycle: {@link #run} greets, then
 * reads one command line at a time, dispatches it by verb and writes one reply; it ends on
 * QUIT, end of input, timeout (smtpd_timeout: 421 4.4.2) or too many errors
 * (smtpd_hard_error_limit: 421 4.7.0). Replies are flushed only when the client has no more
 * pipelined input (RFC 2920). Mail transaction commands live in {@link MailTransaction}.
 */
public final class SmtpSession implements Runnable {
    static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");
    /** RFC 5321 section 4.5.3.1.4: a command line is at most 512 octets with its CRLF. */
    static final int COMMAND_LIMIT = 510;
    private static final java.util.Set<String> JUNK = java.util.Set.of("HELO", "EHLO", "RSET", "NOOP", "VRFY", "ETRN");

    final SmtpdService svc;
    /** The connection; replaced by its TLS socket after STARTTLS or in wrapper mode. */
    Socket socket;
    /** The client's and our endpoint: the socket's, or what an upstream proxy reported. */
    final InetSocketAddress remote;
    final InetSocketAddress local;
    SmtpInput in;
    OutputStream out;
    final CheckContext ctx;
    final MailTransaction tx;
    final byte[] lineBuf = new byte[1024];
    final Map<String, Integer> counts = new LinkedHashMap<>();
    final String connectAddr;
    boolean esmtp;
    boolean heloSeen;
    int errors;
    /** HELO, EHLO, RSET, NOOP, VRFY and ETRN since the last message: over smtpd_junk_command_limit each counts as an error. */
    int junkCommands;
    /** With smtpd_delay_reject = no: the client list's rejection, given to MAIL and RCPT. */
    Reply clientReject;
    String lastCommand = "CONNECT";
    /** The TLS session once STARTTLS or implicit TLS succeeded; null in plaintext. */
    javax.net.ssl.SSLSession tlsSession;
    boolean quit;
    /** XFORWARD: the client is in smtpd_authorized_xforward_hosts (decided at connect). */
    boolean xforwardAllowed;
    /** XFORWARD attributes for the current transaction (NAME, ADDR, PORT, PROTO, HELO, IDENT, SOURCE). */
    final Map<String, String> xforward = new LinkedHashMap<>();
    /** The smtpd_milters of this session, or null when the service has none. */
    SessionMilters milters;

    public SmtpSession(SmtpdService svc, Socket socket) throws IOException {
        this(svc, socket, new byte[0]);
    }

    /** @param pending what the client already sent (postscreen read it during its greet test) */
    public SmtpSession(SmtpdService svc, Socket socket, byte[] pending) throws IOException {
        this(svc, socket, pending, null);
    }

    /**
     * @param endpoints the client and server a proxy reported (haproxy protocol), or null for
     *                  the socket's own
     */
    public SmtpSession(SmtpdService svc, Socket socket, byte[] pending, ProxyProtocol.Endpoints endpoints) throws IOException {
        this.svc = svc;
        this.socket = socket;
        this.remote = endpoints != null ? endpoints.client() : (InetSocketAddress) socket.getRemoteSocketAddress();
        this.local = endpoints != null ? endpoints.server() : (InetSocketAddress) socket.getLocalSocketAddress();
        this.in = new SmtpInput(pending.length == 0 ? socket.getInputStream()
                : new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(pending), socket.getInputStream()));
        this.out = new BufferedOutputStream(socket.getOutputStream(), 1024);
        this.ctx = new CheckContext(svc.checks);
        ctx.shadow = svc.shadowMode;
        this.tx = new MailTransaction(this);
        ClientIdentity.fromSocket(ctx, remote.getAddress(), svc);
        this.connectAddr = ctx.clientAddr;
        this.milters = SessionMilters.open(this);
        this.xforwardAllowed = XforwardCommand.authorized(svc, ctx.clientAddress, ctx.clientName);
    }

    @Override
    public void run() {
        LOG.info("connect from {}", ctx.clientLabel());
        org.secumail.metrics.Metrics.count("secumail.smtpd.connections", "service", svc.name);
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, svc.timeout.toMillis()));
            if (svc.tls.wrapperMode && (StartTls.newSessionRefusedBeforeTls(this) || !StartTls.handshake(this))) return;   // RFC 8314: TLS before the greeting
            if (!greet()) return;
            while (!quit && !socket.isClosed()) {
                SmtpInput.Line line = in.readLine(lineBuf, COMMAND_LIMIT);
                if (line.eof() && line.length() == 0) {
                    LOG.info("lost connection after {} from {}", lastCommand, ctx.clientLabel());
                    break;
                }
                handle(line);
                if (errors >= svc.hardErrorLimit && !quit) {
                    reply(Reply.of(421, "4.7.0", svc.hostname + " Error: too many errors"));
                    LOG.info("too many errors after {} from {}", lastCommand, ctx.clientLabel());
                    break;
                }
                if (!in.hasBufferedInput()) out.flush();
            }
            out.flush();
        } catch (SocketTimeoutException e) {
            LOG.info("timeout after {} from {}", lastCommand, ctx.clientLabel());
            try {
                out.write(footed(Reply.of(421, "4.4.2", svc.hostname + " Error: timeout exceeded")).wire());
                out.flush();
            } catch (IOException ignored) {
                // the client is gone; nothing more to tell it
            }
        } catch (IOException e) {
            LOG.info("lost connection after {} from {}", lastCommand, ctx.clientLabel());
        } catch (RuntimeException e) {
            // A bug must cost one session, never the server: log it and tell the client to retry.
            LOG.error("fatal error in session with {} after {}", ctx.clientLabel(), lastCommand, e);
            try {
                out.write(footed(Reply.of(421, "4.3.0", svc.hostname + " Error: internal error")).wire());
                out.flush();
            } catch (IOException ignored) {
                // nothing more to do
            }
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            tx.abort();
            tx.endOfSession();
            if (milters != null) milters.close();
            ConnectionLimits.release(svc, connectAddr);
            LOG.info("disconnect from {}{}", ctx.clientLabel(), countsText());
        }
    }

    private boolean greet() throws IOException {
        String refuse = ConnectionLimits.refusal(svc, ctx);
        if (refuse != null) {
            reply(Reply.of(421, "4.7.0", svc.hostname + " Error: " + refuse));
            LOG.warn("{} from {}", refuse, ctx.clientLabel());
            out.flush();
            return false;
        }
        int rate = AnvilRates.count(svc, ctx, AnvilRates.Kind.CONNECTION);
        if (rate > 0) {
            LOG.warn("warning: Connection rate limit exceeded: {} from {} for service {}", rate, ctx.clientLabel(), svc.name);
            reply(Reply.of(421, "4.7.0", svc.hostname + " Error: too many connections from " + ctx.clientAddr));
            out.flush();
            return false;
        }
        checkClientNow();
        if (clientReject != null) {
            error(clientReject);   // smtpd_delay_reject = no: the rejection is the greeting
        } else if (milters != null) {
            if (!milters.connect()) {
                out.flush();
                return false;
            }
        } else {
            reply(Reply.of(220, "", svc.banner));
        }
        out.flush();
        return true;
    }

    private void handle(SmtpInput.Line line) throws IOException {
        if (line.tooLong()) {
            count("unknown");
            error(Reply.of(500, "5.5.2", "Error: line too long"));
            return;
        }
        if ((line.bareLf() || line.bareCr()) && BareNewline.forbidden(svc, ctx)) {
            count("unknown");
            LOG.info("warning: bare {} received from {} in command", line.bareLf() ? "<LF>" : "<CR>", ctx.clientLabel());
            error(Reply.of(svc.bareNewlineCode, "5.5.2", svc.hostname + " Error: bare " + (line.bareLf() ? "<LF>" : "<CR>") + " received"));
            quit = true;   // as Postfix: after a bare newline in a command the session is not trusted further
            return;
        }
        if (line.hasNul()) {
            count("unknown");
            error(Reply.of(500, "5.5.2", "Error: NUL character in command"));
            return;
        }
        String text = line.text();
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            count("unknown");
            error(Reply.of(500, "5.5.2", "Error: bad syntax"));
            return;
        }
        int sp = trimmed.indexOf(' ');
        String verb = (sp < 0 ? trimmed : trimmed.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : trimmed.substring(sp + 1).strip();
        if (!esmtp && !verb.equals("EHLO") && !verb.equals("QUIT") && in.hasBufferedInput()) {
            ctx.illegalPipelining = true;   // RFC 2920: only clients that saw PIPELINING may send ahead
        }
        lastCommand = verb;
        ctx.command = verb;
        String word = sp < 0 ? trimmed : trimmed.substring(0, sp);
        if (NonSmtpCommand.forbidden(svc, word)) {
            count("unknown");
            LOG.warn("warning: non-SMTP command from {}: {}", ctx.clientLabel(),
                    org.secumail.postscreen.Postscreen.escape(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            reply(Reply.of(221, "2.7.0", "Error: I can break rules, too. Goodbye."));
            quit = true;
            return;
        }
        if (clientReject != null && !verb.equals("QUIT") && !verb.equals("NOOP") && !verb.equals("RSET") && !verb.equals("HELP")) {
            // after a client rejection (smtpd_delay_reject = no) Postfix refuses every other command
            count(verb);
            error(Reply.of(503, "5.7.0", "Error: access denied for " + ctx.clientLabel()));
            return;
        }
        if (StartTls.required(this, verb)) {
            count(verb);
            error(Reply.of(530, "5.7.0", "Must issue a STARTTLS command first"));
            return;
        }
        if (JUNK.contains(verb) && junkCommands++ > svc.junkCommandLimit) errors++;   // Postfix's SMTPD_CMD_FLAG_LIMIT
        switch (verb) {
            case "HELO", "EHLO" -> { count(verb); helo(verb, arg); }
            case "STARTTLS" -> { count(verb); StartTls.command(this, arg); }
            case "AUTH" -> { count(verb); SmtpAuth.command(this, arg); }
            case "MAIL" -> { count(verb); tx.traceCommand(verb, trimmed); tx.mail(arg); }
            case "RCPT" -> { count(verb); tx.traceCommand(verb, trimmed); tx.rcpt(arg); }
            case "DATA" -> { count(verb); tx.traceCommand(verb, trimmed); tx.data(arg); }
            case "RSET" -> { count(verb); rset(arg); }
            case "NOOP" -> { count(verb); reply(Reply.of(250, "2.0.0", "Ok")); }
            case "QUIT" -> { count(verb); reply(Reply.of(221, "2.0.0", "Bye")); quit = true; }
            case "VRFY" -> { count(verb); vrfy(arg); }
            case "HELP" -> { count(verb); reply(Reply.of(214, "2.0.0", "Commands: HELO EHLO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP")); }
            case "XCLIENT" -> { count(verb); Xclient.handle(this, arg); }
            case "XFORWARD" -> { count(verb); XforwardCommand.handle(this, arg); }
            default -> {
                count("unknown");
                lastCommand = "UNKNOWN";
                Reply m = milters == null ? null : milters.unknown(trimmed);
                error(m != null ? m : Reply.of(500, "5.5.2", "Error: command not recognized"));
            }
        }
    }

    private void helo(String verb, String arg) throws IOException {
        if (arg.isEmpty()) {
            error(Reply.of(501, "5.5.4", "Syntax: " + verb + " hostname"));
            return;
        }
        if (!svc.delayReject) {
            // As Postfix's helo_cmd: a refused HELO changes nothing, and does not count as the
            // HELO that smtpd_helo_required asks for; the session keeps any earlier one.
            String before = ctx.helo;
            ctx.helo = arg;
            Reply r = tx.checkStage(org.secumail.smtpd.check.Stage.HELO);
            ctx.helo = before;
            if (r != null) {
                error(r);
                return;
            }
        }
        tx.abort();
        ctx.helo = arg;
        heloSeen = true;
        esmtp = verb.equals("EHLO");
        ctx.protocol = esmtp ? "ESMTP" : "SMTP";
        if (milters != null) {
            Reply m = milters.helo(arg);
            if (m != null) {   // 421: the milter ends the session
                reply(m);
                quit = true;
                return;
            }
        }
        if (!esmtp) {
            reply(Reply.of(250, "", svc.hostname));
            return;
        }
        StringBuilder sb = new StringBuilder(svc.hostname);
        sb.append("\nPIPELINING");
        sb.append("\nSIZE ").append(svc.messageSizeLimit);
        if (!svc.disableVrfy) sb.append("\nVRFY");
        if (svc.tls.enabled() && tlsSession == null) sb.append("\nSTARTTLS");
        SmtpAuth.ehloKeywords(this, sb);
        if (Xclient.authorized(this)) sb.append("\nXCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT");
        if (xforwardAllowed) sb.append("\nXFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
        sb.append("\nENHANCEDSTATUSCODES");
        sb.append("\n8BITMIME");
        if (svc.dsn) sb.append("\nDSN");
        if (svc.smtputf8) sb.append("\nSMTPUTF8");
        reply(Reply.of(250, "", sb.toString()));
    }

    private void rset(String arg) throws IOException {
        if (!arg.isEmpty()) {
            error(Reply.of(501, "5.5.4", "Syntax: RSET"));
            return;
        }
        tx.abort();
        reply(Reply.of(250, "2.0.0", "Ok"));
    }

    /** VRFY never tells whether an address exists (no address harvesting; RFC 5321 section 3.5.3). */
    private void vrfy(String arg) throws IOException {
        if (svc.disableVrfy) {
            error(Reply.of(502, "5.5.1", "VRFY command is disabled"));
            return;
        }
        if (arg.isEmpty()) {
            error(Reply.of(501, "5.5.4", "Syntax: VRFY address"));
            return;
        }
        reply(Reply.of(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
    }

    /**
     * With smtpd_delay_reject = no the client list runs at connect time (and again after
     * XCLIENT); its rejection answers every MAIL and RCPT, as in Postfix.
     */
    void checkClientNow() {
        svc.checks.prefetchClient(ctx);   // DNS list lookups for this client start now, in parallel
        clientReject = svc.delayReject ? null : tx.checkStage(org.secumail.smtpd.check.Stage.CLIENT);
        if (clientReject != null) {
            LOG.info("NOQUEUE: reject: CONNECT from {}: {}; proto={}", ctx.clientLabel(), clientReject.line(), ctx.protocol);
        }
    }

    /** True once the connection is protected by TLS. */
    boolean tlsActive() { return tlsSession != null; }

    /**
     * After the TLS handshake: read and write through the TLS socket, and forget what the
     * client said in plaintext (RFC 3207 section 4.2: HELO, the transaction, AUTH).
     */
    void startedTls(javax.net.ssl.SSLSocket ssl) throws IOException {
        out.flush();
        socket = ssl;
        in = new SmtpInput(ssl.getInputStream());
        out = new BufferedOutputStream(ssl.getOutputStream(), 4096);
        tlsSession = ssl.getSession();
        ctx.tlsProtocol = tlsSession.getProtocol();
        ctx.tlsCipher = tlsSession.getCipherSuite();
        ctx.tlsBits = org.secumail.tls.ServerTls.cipherBits(ctx.tlsCipher);
        resetSession();
        ctx.protocol = "SMTP";
        if (!"XCLIENT".equals(ctx.saslMethod)) {   // an XCLIENT LOGIN is the proxy's word and stays
            ctx.saslUser = null;
            ctx.saslMethod = null;
        }
    }

    /** Resets HELO and the transaction, as XCLIENT requires (XCLIENT_README). */
    void resetSession() {
        tx.abort();
        ctx.helo = null;
        heloSeen = false;
        esmtp = false;
        ctx.illegalPipelining = false;
    }

    /** The reply with smtpd_reject_footer when it is a 4XX or 5XX one (smtpd_chat_reply()). */
    private Reply footed(Reply r) {
        return svc.rejectFooter.enabled() ? svc.rejectFooter.apply(r, ctx, remote.getPort(), tx.firstRecipient()) : r;
    }

    void reply(Reply r) throws IOException {
        r = footed(r);
        out.write(r.wire());
        tx.traceReply(r);
        org.secumail.metrics.Metrics.count("secumail.smtpd.replies", "code", Integer.toString(r.code()));
    }

    /** An error reply: counted for smtpd_soft_error_limit / smtpd_hard_error_limit. */
    void error(Reply r) throws IOException {
        errors++;
        if (errors > svc.softErrorLimit && !svc.errorSleep.isZero()) {
            out.flush();
            try {
                Thread.sleep(svc.errorSleep);   // tarpit a client that keeps making errors, as Postfix does
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reply(r);
    }

    void count(String verb) {
        counts.merge(verb.toLowerCase(Locale.ROOT), 1, Integer::sum);
    }

    private String countsText() {
        StringBuilder sb = new StringBuilder();
        int total = 0;
        for (var e : counts.entrySet()) {
            sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
            total += e.getValue();
        }
        return sb.append(" commands=").append(total).toString();
    }
}
