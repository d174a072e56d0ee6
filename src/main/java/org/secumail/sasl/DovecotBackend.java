// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * smtpd_sasl_type = dovecot: SMTP AUTH decided by a Dovecot auth service over its
 * auth-client socket (smtpd_sasl_path: a unix socket, or inet:host:port), as Postfix's
 * xsasl_dovecot_server does it. Dovecot runs the mechanism; this class relays the client's
 * responses (AUTH, CONT) and Dovecot's challenges, and maps OK and FAIL to the result.
 *
 * <p>One connection is shared by all sessions and opened again after a failure. If Dovecot
 * cannot be reached the exchange fails temporarily (454 4.7.0), never permanently.
 */
public final class DovecotBackend implements SaslBackend {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.sasl");
    private final String endpoint;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();
    private DovecotConnection conn;
    private volatile List<DovecotConnection.Mech> lastMechs;
    /** After a failed connect, EHLO announces the last known mechanisms without trying again until then. */
    private volatile long quietUntil;
    static final long EHLO_RETRY_MILLIS = 5000;

    /**
     * @param endpoint a unix socket path or "inet:host:port"
     * @param timeout  for connecting, the handshake and each reply (Dovecot delays failures by
     *                 auth_failure_delay, 2s by default)
     */
    public DovecotBackend(String endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    public String endpoint() {
        return endpoint;
    }

    private synchronized DovecotConnection connection() throws IOException {
        if (conn == null || conn.broken()) {
            conn = DovecotConnection.open(endpoint, timeout);
            lastMechs = conn.mechanisms();
            quietUntil = 0;
            LOG.info("SASL: connected to Dovecot auth service {}: mechanisms {}", endpoint, names(lastMechs));
        }
        return conn;
    }

    private synchronized void drop(DovecotConnection c) {
        c.close();
        if (conn == c) conn = null;
    }

    /**
     * Dovecot's mechanisms, minus those it marks "private" (not to be announced). Whether a
     * plaintext mechanism may be used without TLS is not said by the protocol (Dovecot's
     * disable_plaintext_auth is applied by its own login processes), so the SMTP server decides
     * with smtpd_tls_auth_only.
     *
     * @throws IOException when Dovecot cannot be reached and never was
     */
    @Override
    public List<String> mechanisms(boolean secured) throws IOException {
        List<DovecotConnection.Mech> m = lastMechs;
        // a Dovecot that is down (or a host that drops packets) must not make every EHLO wait
        if (m != null && System.currentTimeMillis() < quietUntil) return names(m);
        try {
            m = connection().mechanisms();
        } catch (IOException e) {
            quietUntil = System.currentTimeMillis() + EHLO_RETRY_MILLIS;
            m = lastMechs;
            if (m == null) throw e;
            LOG.warn("warning: {}: announcing the last known mechanisms", e.getMessage());
        }
        return names(m);
    }

    private static List<String> names(List<DovecotConnection.Mech> m) {
        List<String> out = new ArrayList<>();
        for (DovecotConnection.Mech x : m) {
            if (!x.flags().contains("private")) out.add(x.name());
        }
        return List.copyOf(out);
    }

    @Override
    public SaslExchange start(String mechanism, SaslClientInfo client) throws IOException, SaslException {
        String mech = mechanism.toUpperCase(Locale.ROOT);
        if (!mechanisms(client.secured()).contains(mech)) throw new SaslException.UnknownMechanism(mechanism);
        return new Exchange(mech, client);
    }

    @Override
    public synchronized void close() {
        if (conn != null) conn.close();
        conn = null;
    }

    /** One AUTH request: the first response goes with AUTH (resp=), later ones with CONT. */
    private final class Exchange implements SaslExchange {
        private final String mech;
        private final SaslClientInfo client;
        private DovecotConnection c;
        private BlockingQueue<String[]> replies;
        private long id;
        private int steps;
        private String pendingUser;  // OK carried final data: send it as a challenge first
        private boolean done;

        Exchange(String mech, SaslClientInfo client) {
            this.mech = mech;
            this.client = client;
        }

        @Override
        public SaslStep next(byte[] response) {
            if (done) return new SaslStep.Failure("SASL " + mech + ": exchange already finished", false);
            if (pendingUser != null) {
                done = true;
                return new SaslStep.Success(pendingUser);
            }
            if (++steps > 16) return finish(new SaslStep.Failure("SASL " + mech + ": too many steps", false));
            if (response != null && response.length > PasswdFileBackend.MAX_RESPONSE) {
                return finish(new SaslStep.Failure("SASL " + mech + ": response too long", false));
            }
            if (c == null) return first(response, true);
            try {
                c.send("CONT\t" + id + "\t" + Base64.getEncoder().encodeToString(response == null ? new byte[0] : response) + "\n");
            } catch (IOException e) {
                drop(c);
                return finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": " + e.getMessage(), true));
            }
            return await(false, null);
        }

        private SaslStep first(byte[] response, boolean mayRetry) {
            try {
                c = connection();
            } catch (IOException e) {
                return finish(new SaslStep.Failure(e.getMessage(), true));
            }
            id = ids.incrementAndGet() & 0xffffffffL;
            replies = c.register(id);
            StringBuilder line = new StringBuilder("AUTH\t").append(id).append('\t').append(mech)
                    .append("\tservice=").append(DovecotConnection.escape(client.service() == null ? "smtp" : client.service()))
                    .append("\tnologin");  // as Postfix: a plain authentication, no login to a Dovecot mail process
            if (client.localAddr() != null) line.append("\tlip=").append(DovecotConnection.escape(client.localAddr()));
            if (client.clientAddr() != null) line.append("\trip=").append(DovecotConnection.escape(client.clientAddr()));
            if (client.localPort() > 0) line.append("\tlport=").append(client.localPort());
            if (client.clientPort() > 0) line.append("\trport=").append(client.clientPort());
            if (client.secured()) line.append("\tsecured");
            if (response != null) line.append("\tresp=").append(Base64.getEncoder().encodeToString(response));
            try {
                c.send(line.append('\n').toString());
            } catch (IOException e) {
                return retryOrFail(response, mayRetry, e.getMessage());
            }
            return await(mayRetry, response);
        }

        /** A shared connection may have died while idle: open a new one once, before any reply. */
        private SaslStep retryOrFail(byte[] response, boolean mayRetry, String why) {
            c.unregister(id);
            drop(c);
            c = null;
            if (mayRetry) return first(response, false);
            return finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": " + why, true));
        }

        private SaslStep await(boolean mayRetry, byte[] firstResponse) {
            String[] f;
            try {
                f = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return finish(new SaslStep.Failure("interrupted", true));
            }
            if (f == null) {
                // Dovecot is stuck: a new connection for the next request
                drop(c);
                return finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": no reply in " + timeout.toSeconds() + "s", true));
            }
            if (f == DovecotConnection.BROKEN) {
                if (mayRetry) return retryOrFail(firstResponse, true, "connection lost");
                return finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": connection lost", true));
            }
            return switch (f[0]) {
                case "CONT" -> new SaslStep.Challenge(decode(f.length > 2 ? f[2] : ""));
                case "OK" -> ok(f);
                case "FAIL" -> finish(failure(f));
                default -> finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": unexpected reply " + f[0], true));
            };
        }

        private SaslStep ok(String[] f) {
            String user = param(f, "user=");
            if (user == null) return finish(new SaslStep.Failure("Dovecot auth service " + endpoint + ": OK without user", true));
            String resp = param(f, "resp=");
            finish(null);
            if (resp != null && !resp.isEmpty()) {
                pendingUser = user;  // RFC 4954: additional data with success goes in a 334 first
                done = false;
                return new SaslStep.Challenge(decode(resp));
            }
            return new SaslStep.Success(user);
        }

        private SaslStep.Failure failure(String[] f) {
            boolean temp = false;
            for (int i = 2; i < f.length; i++) temp |= f[i].equals("temp");
            String reason = param(f, "reason=");
            String user = param(f, "user=");
            return new SaslStep.Failure("Dovecot: " + (reason != null ? reason : "authentication failed")
                    + (user != null ? " (user " + user + ")" : ""), temp);
        }

        private SaslStep finish(SaslStep s) {
            done = true;
            if (c != null) c.unregister(id);
            return s;
        }

        @Override
        public void abort() {
            if (!done && c != null) {
                try {
                    c.send("CANCEL\t" + id + "\n");
                } catch (IOException e) {
                    // the connection is gone: nothing to cancel
                }
                finish(null);
            }
        }
    }

    private static String param(String[] f, String prefix) {
        for (int i = 2; i < f.length; i++) {
            if (f[i].startsWith(prefix)) return f[i].substring(prefix.length());
        }
        return null;
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
