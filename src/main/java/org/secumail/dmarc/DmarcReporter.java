// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the aggregate reports (RFC 7489 section 7.2) from the stored evaluations. Periods are
 * aligned on secumail_dmarc_report_interval counted from the epoch (so 1d means UTC days); a
 * report covers every stored evaluation of one policy domain before the start of the current
 * period (several periods after a downtime), and goes to the rua= mailto: addresses of the
 * latest policy seen, subject to:
 * <ul>
 * <li>external destination verification (7.1): a rua= domain outside the policy domain's
 *     organizational domain must publish {@code <policy-domain>._report._dmarc.<rua-domain>}
 *     TXT "v=DMARC1"; otherwise the address is left out, with a log line;</li>
 * <li>the size limit of a "!size" suffix (6.2), compared with the whole message; a larger
 *     report is not sent to that address;</li>
 * <li>only mailto: URIs (7.2.1.1); others are left out.</li>
 * </ul>
 *
 * <p>Call order: {@link #due} at each run (once per interval), then, once a report has been
 * queued (or has no recipient), {@link #markSent}, which forgets the evaluations it covered.
 */
public final class DmarcReporter {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dmarc");

    private final SqliteDmarcStore store;
    private final Resolver dns;
    private final PublicSuffixList psl;
    private final DmarcSettings settings;

    public DmarcReporter(SqliteDmarcStore store, Resolver dns, PublicSuffixList psl, DmarcSettings settings) {
        this.store = store;
        this.dns = dns;
        this.psl = psl;
        this.settings = settings;
    }

    /** The start of the period that contains now: the end of what can be reported. */
    public Instant periodStart(Instant now) {
        long len = settings.reportInterval().toSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), len) * len);
    }

    /** One report per policy domain with evaluations before the current period. */
    public List<ReportMessage> due(Instant now) throws IOException {
        Instant end = periodStart(now);
        List<ReportMessage> out = new ArrayList<>();
        for (String domain : store.domainsBefore(end)) {
            List<SqliteDmarcStore.Row> rows = store.rowsBefore(domain, end);
            if (!rows.isEmpty()) out.add(report(domain, rows, end, now));
        }
        return out;
    }

    /** Forgets the evaluations a report covered, once it is queued or has nowhere to go. */
    public void markSent(ReportMessage report) throws IOException {
        int n = store.deleteReported(report.policyDomain(), report.end());
        LOG.debug("dmarc report {}: {} evaluations done", report.reportId(), n);
    }

    private ReportMessage report(String domain, List<SqliteDmarcStore.Row> rows, Instant end, Instant now) {
        long len = settings.reportInterval().toSeconds();
        List<DmarcEvaluation> evals = rows.stream().map(SqliteDmarcStore.Row::evaluation).toList();
        DmarcRecord policy = evals.get(evals.size() - 1).record();
        long first = evals.get(0).time().getEpochSecond();
        Instant begin = Instant.ofEpochSecond(Math.min(Math.floorDiv(first, len) * len, end.getEpochSecond() - len));
        Instant last = end.minusSeconds(1);
        String receiver = settings.reportDomain();
        String reportId = domain + "." + begin.getEpochSecond() + "." + last.getEpochSecond() + "@" + receiver;
        AggregateReportWriter.Metadata meta = new AggregateReportWriter.Metadata(settings.reportOrgName(),
                settings.reportSender(), settings.reportContact(), reportId, begin, last);
        byte[] gz = AggregateReportWriter.gzip(meta, domain, policy, evals);
        String file = ReportMessage.fileName(receiver, domain, begin, last);

        List<String> notes = new ArrayList<>();
        Set<String> to = new LinkedHashSet<>();
        List<DmarcRecord.ReportUri> sized = new ArrayList<>();
        boolean temporary = false;
        for (DmarcRecord.ReportUri uri : policy.rua()) {
            String mailbox = uri.mailbox();
            if (mailbox == null) {
                notes.add("rua " + uri + ": not a mailto: URI, skipped");
                continue;
            }
            Verification v = verify(domain, uri.domain());
            if (v != Verification.OK) {
                temporary |= v == Verification.TEMPORARY;
                notes.add("rua " + uri + ": external destination " + uri.domain() + " not verified for " + domain
                        + (v == Verification.TEMPORARY ? " (temporary DNS failure)" : " (no v=DMARC1 at " + domain + "._report._dmarc." + uri.domain() + ")")
                        + ", skipped");
                continue;
            }
            to.add(mailbox);
            sized.add(uri);
        }
        byte[] message = new byte[0];
        if (!to.isEmpty()) {
            message = ReportMessage.build(settings.reportSender(), List.copyOf(to), domain, receiver, reportId, file, gz, now);
            for (DmarcRecord.ReportUri uri : sized) {
                if (uri.maxSize() > 0 && message.length > uri.maxSize()) {
                    to.remove(uri.mailbox());
                    notes.add("rua " + uri + ": report of " + message.length + " bytes exceeds the limit of " + uri.maxSize() + ", skipped");
                }
            }
            if (to.size() != sized.size()) {
                message = to.isEmpty() ? new byte[0]
                        : ReportMessage.build(settings.reportSender(), List.copyOf(to), domain, receiver, reportId, file, gz, now);
            }
        }
        for (String n : notes) LOG.info("dmarc report {}: {}", reportId, n);
        return new ReportMessage(domain, reportId, end, settings.reportSender(), List.copyOf(to), message, notes,
                to.isEmpty() && temporary);
    }

    private enum Verification { OK, MISSING, TEMPORARY }

    /** 7.1: the rua domain agrees to receive reports for the policy domain. */
    private Verification verify(String policyDomain, String ruaDomain) {
        if (ruaDomain == null) return Verification.MISSING;
        if (psl.organizationalDomain(ruaDomain).equals(psl.organizationalDomain(policyDomain))) return Verification.OK;
        String name = DmarcEvaluator.ascii(policyDomain) + "._report._dmarc." + DmarcEvaluator.ascii(ruaDomain);
        DnsAnswer<String> a;
        try {
            a = dns.txt(name);
        } catch (RuntimeException e) {
            return Verification.TEMPORARY;
        }
        if (a.status().temporary()) return Verification.TEMPORARY;
        for (String txt : a.records()) if (DmarcRecord.isDmarc(txt)) return Verification.OK;
        return Verification.MISSING;
    }

    /** The interval between runs. */
    public Duration interval() { return settings.reportInterval(); }
}
