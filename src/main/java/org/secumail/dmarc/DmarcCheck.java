// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.secumail.content.AuthResult;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.secumail.spf.SpfResult;
import org.secumail.spf.SpfResultCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DMARC content check (phase 1: after DKIM). Evaluates the message with
 * {@link DmarcEvaluator}, applies local policy (secumail_dmarc_* parameters) and answers:
 * <ul>
 * <li>reject: {@code 550 5.7.1 rejected by DMARC policy for DOMAIN} (OpenDMARC's reply);</li>
 * <li>quarantine: {@link ContentResult.Action#QUARANTINE} with the reason
 *     "quarantined by DMARC policy for DOMAIN"; where the message goes
 *     (secumail_dmarc_quarantine_target: "hold" or a folder name) is in {@link Detail};</li>
 * <li>accept otherwise; temperror and permerror never reject (RFC 7489 section 6.6.3 leaves a
 *     receiver free to, OpenDMARC does not).</li>
 * </ul>
 * Every result carries the dmarc= Authentication-Results entry and the evaluation's trace, and
 * its {@link ContentResult#detail()} is a {@link Detail}. Each evaluation under a policy that
 * asks for aggregate reports (rua=) is given to the {@link DmarcHistory}.
 *
 * <p>Call order: built once at startup; {@link #check} is called concurrently, once per
 * message. It never throws: an unexpected failure gives "accept" with dmarc=temperror.
 */
public final class DmarcCheck implements ContentCheck {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dmarc");

    /**
     * The check's detail for later checks and for the runner.
     *
     * @param verdict          the evaluation (null when the message was not evaluated)
     * @param quarantineTarget for a quarantine: "hold" or the folder name configured; else null
     */
    public record Detail(DmarcVerdict verdict, String quarantineTarget) implements org.secumail.content.QuarantineTarget { }

    private final DmarcSettings settings;
    private final DmarcEvaluator evaluator;
    private final Function<ContentContext, List<DkimOutcome>> dkim;
    private final DmarcHistory history;
    private final java.util.function.Predicate<ContentContext> trustedForwarder;
    private final Clock clock;

    /**
     * @param dkim    the DKIM outcomes of a transaction (typically read from
     *                {@code ctx.earlier("dkim").detail()}); may return null for none
     * @param history where evaluations are kept for aggregate reports ({@link DmarcHistory#NONE} for none)
     */
    public DmarcCheck(DmarcSettings settings, DmarcEvaluator evaluator, Function<ContentContext, List<DkimOutcome>> dkim,
                      DmarcHistory history, Clock clock) {
        this(settings, evaluator, dkim, history, clock, ctx -> false);
    }

    /**
     * @param trustedForwarder true when an ARC check of an earlier phase found a passing chain
     *                         from a trusted sealer: a failing message is then not rejected or
     *                         quarantined (RFC 8617 section 7.2)
     */
    public DmarcCheck(DmarcSettings settings, DmarcEvaluator evaluator, Function<ContentContext, List<DkimOutcome>> dkim,
                      DmarcHistory history, Clock clock, java.util.function.Predicate<ContentContext> trustedForwarder) {
        this.trustedForwarder = trustedForwarder;
        this.settings = settings;
        this.evaluator = evaluator;
        this.dkim = dkim;
        this.history = history;
        this.clock = clock;
    }

    @Override public String name() { return "dmarc"; }

    @Override public int phase() { return 1; }

    /** Mail we originate (mynetworks, SMTP AUTH) is not judged, unless secumail_dmarc_skip_trusted = no. */
    @Override public boolean appliesTo(ContentContext ctx) {
        return settings.enable() && !(settings.skipTrusted() && ctx.trusted());
    }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) {
        try {
            return decide(ctx, message);
        } catch (RuntimeException e) {
            LOG.warn("{}: dmarc: evaluation failed: {}", ctx.queueId(), e.toString());
            AuthResult ar = new AuthResult("dmarc", "temperror", null, List.of());
            return ContentResult.accept(name(), List.of(ar), List.of(), List.of("internal error: " + e), new Detail(null, null));
        }
    }

    private ContentResult decide(ContentContext ctx, RawMessage message) {
        FromDomains from = FromDomains.of(message);
        if (!from.domains().isEmpty() && from.domains().stream().allMatch(this::ignored)) {
            return ContentResult.accept(name(), List.of(), List.of(),
                    List.of("From: " + from.domains() + " in secumail_dmarc_ignore_domains: not evaluated"), new Detail(null, null));
        }
        if (settings.requiredHeaders() && (from.error() != null || from.fields() > 1)) {
            // OpenDMARC's RequiredHeaders: RFC 5322 section 3.6 wants exactly one From field
            String why = from.error() != null ? from.error() : "multiple From fields";
            LOG.info("{}: dmarc: RFC5322 requirement error: {}; rejecting", ctx.queueId(), why);
            return new ContentResult(name(), ContentResult.Action.REJECT, 550, "5.7.1", "RFC5322 requirement error: " + why,
                    List.of(new AuthResult("dmarc", "permerror", null, List.of())), List.of(), List.of("From: " + why), new Detail(null, null));
        }
        SpfResult spf = ctx.spf();
        SpfResultCode code = spf == null ? SpfResultCode.NONE : spf.code();
        String spfDomain = spf == null ? "" : spf.domain();
        List<DkimOutcome> sigs;
        try {
            sigs = dkim.apply(ctx);
        } catch (RuntimeException e) {
            sigs = null;
            LOG.warn("{}: dmarc: DKIM outcomes unreadable: {}", ctx.queueId(), e.toString());
        }
        if (sigs == null) sigs = List.of();
        DmarcVerdict v = evaluator.evaluate(message, code, spfDomain, sigs);
        List<String> trace = new ArrayList<>();
        if (spf == null) trace.add("SPF: not evaluated by smtpd (no check_spf): counts as none");
        trace.addAll(v.trace());

        DmarcPolicy dis = v.disposition();
        String override = v.sampledOut() ? "sampled_out" : "";
        if (v.sampledOut() && !settings.honorPct()) {
            dis = v.policy();
            override = "";
            trace.add("pct= ignored (secumail_dmarc_honor_pct = no): disposition " + dis.keyword());
        }
        if (dis == DmarcPolicy.REJECT && settings.rejectAction() == DmarcPolicy.QUARANTINE) {
            dis = DmarcPolicy.QUARANTINE;
            override = "local_policy";
            trace.add("reject turned into quarantine (secumail_dmarc_reject_action = quarantine)");
        }
        if (dis != DmarcPolicy.NONE && trustedForwarder.test(ctx)) {
            // RFC 8617 section 7.2: a trusted intermediary's passing ARC chain vouches for a
            // message its own changes broke (a mailing list's subject tag, footer)
            dis = DmarcPolicy.NONE;
            override = "trusted_forwarder";
            trace.add("policy overridden: ARC chain passes, sealed by a trusted sealer (secumail_arc_trusted_sealers)");
            LOG.info("{}: dmarc: {} policy overridden: trusted ARC sealer", ctx.queueId(), v.fromDomain());
        }
        if (dis != v.disposition()) v = v.withDisposition(dis, "local disposition: " + dis.keyword());
        remember(ctx, v, override, sigs);

        List<AuthResult> ar = List.of(v.toAuthResult());
        String domain = v.fromDomain();
        if (v.result() != DmarcResult.PASS) {
            LOG.info("{}: dmarc: {} client={} disposition={}", ctx.queueId(), v, ctx.clientAddress(), dis.keyword());
        }
        return switch (dis) {
            case REJECT -> new ContentResult(name(), ContentResult.Action.REJECT, 550, "5.7.1",
                    "rejected by DMARC policy for " + domain, ar, List.of(), trace, new Detail(v, null));
            case QUARANTINE -> new ContentResult(name(), ContentResult.Action.QUARANTINE, 0, "",
                    "quarantined by DMARC policy for " + domain, ar, List.of(), trace, new Detail(v, settings.quarantineTarget()));
            case NONE -> ContentResult.accept(name(), ar, List.of(), trace, new Detail(v, null));
        };
    }

    /** The domain or a parent domain of it is in secumail_dmarc_ignore_domains. */
    private boolean ignored(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        while (true) {
            if (settings.ignoreDomains().contains(d)) return true;
            int dot = d.indexOf('.');
            if (dot < 0) return false;
            d = d.substring(dot + 1);
        }
    }

    private void remember(ContentContext ctx, DmarcVerdict v, String override, List<DkimOutcome> sigs) {
        if (v.record() == null || v.record().rua().isEmpty()) return;
        String sender = ctx.sender();
        int at = sender.lastIndexOf('@');
        String envFrom = at >= 0 ? sender.substring(at + 1).toLowerCase(Locale.ROOT) : "";
        SpfResult spf = ctx.spf();
        try {
            history.record(new DmarcEvaluation(clock.instant(), ctx.clientAddress(), v.fromDomain(), envFrom,
                    v.recordDomain(), v.record(), v.disposition(), !v.dkimAligned().isEmpty(), v.spfAligned(), override,
                    spf == null ? "none" : spf.code().keyword(), spf == null ? envFrom : spf.domain(),
                    sender.isEmpty() ? "helo" : "mfrom", sigs));
        } catch (RuntimeException e) {
            LOG.warn("{}: dmarc: cannot record the evaluation for reports: {}", ctx.queueId(), e.toString());
        }
    }
}
