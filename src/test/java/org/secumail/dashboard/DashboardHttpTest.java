// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.queue.QueueStore;

/** The dashboard's HTTP side: access rules, CSRF, the API against a running server. */
class DashboardHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static HttpResponse<String> get(HttpClient c, String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient c, String url, String form, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void loopbackClientsUseTheApiWithTheCsrfToken() throws Exception {
        try (DashboardServer s = new DashboardServer(dir)) {
            String base = "http://127.0.0.1:" + s.httpPort();
            HttpClient c = HttpClient.newHttpClient();
            HttpResponse<String> page = get(c, base + "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<script src=\"/app.js\"");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
            assertThat(get(c, base + "/app.js").statusCode()).isEqualTo(200);
            assertThat(get(c, base + "/nothing").statusCode()).isEqualTo(404);

            JsonNode session = JSON.readTree(get(c, base + "/api/session").body());
            assertThat(session.get("user").asText()).isEqualTo("loopback");
            String csrf = session.get("csrf").asText();
            assertThat(csrf).hasSize(64);

            String qid = s.sendDeferred("someone@remote.example");
            s.sendRefused("spammer@client.example");

            JsonNode queue = JSON.readTree(get(c, base + "/api/queue?q=remote.example").body());
            assertThat(queue.get("messages")).hasSize(1);
            assertThat(queue.get("messages").get(0).get("id").asText()).isEqualTo(qid);
            assertThat(JSON.readTree(get(c, base + "/api/queue?q=nomatch.invalid").body()).get("messages")).isEmpty();

            // actions: no token, a wrong token, a foreign Origin: refused, nothing moves
            assertThat(post(c, base + "/api/queue", "action=hold&id=" + qid).statusCode()).isEqualTo(403);
            assertThat(post(c, base + "/api/queue", "action=hold&id=" + qid, "X-CSRF-Token", "0".repeat(64)).statusCode()).isEqualTo(403);
            assertThat(post(c, base + "/api/queue", "action=hold&id=" + qid, "X-CSRF-Token", csrf, "Origin", "http://evil.example").statusCode())
                    .isEqualTo(403);
            assertThat(s.queueOf(qid)).isEqualTo(QueueStore.DEFERRED);

            HttpResponse<String> hold = post(c, base + "/api/queue", "action=hold&id=" + qid, "X-CSRF-Token", csrf, "Origin", base);
            assertThat(hold.statusCode()).as(hold.body()).isEqualTo(200);
            assertThat(s.queueOf(qid)).isEqualTo(QueueStore.HOLD);
            assertThat(post(c, base + "/api/queue", "action=release&id=" + qid, "X-CSRF-Token", csrf).statusCode()).isEqualTo(200);
            assertThat(s.queueOf(qid)).isIn(QueueStore.DEFERRED, QueueStore.ACTIVE);
            assertThat(post(c, base + "/api/queue", "action=release&id=" + qid, "X-CSRF-Token", csrf).statusCode()).isEqualTo(409);
            assertThat(post(c, base + "/api/queue", "action=bogus&id=" + qid, "X-CSRF-Token", csrf).statusCode()).isEqualTo(400);

            JsonNode rej = JSON.readTree(get(c, base + "/api/rejections").body());
            assertThat(rej.get("rejections")).isNotEmpty();
            JsonNode first = rej.get("rejections").get(0);
            assertThat(first.get("sender").asText()).isEqualTo("spammer@client.example");
            assertThat(first.get("recipients").get(0).get("reply").asText()).startsWith("550");
            assertThat(first.get("trace").asText()).contains("RCPT TO:<nobody@example.test>");

            JsonNode explain = JSON.readTree(post(c, base + "/api/explain",
                    "client=127.0.0.1&helo=client.example&sender=a%40client.example&rcpt=nobody%40example.test+user1%40example.test",
                    "X-CSRF-Token", csrf).body());
            assertThat(explain.get("lines").toString()).contains("550").contains("user1@example.test");

            JsonNode summary = JSON.readTree(get(c, base + "/api/summary").body());
            assertThat(summary.get("now").get("queue").get("deferred").asInt() + summary.get("now").get("queue").get("active").asInt())
                    .isEqualTo(1);
            assertThat(summary.get("history")).isNotEmpty();
        }
    }

    @Test
    void withLoginRequiredOnlyAdminsGetIn() throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "admin:{PLAIN}right-secret\nuser2:{PLAIN}user2-secret\n");
        try (DashboardServer s = new DashboardServer(dir, "smtpd_sasl_type = secumail", "secumail_sasl_passwd_file = " + passwd,
                "secumail_dashboard_admins = admin", "secumail_dashboard_require_login = yes", "secumail_dashboard_tls = yes")) {
            String base = "https://127.0.0.1:" + s.httpPort();
            assertThat(Https.call("GET", base + "/api/queue", null).status()).isEqualTo(401);
            assertThat(Https.call("GET", base + "/metrics", null).status()).isEqualTo(401);
            assertThat(Https.call("GET", base + "/api/session", null).status()).isEqualTo(401);
            assertThat(Https.call("POST", base + "/api/login", "user=admin&password=wrong").status()).isEqualTo(401);
            assertThat(Https.call("POST", base + "/api/login", "user=user2&password=user2-secret").status()).as("not an admin").isEqualTo(401);

            Https.Response login = Https.call("POST", base + "/api/login", "user=admin&password=right-secret");
            assertThat(login.status()).isEqualTo(200);
            String cookie = login.setCookie();
            assertThat(cookie).contains("HttpOnly").contains("Secure").contains("SameSite=Strict");
            String session = cookie.substring(0, cookie.indexOf(';'));
            JsonNode me = JSON.readTree(Https.call("GET", base + "/api/session", null, "Cookie", session).body());
            assertThat(me.get("user").asText()).isEqualTo("admin");
            String csrf = me.get("csrf").asText();
            assertThat(Https.call("GET", base + "/api/queue", null, "Cookie", session).status()).isEqualTo(200);
            assertThat(Https.call("POST", base + "/api/queue", "action=flush", "Cookie", session).status()).isEqualTo(403);
            assertThat(Https.call("POST", base + "/api/queue", "action=flush", "Cookie", session, "X-CSRF-Token", csrf).status()).isEqualTo(200);

            String basic = "Basic " + Base64.getEncoder().encodeToString("admin:right-secret".getBytes(StandardCharsets.UTF_8));
            assertThat(Https.call("GET", base + "/metrics", null, "Authorization", basic).status()).isEqualTo(200);
            assertThat(Https.call("POST", base + "/api/logout", "", "Cookie", session, "X-CSRF-Token", csrf).status()).isEqualTo(200);
            assertThat(Https.call("GET", base + "/api/queue", null, "Cookie", session).status()).isEqualTo(401);
        }
    }

    @Test
    void aClientOffLoopbackNeedsALoginAndGuessingIsSlowedDown() throws Exception {
        DashboardAccess a = new DashboardAccess(false, Set.of("admin"), (u, p, addr) -> u.equals("admin") && p.equals("pw"), 3_600_000, true,
                Clock.systemUTC());
        InetAddress remote = InetAddress.getByName("192.0.2.10");
        assertThat(a.session(InetAddress.getByName("127.0.0.1"), null, null)).isNotNull();
        assertThat(a.session(InetAddress.getByName("::1"), null, null)).isNotNull();
        assertThat(a.session(remote, null, null)).isNull();
        assertThat(a.session(remote, DashboardAccess.COOKIE + "=forged", null)).isNull();
        String id = a.startSession("admin", "pw", "192.0.2.10");
        assertThat(a.session(remote, "x=1; " + DashboardAccess.COOKIE + "=" + id, null).user()).isEqualTo("admin");
        for (int i = 0; i < 5; i++) assertThat(a.startSession("admin", "guess" + i, "192.0.2.11")).isNull();
        assertThat(a.startSession("admin", "pw", "192.0.2.11")).as("blocked after 5 failures").isNull();
        assertThat(a.startSession("admin", "pw", "192.0.2.12")).as("another address is not blocked").isNotNull();
    }

    @Test
    void offLoopbackWithoutTlsOrAdminsDoesNotStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DashboardServer(dir, "secumail_metrics_listen = 0.0.0.0:0"))
                .hasMessageContaining("secumail_dashboard_tls");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DashboardServer(dir, "secumail_metrics_listen = 0.0.0.0:0",
                "secumail_dashboard_tls = yes")).hasMessageContaining("secumail_dashboard_admins");
    }

    /** HTTPS calls that trust the server's self-signed certificate (the test has no CA) and skip the name check. */
    static final class Https {
        record Response(int status, String body, String setCookie) { }

        static Response call(String method, String url, String body, String... headers) throws Exception {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) URI.create(url).toURL().openConnection();
            c.setSSLSocketFactory(ctx.getSocketFactory());
            c.setHostnameVerifier((h, sess) -> true);
            c.setRequestMethod(method);
            for (int i = 0; i < headers.length; i += 2) c.setRequestProperty(headers[i], headers[i + 1]);
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
                try (var out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            var in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String cookie = c.getHeaderField("Set-Cookie");
            c.disconnect();
            return new Response(status, text, cookie);
        }
    }
}
