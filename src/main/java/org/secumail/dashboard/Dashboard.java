// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard, served on the metrics listener (secumail_metrics_listen): the page and its
 * script and style from the jar (no build step, no CDN), and a small JSON API under /api that
 * the page uses ({@link DashboardApi}). Every request passes {@link DashboardAccess}; every
 * action is logged as "dashboard: USER: ACTION ..." like the CLI's output.
 */
public final class Dashboard {
    static final Logger LOG = LoggerFactory.getLogger("secumail.dashboard");
    private static final int MAX_BODY = 64 * 1024;
    /** The page's files: served name to classpath resource and content type. */
    private static final Map<String, String[]> STATIC = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
            "/style.css", new String[] {"style.css", "text/css; charset=utf-8"});
    /** Scripts and styles from this origin only, nothing inline, no framing (the page has no inline code). */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final DashboardAccess access;
    private final DashboardApi api;
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    Dashboard(DashboardAccess access, DashboardApi api) {
        this.access = access;
        this.api = api;
        for (var e : STATIC.entrySet()) files.put(e.getKey(), resource(e.getValue()[0]));
    }

    /** Adds the dashboard's contexts to the listener; /metrics is guarded by the same access rules. */
    public static void install(HttpServer http, DashboardSettings settings, DashboardBackend backend) {
        Dashboard d = new Dashboard(settings.access(), new DashboardApi(backend, settings.history()));
        http.createContext("/", d::handle);
        settings.history().start();
    }

    /** A handler wrapped in the access check (for /metrics). */
    public static HttpHandler guarded(DashboardSettings settings, HttpHandler inner) {
        return ex -> {
            if (settings.access().session(ex) == null) {
                try (ex) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"secumail\"");
                    ex.sendResponseHeaders(401, -1);
                }
                return;
            }
            inner.handle(ex);
        };
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            var h = ex.getResponseHeaders();
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Referrer-Policy", "no-referrer");
            h.set("X-Frame-Options", "DENY");
            h.set("Content-Security-Policy", CSP);
            h.set("Cache-Control", "no-store");
            String[] stat = STATIC.get(path);
            if (stat != null) {
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    send(ex, 405, "text/plain", new byte[0]);
                    return;
                }
                send(ex, 200, stat[1], files.get(path));
                return;
            }
            if (!path.startsWith("/api/")) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String route = path.substring(5);
            boolean post = method.equals("POST");
            if (!post && !method.equals("GET")) {
                send(ex, 405, "text/plain", new byte[0]);
                return;
            }
            Map<String, List<String>> form = post ? form(ex) : query(ex.getRequestURI().getRawQuery());
            if (form == null) {
                send(ex, 413, "text/plain", new byte[0]);
                return;
            }
            if (route.equals("login") && post) {
                login(ex, form);
                return;
            }
            DashboardAccess.Session s = access.session(ex);
            if (route.equals("session") && !post) {
                send(ex, s == null ? 401 : 200, Json.of(g -> {
                    g.writeStartObject();
                    g.writeBooleanField("loggedIn", s != null);
                    if (s != null) {
                        g.writeStringField("user", s.user());
                        g.writeStringField("csrf", s.csrf());
                    }
                    g.writeEndObject();
                }));
                return;
            }
            if (s == null) {
                send(ex, 401, Json.outcome(false, "log in first"));
                return;
            }
            if (post && !DashboardAccess.csrfOk(ex, s)) {
                LOG.warn("dashboard: {} from {}: POST {} refused: missing or wrong CSRF token or foreign Origin", s.user(),
                        ex.getRemoteAddress().getAddress().getHostAddress(), path);
                send(ex, 403, Json.outcome(false, "missing or wrong CSRF token"));
                return;
            }
            if (route.equals("logout") && post) {
                access.endSession(ex.getRequestHeaders().getFirst("Cookie"));
                ex.getResponseHeaders().add("Set-Cookie", access.setCookie(null));
                send(ex, 200, Json.outcome(true, "logged out"));
                return;
            }
            DashboardApi.Response r = api.handle(route, post, form, s.user());
            send(ex, r.status(), r.body());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void login(HttpExchange ex, Map<String, List<String>> form) throws IOException {
        if (!DashboardAccess.sameOrigin(ex)) {
            send(ex, 403, Json.outcome(false, "foreign Origin"));
            return;
        }
        String id = access.startSession(first(form, "user"), first(form, "password"), ex.getRemoteAddress().getAddress().getHostAddress());
        if (id == null) {
            send(ex, 401, Json.outcome(false, "wrong user name or password, or not an administrator"));
            return;
        }
        ex.getResponseHeaders().add("Set-Cookie", access.setCookie(id));
        send(ex, 200, Json.outcome(true, "logged in"));
    }

    static String first(Map<String, List<String>> form, String key) {
        List<String> v = form.get(key);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    /** The urlencoded body (bounded), or null when it is too large. */
    private static Map<String, List<String>> form(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) return null;
            return query(new String(body, StandardCharsets.UTF_8));
        }
    }

    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).add(v);
            } catch (IllegalArgumentException e) {
                // a malformed %-escape: the pair is ignored
            }
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, byte[] json) throws IOException {
        send(ex, status, "application/json; charset=utf-8", json);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("dashboard resource missing from the jar: " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
