// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the dashboard, its API and /metrics.
 * <ul>
 * <li>A client on a loopback address is let in without a login, unless
 *     secumail_dashboard_require_login = yes: only users of this machine can reach it, as with
 *     Postfix's own local commands.</li>
 * <li>Everyone else needs a session: POST /api/login with the name and password of a SASL user
 *     (the SMTP AUTH backend: smtpd_sasl_type) listed in secumail_dashboard_admins, the "admin
 *     flag". The session is a random 256-bit cookie (HttpOnly, SameSite=Strict, Secure over TLS)
 *     that lasts secumail_dashboard_session_timeout. GET requests may instead carry HTTP Basic
 *     credentials of such a user (for a Prometheus scraping /metrics from another host).</li>
 * <li>Every action (a POST) must carry the session's CSRF token in X-CSRF-Token, and its Origin
 *     header, when the browser sends one, must name this server: a page of another site cannot
 *     read the token (no CORS), so it cannot make a logged-in browser act.</li>
 * <li>Failed logins are counted per client address: after 5 in 10 minutes the address is
 *     refused for the rest of the 10 minutes (401 with a log line), slowing password guessing.</li>
 * </ul>
 */
final class DashboardAccess {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dashboard");
    static final String COOKIE = "secumail_session";
    private static final int MAX_FAILURES = 5;
    private static final long FAILURE_WINDOW_MS = 10 * 60_000L;
    private static final int MAX_SESSIONS = 1000;

    /** Checks a user name and password against the SASL backend; true when they are right. */
    @FunctionalInterface
    interface PasswordCheck {
        boolean verify(String user, String password, String clientAddr);
    }

    /** A logged-in user (or "loopback" for the exempt local client) and the CSRF token of the session. */
    record Session(String user, String csrf, long expires) { }

    private final boolean requireLogin;
    private final Set<String> admins;
    private final PasswordCheck check;
    private final long timeoutMs;
    private final boolean tls;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, long[]> failures = new ConcurrentHashMap<>();   // addr -> {count, first failure}
    /** The CSRF token of loopback clients let in without a login (one per process). */
    private final Session loopback;

    DashboardAccess(boolean requireLogin, Set<String> admins, PasswordCheck check, long timeoutMs, boolean tls, Clock clock) {
        this.requireLogin = requireLogin;
        this.admins = Set.copyOf(admins);
        this.check = check;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
        this.clock = clock;
        this.loopback = new Session("loopback", token(), Long.MAX_VALUE);
    }

    /** The session of a request, or null when it must log in first. */
    Session session(HttpExchange ex) {
        return session(ex.getRemoteAddress().getAddress(), ex.getRequestHeaders().getFirst("Cookie"),
                ex.getRequestMethod().equals("GET") || ex.getRequestMethod().equals("HEAD")
                        ? ex.getRequestHeaders().getFirst("Authorization") : null);
    }

    Session session(InetAddress remote, String cookieHeader, String authorization) {
        if (!requireLogin && remote.isLoopbackAddress()) return loopback;
        String id = cookie(cookieHeader);
        if (id != null) {
            Session s = sessions.get(id);
            if (s != null && s.expires() > clock.millis()) return s;
            if (s != null) sessions.remove(id);
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String[] up = basic(authorization.substring(6).strip());
            if (up != null && login(up[0], up[1], remote.getHostAddress())) return new Session(up[0], token(), clock.millis() + 1000);
        }
        return null;
    }

    /** Logs a user in; the new session's cookie value, or null (wrong password, not an admin, blocked). */
    String startSession(String user, String password, String clientAddr) {
        if (!login(user, password, clientAddr)) return null;
        if (sessions.size() >= MAX_SESSIONS) expire();
        String id = token();
        sessions.put(id, new Session(user, token(), clock.millis() + timeoutMs));
        LOG.info("dashboard: login of {} from {}", user, clientAddr);
        return id;
    }

    void endSession(String cookieHeader) {
        String id = cookie(cookieHeader);
        if (id != null) sessions.remove(id);
    }

    private boolean login(String user, String password, String clientAddr) {
        long now = clock.millis();
        long[] f = failures.get(clientAddr);
        if (f != null && now - f[1] > FAILURE_WINDOW_MS) {
            failures.remove(clientAddr);
            f = null;
        }
        if (f != null && f[0] >= MAX_FAILURES) {
            LOG.warn("dashboard: login of {} from {} refused: too many failures", user, clientAddr);
            return false;
        }
        // the password is checked even for a non-admin, so that timing does not tell admins apart
        boolean ok = check.verify(user, password, clientAddr) && admins.contains(user);
        if (!ok) {
            failures.compute(clientAddr, (k, v) -> v == null ? new long[] {1, now} : new long[] {v[0] + 1, v[1]});
            if (failures.size() > 10_000) failures.clear();   // a bound on the table; a flood resets it
            LOG.warn("dashboard: login of {} from {} failed", user, clientAddr);
        }
        return ok;
    }

    /** A POST's CSRF token and Origin are right for its session. */
    static boolean csrfOk(HttpExchange ex, Session s) {
        String token = ex.getRequestHeaders().getFirst("X-CSRF-Token");
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
            return false;
        }
        return sameOrigin(ex);
    }

    /** No Origin header (not a browser, or an old one), or one naming the Host the request was sent to. */
    static boolean sameOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin == null) return true;
        String host = ex.getRequestHeaders().getFirst("Host");
        int scheme = origin.indexOf("://");
        return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    /** Set-Cookie for a new session (or, with null, one that clears it). */
    String setCookie(String id) {
        String v = COOKIE + "=" + (id == null ? "" : id) + "; Path=/; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
        return id == null ? v + "; Max-Age=0" : v + "; Max-Age=" + timeoutMs / 1000;
    }

    private void expire() {
        long now = clock.millis();
        sessions.values().removeIf(s -> s.expires() <= now);
        if (sessions.size() >= MAX_SESSIONS) sessions.clear();   // bounded: everyone logs in again
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String cookie(String header) {
        if (header == null) return null;
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) return p.substring(COOKIE.length() + 1);
        }
        return null;
    }

    private static String[] basic(String b64) {
        try {
            String s = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            return colon < 0 ? null : new String[] {s.substring(0, colon), s.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
