// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;

/**
 * Opens a session as smtp(8) does: connect (smtp_connect_timeout), the greeting and EHLO
 * (smtp_helo_timeout; HELO when EHLO is refused, LHLO for LMTP), STARTTLS per
 * smtp_tls_security_level (RFC 3207; "may" and "encrypt" do not verify the certificate, as
 * in Postfix, "verify" and "secure" do, against the JDK's trust store) and then AUTH
 * when a password is configured for the server ({@link SaslLogin}).
 */
final class SessionOpener {
    private final ClientSettings s;
    private final SaslLogin sasl;
    private final Logger log;
    private final SSLContext opportunistic;

    SessionOpener(ClientSettings s, SaslLogin sasl, Logger log) {
        this.s = s;
        this.sasl = sasl;
        this.log = log;
        this.opportunistic = trustAll();
    }

    /** Connects over TCP to one MX candidate; {@code nexthop} is the configured destination for SASL lookups. */
    ClientSession open(MxLookup.Candidate c, int port, String nexthop, String domain, boolean tryTls, String sender) throws SessionException {
        return open(c, port, nexthop, domain, tryTls, sender, s.tlsLevel());
    }

    /** With {@code level} in place of smtp_tls_security_level (smtp_tls_policy_maps). */
    ClientSession open(MxLookup.Candidate c, int port, String nexthop, String domain, boolean tryTls, String sender, String level)
            throws SessionException {
        String label = c.toString();
        String addrText = c.address().getHostAddress();
        SmtpWire wire;
        try {
            wire = SmtpWire.connect(new InetSocketAddress(c.address(), port), s.connectTimeout());
        } catch (SocketTimeoutException e) {
            throw SessionException.soft("4.4.1", "none", "connect to " + label + ":" + port + ": Connection timed out");
        } catch (ConnectException e) {
            throw SessionException.soft("4.4.1", "none", "connect to " + label + ":" + port + ": Connection refused");
        } catch (IOException e) {
            throw SessionException.soft("4.4.1", "none", "connect to " + label + ":" + port + ": " + e.getMessage());
        }
        ClientSession cs = new ClientSession(wire, label, label + ":" + port, c.hostname());
        try {
            handshake(cs, tryTls, level);
            if (s.saslEnable()) sasl.authenticate(cs, nexthop, domain, s, sender);
            log.debug("session with {} ({}) ready: {}", label, addrText, cs.keywords);
            return cs;
        } catch (SessionException e) {
            cs.close();
            throw e;
        } catch (IOException e) {
            SessionException f = failure(cs, e);
            cs.close();
            throw f;
        }
    }

    /** Connects to an LMTP server on a UNIX-domain socket. */
    ClientSession openUnix(Path path) throws SessionException {
        SmtpWire wire;
        try {
            wire = SmtpWire.connect(path, s.connectTimeout());
        } catch (IOException e) {
            throw SessionException.soft("4.4.1", "none", "connect to " + path + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        ClientSession cs = new ClientSession(wire, path.toString(), path.toString(), "localhost");
        try {
            handshake(cs, false, "none");
            return cs;
        } catch (SessionException e) {
            cs.close();
            throw e;
        } catch (IOException e) {
            SessionException f = failure(cs, e);
            cs.close();
            throw f;
        }
    }

    /** "lost connection with X while ..." or "conversation with X timed out while ...". */
    static SessionException failure(ClientSession cs, IOException e) {
        String stage = cs.wire.stageName();
        String text;
        if (e instanceof SmtpWire.ProtocolException) {
            text = "conversation with " + cs.label + " failed while " + stage + ": " + e.getMessage();
        } else if (cs.wire.timedOut() || e instanceof SocketTimeoutException) {
            text = "conversation with " + cs.label + " timed out while " + stage;
        } else if (e instanceof EOFException || !cs.wire.isOpen() || e instanceof java.net.SocketException) {
            text = "lost connection with " + cs.label + " while " + stage;
        } else {
            text = "conversation with " + cs.label + " failed while " + stage + ": " + SmtpWire.printable(String.valueOf(e.getMessage()));
        }
        return SessionException.soft("4.4.2", cs.relay, text);
    }

    private void handshake(ClientSession cs, boolean tryTls, String level) throws IOException, SessionException {
        cs.wire.stage("receiving the initial server greeting", s.heloTimeout());
        Reply greeting = cs.wire.readReply();
        if (!greeting.positive()) {
            boolean hard = greeting.permanentFailure() && !s.skip5xxGreeting();
            String dsn = greeting.permanentFailure() && !hard ? "4" + greeting.dsn().substring(1) : greeting.dsn();
            throw new SessionException(hard, dsn, cs.relay, "host " + cs.label + " refused to talk to me: " + greeting.text());
        }
        hello(cs);
        if (!level.equals("none") && tryTls) {
            if (!cs.has("STARTTLS")) {
                if (!level.equals("may")) {
                    throw SessionException.soft("4.7.4", cs.relay, "TLS is required, but was not offered by host " + cs.label);
                }
            } else {
                cs.wire.stage("sending STARTTLS", s.starttlsTimeout());
                cs.wire.write("STARTTLS");
                cs.wire.flush();
                Reply r = cs.wire.readReply();
                if (!r.positive()) {
                    if (!level.equals("may")) {
                        throw SessionException.soft("4.7.5", cs.relay, "TLS is required, but host " + cs.label
                                + " refused to start TLS: " + r.text());
                    }
                } else {
                    boolean verify = level.equals("verify") || level.equals("secure");
                    try {
                        cs.wire.startTls(verify ? SSLContext.getDefault() : opportunistic, cs.hostname, verify);
                    } catch (SSLException | GeneralSecurityException e) {
                        throw SessionException.soft("4.7.5", cs.relay, "TLS handshake with " + cs.label + " failed: "
                                + SmtpWire.printable(String.valueOf(e.getMessage())));
                    }
                    log.info("{} TLS connection established to {}: {}", verify ? "Verified" : "Anonymous",
                            cs.relay, cs.wire.tlsDescription());
                    hello(cs);   // RFC 3207 section 4.2: forget what was learned before TLS
                }
            }
        }
    }

    private void hello(ClientSession cs) throws IOException, SessionException {
        String name = s.heloName();
        cs.wire.stage("performing the " + (s.lmtp() ? "LHLO" : "EHLO") + " handshake", s.heloTimeout());
        if (s.lmtp() || !s.neverSendEhlo()) {
            cs.wire.write((s.lmtp() ? "LHLO " : "EHLO ") + name);
            cs.wire.flush();
            Reply r = cs.wire.readReply();
            if (r.positive()) {
                cs.extensions(r);
                return;
            }
            if (s.lmtp() || r.transientFailure()) {
                throw new SessionException(false, r.transientFailure() ? r.dsn() : "4" + r.dsn().substring(1), cs.relay,
                        "host " + cs.label + " refused to talk to me: " + r.text() + " (in reply to " + (s.lmtp() ? "LHLO" : "EHLO") + " command)");
            }
        }
        cs.wire.stage("performing the HELO handshake", s.heloTimeout());
        cs.wire.write("HELO " + name);
        cs.wire.flush();
        Reply r = cs.wire.readReply();
        if (!r.positive()) {
            throw new SessionException(r.permanentFailure(), r.dsn(), cs.relay, "host " + cs.label + " said: " + r.text()
                    + " (in reply to HELO command)");
        }
        cs.esmtp = false;
        cs.keywords.clear();
        cs.sizeLimit = 0;
    }

    /** Postfix's "may" and "encrypt": encryption without certificate checks (RFC 7435 opportunistic security). */
    private static SSLContext trustAll() {
        TrustManager tm = new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }
}
