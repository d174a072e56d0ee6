// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.sasl.SaslClientInfo;
import org.secumail.sasl.SaslException;
import org.secumail.sasl.SaslExchange;
import org.secumail.sasl.SaslStep;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.table.LookupException;

/**
 * SMTP AUTH (RFC 4954) framing for one session: the backend (org.secumail.sasl) runs the SASL
 * mechanism, this class turns its steps into 334 challenges and 235/535/454 replies, with
 * Postfix's reply texts. AUTH is offered after EHLO when smtpd_sasl_auth_enable = yes and the
 * session is in TLS, or smtpd_tls_auth_only = no. Every failure is answered the same way
 * ("535 5.7.8 Error: authentication failed: authentication failure") no sooner than
 * secumail_auth_failure_delay after the AUTH command, so neither the text nor the timing tells
 * an unknown user from a wrong password; failures are counted per client address by
 * {@link AuthGuard}, and at secumail_auth_failure_limit the session is closed with 421.
 */
public final class SmtpAuth {
    /** RFC 4954 section 4: a server must accept responses of at least 12288 octets. */
    static final int RESPONSE_LIMIT = 12288;
    /** Rounds of one exchange (SCRAM needs 3); more is a broken or hostile backend or client. */
    private static final int MAX_ROUNDS = 10;

    /** Parameters of the AUTH side of smtpd (docs/tls-auth.md). */
    public static final Map<String, String> PARAMETERS = build();

    private static Map<String, String> build() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("smtpd_tls_auth_only", "yes");                  // Postfix: no
        m.put("broken_sasl_auth_clients", "no");
        m.put("smtpd_sasl_authenticated_header", "no");
        m.put("smtpd_sender_login_maps", "");
        m.put("smtpd_client_auth_rate_limit", "0");
        m.put("anvil_rate_time_unit", "60s");
        m.put("secumail_auth_failure_limit", "5");
        m.put("secumail_auth_failure_window", "10m");
        m.put("secumail_auth_failure_delay", "1s");           // as Dovecot's auth_failure_delay
        m.put("secumail_auth_tarpit_delay", "5s");
        return m;
    }

    private SmtpAuth() { }

    /** True when AUTH may be used now. */
    static boolean offered(SmtpSession s) {
        return s.svc.sasl != null && (s.tlsActive() || !s.svc.tlsAuthOnly) && !StartTls.required(s, "AUTH");
    }

    /** Adds "AUTH mechs" (and "AUTH=mechs" with broken_sasl_auth_clients) to an EHLO reply. */
    static void ehloKeywords(SmtpSession s, StringBuilder sb) {
        if (!offered(s)) return;
        List<String> mechs;
        try {
            mechs = s.svc.sasl.mechanisms(s.tlsActive());
        } catch (IOException e) {
            SmtpSession.LOG.warn("warning: SASL authentication server: {}: AUTH not offered to {}", e.getMessage(), s.ctx.clientLabel());
            return;
        }
        if (mechs.isEmpty()) return;
        String list = String.join(" ", mechs);
        sb.append("\nAUTH ").append(list);
        if (s.svc.brokenSaslAuthClients) sb.append("\nAUTH=").append(list);   // Outlook Express 4 and friends
    }

    static void command(SmtpSession s, String arg) throws IOException {
        CheckContext ctx = s.ctx;
        if (!offered(s)) {
            s.error(Reply.of(503, "5.5.1", "Error: authentication not enabled"));
            return;
        }
        if (!s.heloSeen) {
            s.error(Reply.of(503, "5.5.1", "Error: send HELO/EHLO first"));
            return;
        }
        if (ctx.saslUser != null) {
            s.error(Reply.of(503, "5.5.1", "Error: already authenticated"));
            return;
        }
        if (s.tx.inTransaction()) {
            s.error(Reply.of(503, "5.5.1", "Error: MAIL transaction in progress"));
            return;
        }
        String[] parts = arg.isEmpty() ? new String[0] : arg.split(" +");
        if (parts.length < 1 || parts.length > 2) {
            s.error(Reply.of(501, "5.5.4", "Syntax: AUTH mechanism"));
            return;
        }
        AuthGuard guard = s.svc.authGuard;
        if (guard.blocked(ctx.clientAddr)) {
            SmtpSession.LOG.warn("warning: {}: AUTH refused: too many authentication failures within secumail_auth_failure_window", ctx.clientLabel());
            tooMany(s);
            return;
        }
        if (!rateExempt(s) && !guard.allowAttempt(ctx.clientAddr)) {
            SmtpSession.LOG.warn("warning: AUTH command rate limit exceeded for {} (smtpd_client_auth_rate_limit)", ctx.clientLabel());
            s.error(Reply.of(450, "4.7.1", "Error: too many AUTH commands from " + ctx.clientAddr));
            return;
        }
        String mech = parts[0].toUpperCase(Locale.ROOT);
        byte[] initial = null;
        if (parts.length == 2) {
            initial = decode(parts[1]);
            if (initial == null) {
                s.error(Reply.of(501, "5.5.2", "Cannot decode response"));
                return;
            }
        }
        long started = System.nanoTime();
        SaslExchange ex;
        try {
            ex = s.svc.sasl.start(mech, clientInfo(s));
        } catch (SaslException.UnknownMechanism e) {
            // Postfix with Dovecot SASL answers an unknown mechanism as a failed authentication
            SmtpSession.LOG.warn("warning: {}: SASL {} authentication failed: Invalid authentication mechanism", ctx.clientLabel(), mech);
            s.error(Reply.of(535, "5.7.8", "Error: authentication failed: Invalid authentication mechanism"));
            return;
        } catch (SaslException e) {
            failed(s, mech, e.getMessage(), started);
            return;
        } catch (IOException e) {
            temporary(s, mech, e.getMessage());
            return;
        }
        exchange(s, ex, mech, initial, started);
    }

    private static void exchange(SmtpSession s, SaslExchange ex, String mech, byte[] initial, long started) throws IOException {
        boolean done = false;
        try {
            byte[] response = initial;
            byte[] buf = new byte[RESPONSE_LIMIT];
            for (int round = 0; round < MAX_ROUNDS; round++) {
                SaslStep step;
                try {
                    step = ex.next(response);
                } catch (IOException e) {
                    temporary(s, mech, e.getMessage());
                    return;
                }
                switch (step) {
                    case SaslStep.Success ok -> {
                        done = true;
                        succeeded(s, mech, ok.username());
                        return;
                    }
                    case SaslStep.Failure f -> {
                        done = true;
                        if (f.temporary()) temporary(s, mech, f.reason());
                        else failed(s, mech, f.reason(), started);
                        return;
                    }
                    case SaslStep.Challenge c -> {
                        s.reply(Reply.of(334, "", Base64.getEncoder().encodeToString(c.data())));
                        s.out.flush();
                        SmtpInput.Line line = s.in.readLine(buf, RESPONSE_LIMIT);
                        if (line.eof()) throw new EOFException("lost connection during AUTH");
                        if (line.tooLong()) {
                            s.error(Reply.of(500, "5.5.6", "Authentication exchange line is too long"));
                            return;
                        }
                        String text = line.text().strip();
                        if (text.equals("*")) {   // RFC 4954 section 4: the client cancels
                            SmtpSession.LOG.info("{}: SASL {} authentication aborted by the client", s.ctx.clientLabel(), mech);
                            s.error(Reply.of(501, "5.7.0", "Authentication aborted"));
                            return;
                        }
                        // an empty line is an empty response (e.g. after SCRAM's server-final-message)
                        response = text.isEmpty() ? new byte[0] : decode(text);
                        if (response == null) {
                            s.error(Reply.of(501, "5.5.2", "Cannot decode response"));
                            return;
                        }
                    }
                }
            }
            failed(s, mech, "too many SASL rounds", started);
        } finally {
            if (!done) ex.abort();
        }
    }

    private static void succeeded(SmtpSession s, String mech, String user) throws IOException {
        s.ctx.saslUser = user;
        s.ctx.saslMethod = mech;
        SmtpSession.LOG.info("{}: SASL {} authentication succeeded: sasl_username={}", s.ctx.clientLabel(), mech, user);
        s.reply(Reply.of(235, "2.7.0", "Authentication successful"));
        org.secumail.metrics.Metrics.count("secumail.smtpd.auth", "result", "success");
    }

    private static void temporary(SmtpSession s, String mech, String reason) throws IOException {
        SmtpSession.LOG.warn("warning: {}: SASL {} authentication failed: temporary failure: {}", s.ctx.clientLabel(), mech, reason);
        s.error(Reply.of(454, "4.7.0", "Temporary authentication failure"));
    }

    /** A real failure: counted, padded to secumail_auth_failure_delay, answered the same for every cause. */
    private static void failed(SmtpSession s, String mech, String reason, long started) throws IOException {
        CheckContext ctx = s.ctx;
        AuthGuard guard = s.svc.authGuard;
        int n = guard.recordFailure(ctx.clientAddr);
        SmtpSession.LOG.warn("warning: {}: SASL {} authentication failed: {}", ctx.clientLabel(), mech, reason == null ? "authentication failure" : reason);
        s.out.flush();
        sleep(s.svc.authFailureDelay.minusNanos(System.nanoTime() - started));
        if (guard.failureLimit() > 0 && n >= guard.failureLimit()) {
            SmtpSession.LOG.warn("warning: {}: {} authentication failures within secumail_auth_failure_window: disconnecting", ctx.clientLabel(), n);
            sleep(s.svc.authTarpitDelay);   // tarpit: a guesser gets fewer tries per hour
            tooMany(s);
            return;
        }
        s.error(Reply.of(535, "5.7.8", "Error: authentication failed: authentication failure"));
        org.secumail.metrics.Metrics.count("secumail.smtpd.auth", "result", "failure");
    }

    private static void tooMany(SmtpSession s) throws IOException {
        s.reply(Reply.of(421, "4.7.0", s.svc.hostname + " Error: too many authentication failures"));
        s.out.flush();
        s.quit = true;
    }

    private static void sleep(Duration d) {
        if (d.isNegative() || d.isZero()) return;
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** smtpd_client_event_limit_exceptions applies to smtpd_client_auth_rate_limit, as in Postfix. */
    private static boolean rateExempt(SmtpSession s) {
        try {
            return s.ctx.clientAddress != null && s.svc.connectionLimitExceptions.matches(s.ctx.clientAddress, s.ctx.clientName);
        } catch (LookupException e) {
            return false;
        }
    }

    /** Base64 of a response; "=" is the empty response (RFC 4954 section 4); null when malformed. */
    static byte[] decode(String text) {
        if (text.equals("=")) return new byte[0];
        if (text.isEmpty() || !text.matches("[A-Za-z0-9+/]+={0,2}") || text.length() % 4 != 0) return null;
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static SaslClientInfo clientInfo(SmtpSession s) {
        int port = s.remote.getPort();
        InetSocketAddress local = s.local;
        return new SaslClientInfo(s.ctx.clientAddr, port, local == null ? "" : local.getAddress().getHostAddress(),
                local == null ? 0 : local.getPort(), s.tlsActive(), "smtp");
    }

    /**
     * MAIL FROM AUTH= (RFC 4954 section 5): xtext, "&lt;&gt;" or an address. Accepted when AUTH is
     * enabled on the service; false (after a reply) when malformed.
     */
    static boolean checkMailParam(SmtpSession s, String value) throws IOException {
        if (s.svc.sasl == null) {
            s.error(Reply.of(555, "5.5.4", "Unsupported option: AUTH"));
            return false;
        }
        if (value == null || value.isEmpty() || Xclient.xtextDecode(value) == null) {
            s.error(Reply.of(501, "5.5.4", "Bad AUTH parameter value"));
            return false;
        }
        return true;
    }

    /** The AUTH= mailbox to keep: only from an authenticated client (section 5), "&lt;&gt;" as none. */
    static String mailAuthSender(SmtpSession s, String value) {
        if (value == null || s.ctx.saslUser == null) return null;
        String v = Xclient.xtextDecode(value);
        if (v == null || v.equals("<>")) return null;
        if (v.startsWith("<") && v.endsWith(">")) v = v.substring(1, v.length() - 1);
        return v.getBytes(StandardCharsets.UTF_8).length > 320 ? null : v;
    }

    /** ", sasl_method=PLAIN, sasl_username=user[, sasl_sender=addr]" for the queue ID log line. */
    static String logFields(CheckContext ctx) {
        if (ctx.saslUser == null) return "";
        return ", sasl_method=" + ctx.saslMethod + ", sasl_username=" + ctx.saslUser
                + (ctx.saslSender == null ? "" : ", sasl_sender=" + ctx.saslSender);
    }
}
