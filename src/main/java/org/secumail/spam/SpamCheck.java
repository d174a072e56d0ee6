// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.secumail.content.AuthResult;
import org.secumail.content.ContentCheck;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.FromHeader;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spam scoring at end of DATA (docs/spam.md). Belongs after DKIM, ARC and DMARC (phase 2) so
 * their results are SpamAssassin's SPF_*, DKIM_*, DMARC_* and ARC_* tests without a second
 * look-up, but starts with them ({@link #startsEarly}): only those few tests, run last, wait
 * for their results, so one message's scoring overlaps its DKIM check and virus scan. The score decides, in this order: reject (secumail_spam_reject_score, 550 5.7.1,
 * unless the message is larger than secumail_spam_reject_max_size), quarantine (held in the
 * hold queue), tag (X-Spam-Flag: YES); every scored message gets X-Spam-Status, X-Spam-Score
 * and, by default, X-Spam-Report.
 *
 * <p>Clients in mynetworks and authenticated ones are not scored by default
 * (secumail_spam_skip_trusted), nor messages above secumail_spam_max_size. A failure of the
 * scorer (a corrupt Bayes database) accepts the message untagged with a warning: spam
 * scoring is advisory, and losing mail to it is worse than letting one spam through.
 */
public final class SpamCheck implements ContentCheck {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spam");

    private volatile SpamFilter filter;

    public SpamCheck(SpamFilter filter) { this.filter = filter; }

    public SpamFilter filter() { return filter; }

    /**
     * Loads the rules again ({@code secumail reload}, SIGHUP) and swaps them in; messages being
     * scored finish with the rules they started with. The Bayes database stays open. When the
     * new rules do not load, the old ones stay and the exception says why.
     */
    public void reload(org.secumail.config.MainConfig config) throws java.io.IOException {
        SpamFilter old = filter;
        SpamFilter fresh = old.reloaded(config);
        filter = fresh;
        LOG.info("reload: spam rules reloaded: {} rules, {} not usable", fresh.rules().size(), fresh.rules().skipped().size());
    }

    @Override public String name() { return "spam"; }

    /** After DMARC (phase 1): its result is one of the tests. */
    @Override public int phase() { return 2; }

    @Override
    public boolean appliesTo(ContentContext ctx) {
        return !(filter.settings().skipTrusted() && ctx.trusted());
    }

    /** Starts with DKIM and antivirus; only the tests of DKIM's and DMARC's results wait for them. */
    @Override public boolean startsEarly() { return true; }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message) throws Exception {
        return check(ctx, message, java.util.concurrent.CompletableFuture.completedFuture(ctx));
    }

    @Override
    public ContentResult check(ContentContext ctx, RawMessage message, java.util.concurrent.Future<ContentContext> earlier) throws Exception {
        SpamFilter filter = this.filter;
        SpamFilter.Settings s = filter.settings();
        long size = message.bodyOffset() + bodySize(message);
        if (size > s.maxSize()) {
            LOG.info("{}: spam: not scored, size {} above secumail_spam_max_size", ctx.queueId(), size);
            return ContentResult.accept(name(), List.of(), List.of(), List.of("spam: not scored, size " + size), null);
        }
        long t0 = System.nanoTime();
        SpamFilter.Outcome o;
        var auth = new java.util.concurrent.atomic.AtomicReference<Map<String, Set<String>>>();
        try {
            o = filter.score(message, ctx.sender(), ctx.recipients(), () -> {
                Map<String, Set<String>> a = auth.get();
                if (a == null) auth.set(a = auth(await(earlier), message));
                return a;
            }, true);
        } catch (RuntimeException e) {
            LOG.warn("{}: spam: scoring failed, message accepted unscored: {}", ctx.queueId(), e.toString());
            return ContentResult.accept(name(), List.of(), List.of(), List.of("spam: scoring failed: " + e), null);
        }
        SpamReport r = o.report();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<HeaderField> headers = SpamHeaders.fields(r, s.required(), o.bayes(), o.autolearn(), s.reportHeader());
        String bayes = Double.isNaN(r.bayes()) ? "none" : String.format(Locale.ROOT, "%.3f", r.bayes());
        String action;
        ContentResult result;
        if (r.score() >= s.reject() && size <= s.rejectMaxSize()) {
            action = "reject";
            result = ContentResult.reject(name(), 550, "5.7.1", "Message rejected as spam (score " + SpamReport.fmt(r.score()) + ")", List.of(), trace(r));
        } else if (r.score() >= s.quarantine() || r.score() >= s.reject()) {
            action = r.score() >= s.quarantine() ? "quarantine" : "tag (too large to reject)";
            result = r.score() >= s.quarantine()
                    ? ContentResult.quarantine(name(), "spam, score " + SpamReport.fmt(r.score()), List.of(), headers, trace(r))
                    : ContentResult.accept(name(), List.of(), headers, trace(r), r);
        } else {
            action = r.score() >= s.required() ? "tag" : "pass";
            result = ContentResult.accept(name(), List.of(), headers, trace(r), r);
        }
        // one line per message with every hit, as rspamd's and spamd's result lines
        LOG.info("{}: spam: {}, score={} required={} action={} bayes={} autolearn={} tests={} {} ms", ctx.queueId(),
                r.score() >= s.required() ? "spam" : "ham", SpamReport.fmt(r.score()), SpamReport.fmt(s.required()), action, bayes,
                o.autolearn(), r.logHits().isEmpty() ? "none" : r.logHits().replace(' ', ','), ms);
        if (!r.skipped().isEmpty()) LOG.info("{}: spam: not run on this message: {}", ctx.queueId(), String.join(", ", r.skipped()));
        return result;
    }

    private static long bodySize(RawMessage m) {
        try (var in = m.openBody()) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static List<String> trace(SpamReport r) {
        List<String> t = new ArrayList<>();
        for (SpamReport.Hit h : r.hits()) t.add("spam: " + h.name() + " " + SpamReport.fmt(h.points()) + (h.detail().isEmpty() ? "" : " [" + h.detail() + "]"));
        t.add("spam: score " + SpamReport.fmt(r.score()) + " of " + SpamReport.fmt(r.required()));
        return t;
    }

    /** The earlier checks' context, when their phases are done (the runner bounds the wait by the message's deadline). */
    private static ContentContext await(java.util.concurrent.Future<ContentContext> earlier) {
        try {
            return earlier.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The earlier checks' results as the eval tests read them (see {@link Scan#auth}). */
    static Map<String, Set<String>> auth(ContentContext ctx, RawMessage message) {
        Map<String, Set<String>> out = new HashMap<>();
        if (ctx.spf() != null) out.computeIfAbsent("spf", k -> new HashSet<>()).add(ctx.spf().code().keyword());
        String fromDomain = "";
        List<String> from = FromHeader.addresses(message);
        if (from.size() == 1) fromDomain = FromHeader.domain(from.get(0)).toLowerCase(Locale.ROOT);
        for (ContentResult r : ctx.earlier()) {
            for (AuthResult a : r.authResults()) {
                out.computeIfAbsent(a.method(), k -> new HashSet<>()).add(a.result());
                for (String p : a.properties()) {
                    if (a.method().equals("dkim") && a.result().equals("pass") && p.startsWith("header.d=")) {
                        String d = p.substring(9).toLowerCase(Locale.ROOT);
                        if (!fromDomain.isEmpty() && (fromDomain.equals(d) || fromDomain.endsWith("." + d))) {
                            out.computeIfAbsent("dkim.author", k -> new HashSet<>()).add("pass");
                        }
                    }
                    if (a.method().equals("dmarc") && p.startsWith("(p=")) {
                        out.computeIfAbsent("dmarc.policy", k -> new HashSet<>()).add(p.substring(3).split("[ )]")[0]);
                    }
                }
            }
        }
        return out;
    }
}
