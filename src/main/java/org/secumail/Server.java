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

    private final List<SmtpServer> listeners = new ArrayList<>();
    private final QueueManager queueManager;
    /** queue_directory/public/qmgr, on which "secumail queue flush|requeue" reach the queue manager (may be null). */
    private org.secumail.queue.QueueTrigger trigger;
    private final List<SaslBackend> saslBackends = new ArrayList<>();
    private org.secumail.log.MaillogFile maillog;
    private org.secumail.metrics.MetricsHttpServer metrics;

    /** The metrics listener (secumail_metrics_listen), or null. */
    public org.secumail.metrics.MetricsHttpServer metrics() { return metrics; }
    /** DMARC evaluator and report history shared by every service's content checks. */
    private ContentSetup.Shared content;

    /** Opens the SMTP AUTH backend of a service (production: {@link SaslBackends#open}; tests pass a fake). */
    @FunctionalInterface
    public interface SaslFactory {
        SaslBackend open(MainConfig serviceConfig) throws IOException;
    }

    private final Router router;

    private Server(QueueManager queueManager, Router router) {
        this.queueManager = queueManager;
        this.router = router;
    }

    public List<SmtpServer> listeners() { return listeners; }

    public QueueManager queueManager() { return queueManager; }

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

    private static Server startServer(MainConfig cfg, MasterConfig master, SaslFactory saslFactory) throws IOException {
        for (String w : master.warnings()) LOG.warn("warning: {}", w);
        for (String p : cfg.unknownParameters()) {
            LOG.warn("warning: {}/main.cf: unused parameter: {}={} ({})", cfg.configDir(), p, cfg.raw(p),
                    org.secumail.config.Parameters.isPostfixParameter(p) ? "a Postfix parameter SecuMail does not support yet; ignored"
                            : "unknown: misspelled?");
        }
        if (master.services().isEmpty()) throw new ConfigException("master.cf defines no smtpd service of type inet");
        Resolver dns = new CachingResolver(DnsjavaResolver.fromConfig(cfg.list("dns_servers"), cfg.duration("secumail_dns_timeout")));
        RestrictionRegistry registry = Restrictions.builtin();
        List<Prepared> prepared = new ArrayList<>();
        for (MasterConfig.Service s : master.services()) {
            MainConfig scfg = cfg.withOverrides(s.overrides());
            CheckSettings checks = new CheckSettings(scfg, registry, dns);
            requireRelayControl(checks, s);
            prepared.add(new Prepared(s, scfg, checks, ServerTls.fromConfig(scfg)));
        }
        List<SaslBackend> opened = new ArrayList<>();
        Map<Prepared, SaslBackend> sasl = new java.util.IdentityHashMap<>();
        try {
            for (Prepared p : prepared) {
                if (!p.cfg.bool("smtpd_sasl_auth_enable")) continue;
                SaslBackend b = saslFactory.open(p.cfg);
                opened.add(b);
                sasl.put(p, b);
            }
        } catch (IOException | RuntimeException e) {
            for (SaslBackend b : opened) b.close();
            throw e;
        }
        AuthGuard authGuard = AuthGuard.fromConfig(cfg);
        QueueStore store = new QueueStore(cfg.path("queue_directory"));
        // Mail accepted before a crash or stop is in incoming/, active/ or deferred/: put it back
        // in line before anything new arrives (tmp/ leftovers were never acknowledged: removed).
        int recovered = store.recover().size();
        if (recovered > 0) LOG.info("queue recovery: {} message(s) to deliver", recovered);
        AddressResolver addresses = new AddressResolver(cfg);
        java.util.concurrent.atomic.AtomicReference<QueueManager> qmgrRef = new java.util.concurrent.atomic.AtomicReference<>();
        org.secumail.arc.ArcForwardSealer arcSealer = org.secumail.arc.ArcForwardSealer.fromConfig(cfg, dns, java.time.Clock.systemUTC());
        org.secumail.deliver.Forwarder forwarder = new org.secumail.deliver.Forwarder(store, () -> {
            QueueManager q = qmgrRef.get();
            if (q != null) q.wake();
        }, java.time.Clock.systemUTC(), arcSealer == null ? null : arcSealer::seal);
        LocalTransport local = new LocalTransport(cfg, addresses, new RecipientMaps(cfg), forwarder);
        Router router = Router.standard(cfg, addresses, local, dns, master.transports());
        QueueManager qmgr = QueueManager.fromConfig(cfg, store, router, java.time.Clock.systemUTC(), cfg.integer("secumail_delivery_concurrency"));
        qmgrRef.set(qmgr);
        qmgr.start();
        Server server = new Server(qmgr, router);
        server.trigger = org.secumail.queue.QueueTrigger.listen(store.directory(), qmgr, server::reload);
        server.saslBackends.addAll(opened);
        try {
            String metrics = cfg.get("secumail_metrics_listen").strip();
            if (!metrics.isEmpty()) server.metrics = org.secumail.metrics.MetricsHttpServer.start(metrics, store);
            server.content = ContentSetup.Shared.open(cfg, dns);
            server.content.startReports(dns, store, qmgr::wake);
            for (Prepared p : prepared) {
                SmtpdService svc = new SmtpdService(p.service.endpoint(), p.cfg, p.checks, store, qmgr::wake, p.service.maxproc(),
                        p.tls, sasl.get(p), authGuard, ContentSetup.fromConfig(p.cfg, dns, server.content));
                if (p.service.postscreen()) {
                    svc.postscreen = new org.secumail.postscreen.Postscreen(org.secumail.postscreen.PostscreenSettings.fromConfig(p.cfg),
                            dns, p.checks.mynetworks(), p.cfg.configDir(), svc.tls);
                }
                for (InetSocketAddress bind : bindAddresses(p.service.endpoint(), p.cfg)) {
                    SmtpServer l = new SmtpServer(svc, bind).start();
                    server.listeners.add(l);
                    LOG.info("daemon started -- version {}, listening on {}", cfg.get("mail_version"), l.address());
                }
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private record Prepared(MasterConfig.Service service, MainConfig cfg, CheckSettings checks, ServerTls tls) { }

    /**
     * Postfix refuses to run when neither smtpd_relay_restrictions nor smtpd_recipient_restrictions
     * can refuse a recipient: such a server would be an open relay.
     */
    private static void requireRelayControl(CheckSettings checks, MasterConfig.Service s) {
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
     * {@code secumail reload} and SIGHUP: re-reads what can change under a running server
     * without dropping a connection. Today that is the built-in scanner's signature databases
     * (freshclam, or the administrator, replaced them) and the spam rule files (sa-update, or
     * a changed local.cf); main.cf, master.cf and tables are read at start only. A database or
     * rule set that does not load keeps the old one running, with the reason in the log.
     */
    public void reload() {
        ContentSetup.Shared c = content;
        boolean any = false;
        if (c != null && c.antivirus != null && c.antivirus.scanner() instanceof org.secumail.antivirus.BuiltinScanner b) {
            any = true;
            try {
                b.reload();
                LOG.info("reload: antivirus signatures reloaded: {}", b.database().summary());
            } catch (RuntimeException e) {
                LOG.warn("warning: reload: {}; keeping the signatures loaded before", e.getMessage());
            }
        }
        if (c != null && c.spam != null) {
            any = true;
            try {
                c.spam.reload(c.config);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("warning: reload: spam rules: {}; keeping the rules loaded before", e.getMessage());
            }
        }
        if (!any) LOG.info("reload: nothing to reload (main.cf and master.cf are read at start; the built-in antivirus scanner and spam scoring are off)");
    }

    @Override
    public void close() {
        for (SmtpServer l : listeners) l.close();
        for (SmtpServer l : listeners) l.closePostscreen();
        if (metrics != null) metrics.close();
        if (trigger != null) trigger.close();
        queueManager.close();
        for (SaslBackend b : saslBackends) b.close();
        if (content != null) content.close();
        router.close();
        org.secumail.greylist.GreylistRestrictions.closeAll();
        if (maillog != null) maillog.close();
    }

    /** Loads CONFIG_DIR/main.cf and master.cf. */
    public static Server start(Path configDir) throws IOException {
        MainConfig cfg = MainConfig.load(configDir);
        MasterConfig master = MasterConfig.load(configDir.resolve("master.cf"), cfg.integer("default_process_limit"));
        return start(cfg, master);
    }
}
