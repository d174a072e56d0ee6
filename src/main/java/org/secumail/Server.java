// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.deliver.LocalTransport;
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.Resolver;
import org.secumail.queue.QueueManager;
import org.secumail.queue.QueueStore;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.RecipientMaps;
import org.secumail.sasl.SaslBackend;
import org.secumail.sasl.SaslBackends;
import org.secumail.smtpd.AuthGuard;
import org.secumail.route.Router;
import org.secumail.smtpd.SmtpServer;
import org.secumail.smtpd.SmtpdService;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.RestrictionList;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.smtpd.check.Stage;
import org.secumail.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles SecuMail by hand from main.cf and master.cf: DNS resolver, restriction registry,
 * queue store and queue manager with the router (local, smtp, lmtp delivery), and one {@link SmtpServer} per smtpd
 * service and listen address. Startup order: configuration checks first (any error stops
 * startup before a port is opened), then queue recovery (mail left by a crash is delivered),
 * then the listeners.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.master");
    /** Restrictions that make a relay or recipient list safe against open relaying (Postfix's smtpd_check.c). */
    private static final Set<String> RELAY_CONTROLS = Set.of("reject_unauth_destination", "defer_unauth_destination",
            "reject", "defer", "defer_if_permit");

    /** The listeners, by the address master.cf and inet_interfaces gave (port 0 stays "0"). */
    private final Map<InetSocketAddress, SmtpServer> bound = new java.util.LinkedHashMap<>();
    private final List<SmtpServer> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final QueueManager queueManager;
    /** queue_directory/public/qmgr, on which "secumail queue flush|requeue" reach the queue manager (may be null). */
    private org.secumail.queue.QueueTrigger trigger;
    private org.secumail.log.MaillogFile maillog;
    private org.secumail.metrics.MetricsHttpServer metrics;

    /** The metrics listener (secumail_metrics_listen), or null. */
    public org.secumail.metrics.MetricsHttpServer metrics() { return metrics; }
    /** DMARC evaluator and report history shared by every service's content checks. */
    private ContentSetup.Shared content;
    /** The decision traces (secumail_trace_enable), or null. */
    private org.secumail.trace.TraceStore traces;

    /** The decision trace store, or null when tracing is off. */
    public org.secumail.trace.TraceStore traces() { return traces; }

    /** Opens the SMTP AUTH backend of a service (production: {@link SaslBackends#open}; tests pass a fake). */
    @FunctionalInterface
    public interface SaslFactory {
        SaslBackend open(MainConfig serviceConfig) throws IOException;
    }

    /** Where a reload reads the configuration from (main.cf and master.cf again). */
    @FunctionalInterface
    public interface ConfigSource {
        Loaded load() throws IOException;
    }

    /** main.cf and master.cf as read. */
    public record Loaded(MainConfig main, MasterConfig master) { }

    private final SwappableTransport transport;
    private final DeliverySide delivery;
    private final Object reloadLock = new Object();
    private volatile SmtpdServices services;
    private SmtpdServices.Parts parts;
    private ConfigSource source;
    private org.secumail.queue.QueueLock queueLock;

    private Server(QueueManager queueManager, SwappableTransport transport, DeliverySide delivery) {
        this.queueManager = queueManager;
        this.transport = transport;
        this.delivery = delivery;
    }

    public List<SmtpServer> listeners() { return List.copyOf(listeners); }

    public QueueManager queueManager() { return queueManager; }

    /** The main.cf in force (the last one loaded without error). */
    public MainConfig config() { return services.cfg; }

    public static Server start(MainConfig cfg, MasterConfig master) throws IOException {
        return start(cfg, master, SaslBackends::open);
    }

    /** Starts with the given AUTH backend factory, called once per service with smtpd_sasl_auth_enable = yes. */
    public static Server start(MainConfig cfg, MasterConfig master, SaslFactory saslFactory) throws IOException {
        // maillog_file first, so that the startup warnings land in it too
        String file = cfg.get("maillog_file").strip();
        org.secumail.log.MaillogFile maillog = file.isEmpty() ? null : org.secumail.log.MaillogFile.open(file, cfg.list("maillog_file_prefixes"));
        try {
            Server server = startServer(cfg, master, saslFactory);
            server.maillog = maillog;
            return server;
        } catch (IOException | RuntimeException e) {
            if (maillog != null) maillog.close();
            throw e;
        }
    }

    private static void warnings(MainConfig cfg, MasterConfig master) {
        for (String w : master.warnings()) LOG.warn("warning: {}", w);
        for (String p : cfg.unknownParameters()) {
            LOG.warn("warning: {}/main.cf: unused parameter: {}={} ({})", cfg.configDir(), p, cfg.raw(p),
                    org.secumail.config.Parameters.isPostfixParameter(p) ? "a Postfix parameter SecuMail does not support yet; ignored"
                            : "unknown: misspelled?");
        }
    }

    private static Server startServer(MainConfig cfg, MasterConfig master, SaslFactory saslFactory) throws IOException {
        warnings(cfg, master);
        if (master.services().isEmpty()) throw new ConfigException("master.cf defines no smtpd service of type inet");
        Resolver dns = new CachingResolver(DnsjavaResolver.fromConfig(cfg.list("dns_servers"), cfg.duration("secumail_dns_timeout")));
        RestrictionRegistry registry = Restrictions.builtin();
        AuthGuard authGuard = AuthGuard.fromConfig(cfg);
        QueueStore store = new QueueStore(cfg.path("queue_directory"));
        // one server per queue directory, as Postfix's master(8): a second one's recovery below
        // would take the first one's messages in progress from under it
        org.secumail.queue.QueueLock queueLock = org.secumail.queue.QueueLock.acquire(store.directory());
        QueueManager qmgr;
        SwappableTransport transport;
        DeliverySide delivery;
        try {
            // Mail accepted before a crash or stop is in incoming/, active/ or deferred/: put it back
            // in line before anything new arrives (tmp/ leftovers were never acknowledged: removed).
            int recovered = store.recover().size();
            if (recovered > 0) LOG.info("queue recovery: {} message(s) to deliver", recovered);
            java.util.concurrent.atomic.AtomicReference<QueueManager> qmgrRef = new java.util.concurrent.atomic.AtomicReference<>();
            delivery = DeliverySide.open(cfg, dns, store, () -> {
                QueueManager q = qmgrRef.get();
                if (q != null) q.wake();
            });
            transport = new SwappableTransport(delivery.router(cfg, master));
            qmgr = QueueManager.fromConfig(cfg, store, transport, java.time.Clock.systemUTC(), cfg.integer("secumail_delivery_concurrency"));
            qmgrRef.set(qmgr);
            qmgr.start();
        } catch (IOException | RuntimeException e) {
            queueLock.close();
            throw e;
        }
        Server server = new Server(qmgr, transport, delivery);
        server.queueLock = queueLock;
        server.trigger = org.secumail.queue.QueueTrigger.listen(store.directory(), qmgr, server::reload);
        server.source = defaultSource(cfg, master);
        try {
            org.secumail.metrics.Metrics.enable(cfg.bool("secumail_metrics_enable"));
            server.content = ContentSetup.Shared.open(cfg, dns);
            server.content.startReports(dns, store, qmgr::wake);
            server.traces = org.secumail.trace.TraceStore.open(cfg);
            String metrics = cfg.get("secumail_metrics_listen").strip();
            if (!metrics.isEmpty()) {
                server.metrics = org.secumail.metrics.MetricsHttpServer.start(metrics, store,
                        DashboardSetup.settings(cfg, metrics, store), DashboardSetup.backend(server, store, qmgr, registry, dns));
            }
            // verify(8): probes go through the router of the configuration in force, as real mail does
            org.secumail.verify.AddressVerifier verifier = new org.secumail.verify.AddressVerifier(cfg, transport, java.time.Clock.systemUTC());
            server.parts = new SmtpdServices.Parts(dns, registry, saslFactory, authGuard, store, qmgr::wake, server.content, server.traces,
                    verifier);
            server.services = SmtpdServices.build(cfg, master, server.parts, endpoint -> null);
            for (SmtpdServices.Entry e : server.services.entries) {
                for (InetSocketAddress bind : e.binds()) server.listen(bind, new SmtpServer(e.svc(), bind).start(), cfg);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void listen(InetSocketAddress bind, SmtpServer l, MainConfig cfg) {
        bound.put(bind, l);
        listeners.add(l);
        LOG.info("daemon started -- version {}, listening on {}", cfg.get("mail_version"), l.address());
    }

    /** A reload reads main.cf and master.cf again from the directory main.cf came from, when they are files there. */
    private static ConfigSource defaultSource(MainConfig cfg, MasterConfig master) {
        return () -> {
            java.nio.file.Path dir = cfg.configDir();
            if (!java.nio.file.Files.isRegularFile(dir.resolve("main.cf"))) return null;
            MainConfig fresh = MainConfig.load(dir);
            java.nio.file.Path mf = dir.resolve("master.cf");
            MasterConfig m = java.nio.file.Files.isRegularFile(mf) ? MasterConfig.load(mf, fresh.integer("default_process_limit")) : master;
            return new Loaded(fresh, m);
        };
    }

    /** Where {@link #reload()} reads the configuration (RunCommand: -c DIR, or the embedded one). */
    public void configSource(ConfigSource source) { this.source = source; }

    /**
     * Postfix refuses to run when neither smtpd_relay_restrictions nor smtpd_recipient_restrictions
     * can refuse a recipient: such a server would be an open relay.
     */
    static void requireRelayControl(CheckSettings checks, MasterConfig.Service s) {
        for (Stage st : new Stage[] {Stage.RELAY, Stage.RECIPIENT}) {
            RestrictionList list = checks.list(st);
            for (RestrictionList.Entry e : list.entries()) {
                String first = e.name().split(" ")[0].toLowerCase(java.util.Locale.ROOT);
                if (RELAY_CONTROLS.contains(first) || first.startsWith("check_") || checks.restrictionClasses().contains(e.name())) return;
            }
        }
        throw new ConfigException("service " + s.endpoint() + ": in parameters smtpd_relay_restrictions or smtpd_recipient_restrictions, "
                + "specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer or defer_if_permit");
    }

    /** The listen addresses of a master.cf endpoint: "host:port", "[v6]:port", "port" or a service name. */
    static List<InetSocketAddress> bindAddresses(String endpoint, MainConfig cfg) throws IOException {
        String host = null;
        String port = endpoint;
        int colon = endpoint.lastIndexOf(':');
        if (colon > 0) {
            host = endpoint.substring(0, colon);
            port = endpoint.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        }
        int p = switch (port) {
            case "smtp" -> 25;
            case "submission" -> 587;
            case "smtps", "submissions" -> 465;
            default -> {
                try {
                    yield Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw new ConfigException("master.cf: unknown service port \"" + port + "\" in \"" + endpoint + "\"");
                }
            }
        };
        List<InetSocketAddress> out = new ArrayList<>();
        if (host != null) {
            out.add(new InetSocketAddress(InetAddress.getByName(host), p));
            return out;
        }
        List<String> ifaces = cfg.list("inet_interfaces");
        if (ifaces.contains("all") || ifaces.isEmpty()) {
            out.add(new InetSocketAddress(p));
        } else if (ifaces.contains("loopback-only")) {
            out.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), p));
        } else {
            for (String i : ifaces) {
                String h = i.startsWith("[") && i.endsWith("]") ? i.substring(1, i.length() - 1) : i;
                out.add(new InetSocketAddress(InetAddress.getByName(h), p));
            }
        }
        return out;
    }

    /**
     * Parameters read once at start by parts a reload keeps (the queue, the logs, the DNS
     * resolver, the metrics listener, the AUTH failure counter, DMARC and the antivirus scanner
     * choice): a reload that changes them says they wait for a restart.
     */
    private static final List<String> RESTART_ONLY = List.of("queue_directory", "maillog_file", "maillog_file_prefixes",
            "secumail_metrics_listen", "secumail_dashboard_enable", "secumail_dashboard_admins",
            "secumail_dashboard_require_login", "secumail_dashboard_session_timeout", "secumail_dashboard_tls", "dns_servers", "secumail_dns_timeout", "secumail_delivery_concurrency", "minimal_backoff_time",
            "maximal_backoff_time", "queue_run_delay", "maximal_queue_lifetime", "bounce_queue_lifetime", "delay_warning_time",
            "default_destination_concurrency_limit", "secumail_auth_failure_limit", "secumail_auth_failure_window",
            "smtpd_client_auth_rate_limit", "secumail_antivirus_scanner", "secumail_dmarc_", "secumail_arc_seal_", "secumail_trace_");

    /**
     * {@code secumail reload} and SIGHUP, like {@code postfix reload}: reads main.cf, master.cf
     * and every table again and puts them in force without dropping a connection. New
     * connections get the new services; sessions in progress finish under the configuration
     * they started with; deliveries start with the new router (transport_maps, aliases,
     * relayhost). Listen addresses master.cf added are opened, removed ones closed. A
     * configuration with an error (a syntax error, a table that does not open, a port already
     * taken, no relay control) keeps the old one running and the log says why. Then the
     * built-in scanner's signature databases and the spam rule files are read again.
     */
    public void reload() {
        synchronized (reloadLock) {
            MainConfig cfg = reloadConfiguration();
            reloadContent(cfg != null ? cfg : services.cfg);
        }
    }

    private MainConfig reloadConfiguration() {
        Loaded loaded;
        try {
            loaded = source == null ? null : source.load();
        } catch (IOException | RuntimeException e) {
            LOG.warn("warning: reload: {}; keeping the configuration loaded before", e.getMessage());
            return null;
        }
        if (loaded == null) {
            LOG.info("reload: main.cf and master.cf are the embedded ones; nothing to read again");
            return null;
        }
        MainConfig cfg = loaded.main();
        SmtpdServices old = services;
        // Every table is read again, as Postfix's daemons reopen theirs after a reload; the old
        // services keep the tables they opened until their sessions end.
        org.secumail.table.Tables.clearCache();
        SmtpdServices next;
        org.secumail.route.Router router;
        Map<InetSocketAddress, SmtpServer> opened = new java.util.LinkedHashMap<>();
        try {
            warnings(cfg, loaded.master());
            Map<String, org.secumail.postscreen.Postscreen> screens = new java.util.HashMap<>();
            for (SmtpdServices.Entry e : old.entries) if (e.svc().postscreen != null) screens.put(e.service().endpoint(), e.svc().postscreen);
            next = SmtpdServices.build(cfg, loaded.master(), parts, screens::get);
            try {
                router = delivery.router(cfg, loaded.master());
                for (SmtpdServices.Entry e : next.entries) {
                    for (InetSocketAddress b : e.binds()) if (!bound.containsKey(b) && !opened.containsKey(b)) opened.put(b, new SmtpServer(e.svc(), b));
                }
            } catch (IOException | RuntimeException e) {
                next.abandon();
                for (SmtpServer l : opened.values()) l.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("warning: reload: {}; keeping the configuration loaded before", e.getMessage() != null ? e.getMessage() : e.toString());
            return null;
        }
        // Everything is built: nothing below can fail.
        transport.swap(router);
        java.util.Set<InetSocketAddress> keep = new java.util.HashSet<>();
        for (SmtpdServices.Entry e : next.entries) {
            for (InetSocketAddress b : e.binds()) {
                keep.add(b);
                SmtpServer l = bound.get(b);
                if (l != null) l.swap(e.svc());
                else listen(b, opened.get(b).start(), cfg);
            }
        }
        for (var it = bound.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (keep.contains(e.getKey())) continue;
            e.getValue().close();
            listeners.remove(e.getValue());
            it.remove();
            LOG.info("reload: no longer listening on {}", e.getValue().address());
        }
        services = next;
        for (SmtpdServices.Entry e : old.entries) SmtpdServices.retire(e.svc());
        org.secumail.metrics.Metrics.enable(cfg.bool("secumail_metrics_enable"));
        for (String name : changedRestartOnly(old.cfg, cfg)) {
            // with the store open (tracing was on at start) the new services switch it on or off
            if (name.equals("secumail_trace_enable") && traces != null) continue;
            LOG.warn("warning: reload: {} changed; it takes effect at the next start", name);
        }
        LOG.info("reload: configuration reloaded from {}: {} service(s), {} listener(s)", cfg.configDir(), next.entries.size(), listeners.size());
        return cfg;
    }

    private static List<String> changedRestartOnly(MainConfig before, MainConfig after) {
        java.util.Set<String> names = new java.util.TreeSet<>(before.explicitNames());
        names.addAll(after.explicitNames());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            boolean restartOnly = RESTART_ONLY.stream().anyMatch(r -> r.endsWith("_") ? n.startsWith(r) : n.equals(r));
            if (restartOnly && !before.get(n).equals(after.get(n))) out.add(n);
        }
        return out;
    }

    /** The built-in scanner's signature databases and the spam rule files (with cfg's spam settings). */
    private void reloadContent(MainConfig cfg) {
        ContentSetup.Shared c = content;
        if (c != null && c.antivirus != null && c.antivirus.scanner() instanceof org.secumail.antivirus.BuiltinScanner b) {
            try {
                b.reload();
                LOG.info("reload: antivirus signatures reloaded: {}", b.database().summary());
            } catch (RuntimeException e) {
                LOG.warn("warning: reload: {}; keeping the signatures loaded before", e.getMessage());
            }
        }
        if (c != null && c.spam != null) {
            try {
                c.spam.reload(cfg);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("warning: reload: spam rules: {}; keeping the rules loaded before", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        for (SmtpServer l : listeners) l.close();
        for (SmtpServer l : listeners) l.closePostscreen();
        if (metrics != null) metrics.close();
        if (trigger != null) trigger.close();
        queueManager.close();
        if (services != null) services.closeSasl();
        if (content != null) content.close();
        if (traces != null) traces.close();
        transport.close();
        org.secumail.greylist.GreylistRestrictions.closeAll();
        if (maillog != null) maillog.close();
        if (queueLock != null) queueLock.close();
    }

    /** Loads CONFIG_DIR/main.cf and master.cf. */
    public static Server start(Path configDir) throws IOException {
        MainConfig cfg = MainConfig.load(configDir);
        MasterConfig master = MasterConfig.load(configDir.resolve("master.cf"), cfg.integer("default_process_limit"));
        return start(cfg, master);
    }
}
