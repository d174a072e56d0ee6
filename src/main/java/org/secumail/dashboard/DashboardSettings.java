// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.metrics.Metrics;
import org.secumail.sasl.SaslBackend;
import org.secumail.sasl.SaslBackends;
import org.secumail.sasl.SaslClientInfo;
import org.secumail.sasl.SaslExchange;
import org.secumail.sasl.SaslStep;

/**
 * The dashboard's main.cf parameters, read once at startup (a restart changes them):
 * <pre>
 * secumail_dashboard_enable = yes           serve the dashboard on secumail_metrics_listen
 * secumail_dashboard_admins =               SASL users who may log in (the admin flag)
 * secumail_dashboard_require_login = no     yes: loopback clients log in too
 * secumail_dashboard_session_timeout = 8h   how long a login lasts
 * secumail_dashboard_tls = no               yes: HTTPS with smtpd's certificate (smtpd_tls_cert_file ...,
 *                                           or the self-signed one), required off loopback
 * </pre>
 * A listener on an address other than loopback needs secumail_dashboard_tls = yes, at least one
 * admin and an smtpd_sasl_type to check passwords with; without them startup stops, since
 * anything else would put the queue's actions on the network unprotected or unusable.
 */
public record DashboardSettings(boolean enabled, boolean tls, SSLContext sslContext, DashboardAccess access, Sampler history) {

    /** Reads the parameters; {@code loopbackListener}: whether the listener is on a loopback address. */
    public static DashboardSettings fromConfig(MainConfig cfg, boolean loopbackListener, Supplier<Map<String, Integer>> queueSizes) {
        boolean enabled = cfg.bool("secumail_dashboard_enable");
        boolean tls = cfg.bool("secumail_dashboard_tls");
        LinkedHashSet<String> admins = new LinkedHashSet<>(cfg.list("secumail_dashboard_admins"));
        boolean requireLogin = cfg.bool("secumail_dashboard_require_login");
        String saslType = cfg.get("smtpd_sasl_type").strip();
        if (!loopbackListener) {
            if (!tls) throw new ConfigException("secumail_metrics_listen is not a loopback address: set secumail_dashboard_tls = yes"
                    + " (passwords and the queue's actions must not cross the network in clear)");
            if (admins.isEmpty() || saslType.isEmpty()) throw new ConfigException("secumail_metrics_listen is not a loopback address:"
                    + " set secumail_dashboard_admins and smtpd_sasl_type, so that remote clients can log in");
        }
        if (requireLogin && (admins.isEmpty() || saslType.isEmpty())) {
            throw new ConfigException("secumail_dashboard_require_login = yes needs secumail_dashboard_admins and smtpd_sasl_type");
        }
        SSLContext ctx = null;
        if (tls) {
            MainConfig tlsCfg = cfg.withOverrides(Map.of("smtpd_tls_security_level", "encrypt"));
            ctx = org.secumail.tls.ServerTls.fromConfig(tlsCfg).sslContext();
        }
        long timeout = cfg.duration("secumail_dashboard_session_timeout").toMillis();
        DashboardAccess access = new DashboardAccess(requireLogin, admins, saslCheck(cfg), Math.max(60_000, timeout), tls, Clock.systemUTC());
        return new DashboardSettings(enabled, tls, ctx, access, new Sampler(new History(Metrics.registry(), queueSizes)));
    }

    /** A password check through the SMTP AUTH backend's PLAIN mechanism (RFC 4616). */
    static DashboardAccess.PasswordCheck saslCheck(MainConfig cfg) {
        return (user, password, clientAddr) -> {
            if (cfg.get("smtpd_sasl_type").strip().isEmpty() || user.isEmpty()) return false;
            try (SaslBackend backend = SaslBackends.open(cfg)) {
                SaslExchange x = backend.start("PLAIN", new SaslClientInfo(clientAddr, 0, "127.0.0.1", 0, true, "secumail-dashboard"));
                SaslStep step = x.next(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
                return step instanceof SaslStep.Success s && s.username().equals(user);
            } catch (Exception e) {
                Dashboard.LOG.warn("dashboard: password check for {}: {}", user, e.getMessage());
                return false;
            }
        };
    }

    /** The history and the thread that samples it every ten seconds (a daemon virtual thread). */
    public static final class Sampler {
        private final History history;
        private volatile Thread thread;

        Sampler(History history) {
            this.history = history;
        }

        History history() { return history; }

        History.Sample now() { return history.sample(System.currentTimeMillis()); }

        void start() {
            if (thread != null) return;
            history.record(now());
            thread = Thread.ofVirtual().name("dashboard-sampler").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(History.INTERVAL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        history.record(now());
                    } catch (RuntimeException e) {
                        Dashboard.LOG.warn("dashboard: sampling: {}", e.toString());
                    }
                }
            });
        }

        public void stop() {
            Thread t = thread;
            if (t != null) t.interrupt();
        }
    }

    /** Queue sizes by queue name, counted from the envelope files. */
    public static Map<String, Integer> sizes(Map<String, java.nio.file.Path> queues) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var e : queues.entrySet()) {
            int n = 0;
            try (var ds = java.nio.file.Files.newDirectoryStream(e.getValue(), "*.env")) {
                for (var ignored : ds) n++;
            } catch (IOException ex) {
                n = -1;
            }
            out.put(e.getKey(), n);
        }
        return out;
    }
}
