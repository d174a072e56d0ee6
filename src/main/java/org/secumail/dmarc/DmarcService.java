// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentContext;
import org.secumail.dns.Resolver;
import org.secumail.queue.QueueStore;

/**
 * Everything DMARC assembled from main.cf, for Server: the content check and, with
 * secumail_dmarc_report_enable = yes, the report database and the daily report run.
 *
 * <p>Lifecycle: {@link #fromConfig} at startup (a bad parameter or an unreadable list stops
 * startup with a ConfigException), {@link #start} once the queue manager runs, {@link #close}
 * at shutdown.
 */
public final class DmarcService implements AutoCloseable {
    private final DmarcSettings settings;
    private final DmarcCheck check;
    private final SqliteDmarcStore store;
    private final DmarcReportQueuer queuer;

    private DmarcService(DmarcSettings settings, DmarcCheck check, SqliteDmarcStore store, DmarcReportQueuer queuer) {
        this.settings = settings;
        this.check = check;
        this.store = store;
        this.queuer = queuer;
    }

    /**
     * @param dkim  the DKIM outcomes of a transaction (from the DKIM check's result)
     * @param queue our queue, for the reports (may be null when reports are off)
     * @param wake  called after a report is queued (QueueManager::wake)
     */
    public static DmarcService fromConfig(MainConfig config, Resolver dns, Function<ContentContext, List<DkimOutcome>> dkim,
                                          QueueStore queue, Runnable wake, Clock clock) throws IOException {
        DmarcSettings s = DmarcSettings.fromConfig(config);
        PublicSuffixList psl;
        try {
            psl = PublicSuffixList.fromSetting(s.pslFile());
        } catch (java.io.UncheckedIOException e) {
            throw new org.secumail.config.ConfigException("secumail_dmarc_psl_file: " + e.getMessage());
        }
        // ThreadLocalRandom's one instance draws from the calling thread's seed: safe from every session
        DmarcEvaluator evaluator = new DmarcEvaluator(dns, psl, java.util.concurrent.ThreadLocalRandom.current());
        SqliteDmarcStore store = null;
        DmarcReportQueuer queuer = null;
        if (s.enable() && s.reportEnable()) {
            store = SqliteDmarcStore.open(s.reportDatabase());
            if (queue != null) queuer = new DmarcReportQueuer(new DmarcReporter(store, dns, psl, s), queue, wake, clock);
        }
        java.util.function.Function<ContentContext, org.secumail.spf.SpfResult> spfSelf = null;
        if (s.spfSelfValidate()) {
            org.secumail.spf.SpfEvaluator spf = new org.secumail.spf.SpfEvaluator(dns, config.get("myhostname"), clock);
            spfSelf = ctx -> {
                try {
                    return spf.check(java.net.InetAddress.getByName(literal(ctx.clientAddress())), ctx.sender(), ctx.helo());
                } catch (java.net.UnknownHostException e) {
                    return null;   // not an address literal: no SPF
                }
            };
        }
        DmarcCheck check = new DmarcCheck(s, evaluator, dkim, store != null ? store : DmarcHistory.NONE, clock, spfSelf);
        return new DmarcService(s, check, store, queuer);
    }

    /** An address literal only, so that InetAddress never asks DNS for a name. */
    private static String literal(String ip) throws java.net.UnknownHostException {
        String a = ip == null ? "" : ip.strip();
        if (a.startsWith("[") && a.endsWith("]")) a = a.substring(1, a.length() - 1);
        if (a.regionMatches(true, 0, "IPv6:", 0, 5)) a = a.substring(5);
        if (!a.matches("[0-9A-Fa-f:.]+")) throw new java.net.UnknownHostException(ip);
        return a;
    }

    public DmarcSettings settings() { return settings; }

    /** The content check (phase 1); its appliesTo is false when secumail_dmarc_enable = no. */
    public DmarcCheck check() { return check; }

    /** The report run, or null when reports are off. */
    public DmarcReportQueuer reports() { return queuer; }

    /** Starts the periodic report run, if any. */
    public void start() {
        if (queuer != null) queuer.start();
    }

    @Override
    public void close() {
        if (queuer != null) queuer.close();
        if (store != null) store.close();
    }
}
