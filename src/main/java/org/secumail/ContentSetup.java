// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.util.ArrayList;
import java.util.List;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentChecks;
import org.secumail.content.MessageSigner;
import org.secumail.antivirus.AntivirusCheck;
import org.secumail.arc.ArcVerifier;
import org.secumail.arc.ArcVerifyCheck;
import org.secumail.dkim.DkimSigning;
import org.secumail.dkim.DkimVerifier;
import org.secumail.dkim.DkimVerifyCheck;
import org.secumail.dkim.DkimVerification;
import org.secumail.dmarc.DkimOutcome;
import org.secumail.dmarc.DmarcCheck;
import org.secumail.dmarc.DmarcEvaluator;
import org.secumail.dmarc.DmarcHistory;
import org.secumail.dmarc.DmarcReportQueuer;
import org.secumail.dmarc.DmarcReporter;
import org.secumail.dmarc.DmarcSettings;
import org.secumail.dmarc.PublicSuffixList;
import org.secumail.dmarc.SqliteDmarcStore;
import org.secumail.dns.Resolver;
import org.secumail.queue.QueueStore;
import org.secumail.spam.SpamCheck;
import org.secumail.spam.SpamFilter;
import org.secumail.spf.SpfContentCheck;
import org.secumail.spf.SpfEvaluator;

/**
 * Assembles the end-of-DATA content checks of one smtpd service from its main.cf (with the
 * service's -o overrides), in the documented order: verification (DKIM, ARC), then DMARC,
 * antivirus and spam; DKIM signing last (docs/flow.md).
 */
public final class ContentSetup {
    private ContentSetup() { }

    /** The content checks of one main.cf outside the SMTP server (secumail milter, secumail filter). */
    public record Standalone(ContentChecks checks, AutoCloseable resources) implements AutoCloseable {
        @Override public void close() throws Exception { resources.close(); }
    }

    /** Opens what the checks share (rules, databases) and assembles them from main.cf. */
    public static Standalone standalone(MainConfig cfg, Resolver dns) throws java.io.IOException {
        Shared shared = Shared.open(cfg, dns);
        return new Standalone(fromConfig(cfg, dns, shared), shared);
    }

    /**
     * What all services share: the DMARC evaluator (with its Public Suffix List) and the
     * aggregate report history, opened once from the global main.cf.
     */
    static final class Shared implements AutoCloseable {
        final DmarcSettings settings;
        final DmarcEvaluator dmarc;
        final SqliteDmarcStore store;
        /** One scanner for all services: the built-in one holds the signature databases in memory. */
        final AntivirusCheck antivirus;
        /** One spam filter for all services: the rules take seconds to load and the Bayes database is one file. */
        final SpamCheck spam;
        final MainConfig config;
        private DmarcReportQueuer reports;

        private Shared(DmarcSettings settings, DmarcEvaluator dmarc, SqliteDmarcStore store, AntivirusCheck antivirus, SpamCheck spam, MainConfig config) {
            this.settings = settings;
            this.dmarc = dmarc;
            this.store = store;
            this.antivirus = antivirus;
            this.spam = spam;
            this.config = config;
        }

        static Shared open(MainConfig cfg, Resolver dns) throws java.io.IOException {
            DmarcSettings s = DmarcSettings.fromConfig(cfg);
            PublicSuffixList psl = PublicSuffixList.fromSetting(s.pslFile());
            SqliteDmarcStore store = s.enable() && s.reportEnable() ? SqliteDmarcStore.open(s.reportDatabase()) : null;
            AntivirusCheck av = AntivirusCheck.fromConfig(cfg).orElse(null);
            SpamFilter sf = SpamFilter.fromConfig(cfg, dns);
            return new Shared(s, new DmarcEvaluator(dns, psl, java.util.concurrent.ThreadLocalRandom.current()), store, av,
                    sf == null ? null : new SpamCheck(sf), cfg);
        }

        DmarcHistory history() { return store == null ? DmarcHistory.NONE : store; }

        /** With secumail_dmarc_report_enable: aggregate reports go through our own queue once per interval. */
        void startReports(Resolver dns, QueueStore queue, Runnable wake) {
            if (store == null) return;
            reports = new DmarcReportQueuer(new DmarcReporter(store, dns, dmarc.psl(), settings), queue, wake, java.time.Clock.systemUTC());
            reports.start();
        }

        @Override public void close() {
            if (reports != null) reports.close();
            if (store != null) store.close();
            if (spam != null) spam.filter().close();
        }
    }

    /** DMARC's view of the DKIM verifications of an earlier phase. */
    static List<DkimOutcome> dkimOutcomes(org.secumail.content.ContentContext ctx) {
        List<DkimOutcome> out = new ArrayList<>();
        for (DkimVerification v : DkimVerifyCheck.of(ctx)) {
            if (v.domain() != null) out.add(new DkimOutcome(v.domain(), v.selector(), v.result().keyword()));
        }
        return out;
    }

    static ContentChecks fromConfig(MainConfig cfg, Resolver dns, Shared shared) {
        List<ContentCheck> checks = new ArrayList<>();
        List<MessageSigner> signers = new ArrayList<>();
        java.time.Clock clock = java.time.Clock.systemUTC();
        DmarcSettings dmarc = DmarcSettings.fromConfig(cfg);
        // DMARC needs SPF: evaluated here when check_spf did not already (SpfContentCheck)
        if (dmarc.enable()) checks.add(new SpfContentCheck(new SpfEvaluator(dns, cfg.get("myhostname"), clock)));
        if (cfg.bool("secumail_dkim_verify")) {
            checks.add(new DkimVerifyCheck(new DkimVerifier(dns, clock, cfg.integer("secumail_dkim_max_signatures"))));
        }
        ArcVerifyCheck arc = null;
        if (cfg.bool("secumail_arc_verify")) {
            arc = new ArcVerifyCheck(new ArcVerifier(dns, clock), cfg.list("secumail_arc_trusted_sealers"));
            checks.add(arc);
        }
        if (dmarc.enable()) {
            java.util.function.Predicate<org.secumail.content.ContentContext> forwarder = arc == null ? c -> false : arc::trustedPass;
            checks.add(new DmarcCheck(dmarc, shared.dmarc, ContentSetup::dkimOutcomes, shared.history(), clock, forwarder));
        }
        if (shared.antivirus != null) checks.add(shared.antivirus);
        // per service: "-o secumail_spam_filter=no" on a submission service leaves it out
        if (shared.spam != null && cfg.bool("secumail_spam_filter")) checks.add(shared.spam);
        DkimSigning signing = DkimSigning.fromConfig(cfg, clock);
        if (signing != null) signers.add(signing);
        return new ContentChecks(checks, signers, cfg.get("secumail_authserv_id"), cfg.duration("secumail_content_check_timeout"));
    }
}
