// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.secumail.tls.ServerTls;

/**
 * STARTTLS (RFC 3207) and implicit TLS (RFC 8314) for one session. STARTTLS is offered while
 * the session is in plaintext and the service's smtpd_tls_security_level is may or encrypt;
 * with encrypt, every command but those Postfix allows before TLS is refused with
 * "530 5.7.0 Must issue a STARTTLS command first". Plaintext the client sent after STARTTLS
 * (pipelined in the same packet) is discarded and logged, never executed inside TLS: this is
 * the 2011 STARTTLS command-injection flaw (CVE-2011-0411). A failed or timed-out handshake
 * (smtpd_starttls_timeout) is logged and ends the connection.
 */
final class StartTls {
    /** Postfix's SMTPD_CMD_FLAG_PRE_TLS commands: allowed before STARTTLS with level encrypt. */
    private static final Set<String> PRE_TLS = Set.of("HELO", "EHLO", "STARTTLS", "XCLIENT", "RSET", "NOOP", "QUIT");

    private StartTls() { }

    /** True when {@code verb} must wait for TLS (smtpd_tls_security_level = encrypt). */
    static boolean required(SmtpSession s, String verb) {
        return s.svc.tls.level == ServerTls.Level.ENCRYPT && !s.tlsActive() && !PRE_TLS.contains(verb);
    }

    static void command(SmtpSession s, String arg) throws IOException {
        if (!s.svc.tls.enabled()) {
            s.error(Reply.of(502, "5.5.1", "Error: command not implemented"));
            return;
        }
        if (!arg.isEmpty()) {
            s.error(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
            return;
        }
        if (s.tx.inTransaction()) {
            s.error(Reply.of(503, "5.5.1", "Error: MAIL transaction in progress"));
            return;
        }
        if (s.tlsActive()) {
            s.error(Reply.of(554, "5.5.1", "Error: TLS already active"));   // Postfix's reply
            return;
        }
        // Before the 220: what the client sent after STARTTLS so far is plaintext it had no
        // right to send (RFC 3207 section 5). After the 220 the client's next bytes are its
        // TLS ClientHello, so the check must come first.
        int junk = s.in.discardBuffered();
        if (junk > 0) {
            SmtpSession.LOG.warn("warning: {}: discarding {} bytes of plaintext pipelined after STARTTLS (command injection attempt, CVE-2011-0411)",
                    s.ctx.clientLabel(), junk);
        }
        if (newSessionRefused(s)) return;
        s.reply(Reply.of(220, "2.0.0", "Ready to start TLS"));
        s.out.flush();
        if (!handshake(s)) s.quit = true;
    }

    /**
     * smtpd_client_new_tls_session_rate_limit: with the limit reached in this time unit, the
     * client gets 421 and the session ends, as in Postfix; resumed sessions do not count.
     */
    static boolean newSessionRefused(SmtpSession s) throws IOException {
        int n = AnvilRates.over(s.svc, s.ctx, AnvilRates.Kind.NEW_TLS);
        if (n == 0) return false;
        SmtpSession.LOG.warn("warning: New TLS session rate limit exceeded: {} from {} for service {}", n, s.ctx.clientLabel(), s.svc.name);
        s.reply(Reply.of(421, "4.7.0", s.svc.hostname + " Error: too many new TLS sessions from " + s.ctx.clientAddr));
        s.out.flush();
        s.quit = true;
        return true;
    }

    /** A session from the server's cache (its creation predates this handshake by more than a moment). */
    private static boolean resumed(javax.net.ssl.SSLSession session) {
        return System.currentTimeMillis() - session.getCreationTime() > 2000;
    }

    /** Implicit TLS: over the limit, the connection is closed before any TLS, with the log line. */
    static boolean newSessionRefusedBeforeTls(SmtpSession s) {
        int n = AnvilRates.over(s.svc, s.ctx, AnvilRates.Kind.NEW_TLS);
        if (n == 0) return false;
        SmtpSession.LOG.warn("warning: New TLS session rate limit exceeded: {} from {} for service {}", n, s.ctx.clientLabel(), s.svc.name);
        return true;
    }

    /** Runs the server handshake on the session's socket; false (logged) when it fails. */
    static boolean handshake(SmtpSession s) throws IOException {
        ServerTls tls = s.svc.tls;
        s.out.flush();
        SSLSocket ssl = tls.wrap(s.socket);
        s.socket = ssl;   // from now on closing the session closes the TLS socket
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, tls.handshakeTimeout.toMillis()));
        try {
            ssl.startHandshake();
        } catch (SocketTimeoutException e) {
            SmtpSession.LOG.info("SSL_accept error from {}: timeout after {}s", s.ctx.clientLabel(), tls.handshakeTimeout.toSeconds());
            return false;
        } catch (IOException e) {
            SmtpSession.LOG.warn("warning: TLS library problem: {}", e.getMessage());
            SmtpSession.LOG.info("SSL_accept error from {}: {}", s.ctx.clientLabel(), e.getClass().getSimpleName());
            return false;
        }
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, s.svc.timeout.toMillis()));
        if (!resumed(ssl.getSession())) AnvilRates.count(s.svc, s.ctx, AnvilRates.Kind.NEW_TLS);
        s.startedTls(ssl);
        SmtpSession.LOG.info("Anonymous TLS connection established from {}: {}", s.ctx.clientLabel(), ServerTls.describe(ssl.getSession()));
        org.secumail.metrics.Metrics.count("secumail.tls.sessions", "protocol", ssl.getSession().getProtocol());
        return true;
    }
}
