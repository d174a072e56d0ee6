// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.Resolver;
import org.secumail.postscreen.Postscreen;
import org.secumail.postscreen.PostscreenSettings;
import org.secumail.queue.QueueStore;
import org.secumail.sasl.SaslBackend;
import org.secumail.smtpd.AuthGuard;
import org.secumail.smtpd.SmtpdService;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.secumail.tls.ServerTls;

/**
 * The smtpd services of one reading of main.cf and master.cf: one {@link SmtpdService} per
 * master.cf "inet" entry with its -o overrides, its restriction lists, TLS, AUTH backend,
 * content checks and postscreen, and the addresses it listens on. Built at start and again at
 * each reload; building either succeeds whole or opens nothing (what it opened is closed), so a
 * configuration with an error never replaces a working one.
 */
final class SmtpdServices {
    /** One service and the addresses it listens on. */
    record Entry(MasterConfig.Service service, SmtpdService svc, List<InetSocketAddress> binds) { }

    /** What every generation shares: the server's parts that a reload keeps. */
    record Parts(Resolver dns, RestrictionRegistry registry, Server.SaslFactory saslFactory, AuthGuard authGuard,
                 QueueStore store, Runnable queueWakeup, ContentSetup.Shared content, org.secumail.trace.TraceStore traces,
                 org.secumail.verify.AddressVerifier verifier) { }

    final MainConfig cfg;
    final List<Entry> entries;
    private final List<SaslBackend> sasl;

    private SmtpdServices(MainConfig cfg, List<Entry> entries, List<SaslBackend> sasl) {
        this.cfg = cfg;
        this.entries = entries;
        this.sasl = sasl;
    }

    /**
     * Builds every service of master.cf. previous gives the postscreen a service had before a
     * reload (or null), whose cache the new one takes over when it is the same map.
     */
    static SmtpdServices build(MainConfig cfg, MasterConfig master, Parts parts, Function<String, Postscreen> previous) throws IOException {
        if (master.services().isEmpty()) throw new org.secumail.config.ConfigException("master.cf defines no smtpd service of type inet");
        record Prepared(MasterConfig.Service service, MainConfig cfg, CheckSettings checks, ServerTls tls, List<InetSocketAddress> binds) { }
        List<Prepared> prepared = new ArrayList<>();
        for (MasterConfig.Service s : master.services()) {
            MainConfig scfg = cfg.withOverrides(s.overrides());
            CheckSettings checks = new CheckSettings(scfg, parts.registry(), parts.dns());
            checks.useVerifier(parts.verifier());
            Server.requireRelayControl(checks, s);
            prepared.add(new Prepared(s, scfg, checks, ServerTls.fromConfig(scfg), Server.bindAddresses(s.endpoint(), scfg)));
        }
        List<SaslBackend> opened = new ArrayList<>();
        List<Postscreen> screens = new ArrayList<>();
        try {
            Map<Prepared, SaslBackend> sasl = new java.util.IdentityHashMap<>();
            for (Prepared p : prepared) {
                if (!p.cfg.bool("smtpd_sasl_auth_enable")) continue;
                SaslBackend b = parts.saslFactory().open(p.cfg);
                opened.add(b);
                sasl.put(p, b);
            }
            List<Entry> entries = new ArrayList<>();
            for (Prepared p : prepared) {
                SmtpdService svc = new SmtpdService(p.service.endpoint(), p.cfg, p.checks, parts.store(), parts.queueWakeup(),
                        p.service.maxproc(), p.tls, sasl.get(p), parts.authGuard(), ContentSetup.fromConfig(p.cfg, parts.dns(), parts.content()));
                // secumail_trace_enable per service (-o in master.cf) and at reload; the store stays open
                svc.traces = p.cfg.bool("secumail_trace_enable") ? parts.traces() : null;
                if (p.service.postscreen()) {
                    svc.postscreen = new Postscreen(PostscreenSettings.fromConfig(p.cfg), parts.dns(), p.checks.mynetworks(), p.cfg.configDir(),
                            svc.tls, previous.apply(p.service.endpoint()));
                    screens.add(svc.postscreen);
                }
                entries.add(new Entry(p.service, svc, p.binds));
            }
            return new SmtpdServices(cfg, entries, opened);
        } catch (IOException | RuntimeException e) {
            for (Postscreen ps : screens) ps.abandon();
            for (SaslBackend b : opened) b.close();
            throw e;
        }
    }

    /** A reload that failed after building: gives back what was built. */
    void abandon() {
        for (Entry e : entries) if (e.svc.postscreen != null) e.svc.postscreen.abandon();
        for (SaslBackend b : sasl) b.close();
    }

    /** Closes what one service holds (its AUTH backend, its postscreen) once its last session ended. */
    static void retire(SmtpdService svc) {
        svc.retire(() -> {
            if (svc.sasl != null) svc.sasl.close();
            if (svc.postscreen != null) svc.postscreen.close();
        });
    }

    /** Shutdown: the AUTH backends of every service. */
    void closeSasl() {
        for (SaslBackend b : sasl) b.close();
    }
}
