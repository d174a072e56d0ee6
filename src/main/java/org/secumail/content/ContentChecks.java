// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the content checks of one message at end of DATA and merges their results into one
 * {@link ContentOutcome}. Checks of the same phase run at once, each on a virtual thread
 * (a check that {@link ContentCheck#startsEarly starts early} runs from the first phase on);
 * all phases share one deadline ({@code secumail_content_check_timeout}). A check that
 * throws or misses the deadline gives 451 4.7.1 (a temporary failure: the client retries and
 * nothing is lost), never an accept by default.
 *
 * <p>The merge: the strongest action wins (reject > tempfail > quarantine > discard >
 * accept), the first check in configuration order among equals. For a message that is kept,
 * every Authentication-Results entry (smtpd's SPF result first, then the checks' in order)
 * goes into one header with our authserv-id, placed on top with the checks' other headers;
 * Authentication-Results fields that arrived claiming our authserv-id are removed (RFC 8601
 * section 5); then each {@link MessageSigner} signs the final header section and its fields
 * go on top.
 */
public final class ContentChecks {
    static final Logger LOG = LoggerFactory.getLogger("secumail.cleanup");

    private final List<ContentCheck> checks;
    private final List<MessageSigner> signers;
    private final String authservId;
    private final Duration timeout;

    public ContentChecks(List<ContentCheck> checks, List<MessageSigner> signers, String authservId, Duration timeout) {
        this.checks = List.copyOf(checks);
        this.signers = List.copyOf(signers);
        this.authservId = authservId;
        this.timeout = timeout;
    }

    /** No checks and no signers: smtpd skips this stage (and writes its headers at once). */
    public static ContentChecks none() {
        return new ContentChecks(List.of(), List.of(), "localhost", Duration.ofSeconds(60));
    }

    /** The same without the checks: what receive_override_options = no_header_body_checks leaves (signing). */
    public ContentChecks signingOnly() {
        return new ContentChecks(List.of(), signers, authservId, timeout);
    }

    public boolean active() { return !checks.isEmpty() || !signers.isEmpty(); }

    public String authservId() { return authservId; }

    public List<ContentCheck> checks() { return checks; }

    /**
     * @param envelopeResults Authentication-Results entries smtpd already has (SPF), first in the header
     */
    public ContentOutcome run(ContentContext ctx, RawMessage msg, List<AuthResult> envelopeResults) {
        long deadline = System.nanoTime() + timeout.toNanos();
        TreeMap<Integer, List<ContentCheck>> phases = new TreeMap<>();
        for (ContentCheck c : checks) {
            if (c.appliesTo(ctx)) phases.computeIfAbsent(c.phase(), k -> new ArrayList<>()).add(c);
        }
        List<ContentResult> all = new ArrayList<>();
        ContentContext cur = ctx;
        // checks that start early (ContentCheck.startsEarly) are given their phase's context
        // through a future completed when that phase comes
        Map<ContentCheck, CompletableFuture<ContentContext>> contexts = new HashMap<>();
        Map<ContentCheck, Future<ContentResult>> started = new HashMap<>();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                for (List<ContentCheck> phase : phases.tailMap(phases.isEmpty() ? 0 : phases.firstKey(), false).values()) {
                    for (ContentCheck c : phase) {
                        if (!c.startsEarly()) continue;
                        CompletableFuture<ContentContext> later = new CompletableFuture<>();
                        contexts.put(c, later);
                        started.put(c, exec.submit(() -> c.check(ctx, msg, later)));
                    }
                }
                for (List<ContentCheck> phase : phases.values()) {
                    for (ContentCheck c : phase) {
                        CompletableFuture<ContentContext> later = contexts.get(c);
                        if (later != null) later.complete(cur);
                    }
                    List<ContentResult> got = runPhase(exec, cur, msg, phase, started, deadline);
                    all.addAll(got);
                    cur = cur.withEarlier(got);
                }
            } finally {
                // a check still waiting for its phase when the others end (an exception) stops
                for (CompletableFuture<ContentContext> later : contexts.values()) later.cancel(true);
            }
        }
        ContentResult decider = null;
        for (ContentResult r : all) {
            if (decider == null ? r.action() != ContentResult.Action.ACCEPT : r.action().ordinal() > decider.action().ordinal()) decider = r;
        }
        ContentResult.Action action = decider == null ? ContentResult.Action.ACCEPT : decider.action();
        String by = decider == null ? "" : decider.check();
        int code = decider == null ? 0 : decider.code();
        String enh = decider == null ? "" : decider.enhanced();
        String text = decider == null ? "" : decider.text();
        if (action == ContentResult.Action.REJECT || action == ContentResult.Action.TEMPFAIL || action == ContentResult.Action.DISCARD) {
            return new ContentOutcome(action, by, code, enh, text, null, all);
        }
        RawMessage fin = finalMessage(cur, msg, envelopeResults, all);
        return new ContentOutcome(action, by, code, enh, text, fin, all);
    }

    /** Runs one phase's checks at once (those started early are already running) and waits for them until the deadline. */
    private List<ContentResult> runPhase(ExecutorService exec, ContentContext ctx, RawMessage msg, List<ContentCheck> phase,
                                         Map<ContentCheck, Future<ContentResult>> started, long deadline) {
        List<Future<ContentResult>> futures = new ArrayList<>();
        for (ContentCheck c : phase) {
            Future<ContentResult> f = started.get(c);
            futures.add(f != null ? f : exec.submit(() -> c.check(ctx, msg)));
        }
        List<ContentResult> out = new ArrayList<>();
        for (int i = 0; i < phase.size(); i++) {
            ContentCheck c = phase.get(i);
            Future<ContentResult> f = futures.get(i);
            ContentResult r;
            try {
                r = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (r == null) r = failure(ctx, c, "no result");
            } catch (TimeoutException e) {
                f.cancel(true);
                r = failure(ctx, c, "timed out after " + timeout.toSeconds() + "s");
            } catch (ExecutionException e) {
                Throwable t = e.getCause() == null ? e : e.getCause();
                r = failure(ctx, c, t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r = failure(ctx, c, "interrupted");
            }
            out.add(r);
        }
        return out;
    }

    private static ContentResult failure(ContentContext ctx, ContentCheck c, String why) {
        LOG.warn("{}: {}: check failed: {}", ctx.queueId(), c.name(), why);
        return ContentResult.tempfail(c.name(), "Error: content check " + c.name() + " unavailable, try again later", List.of(why));
    }

    private RawMessage finalMessage(ContentContext ctx, RawMessage msg, List<AuthResult> envelopeResults, List<ContentResult> all) {
        List<AuthResult> ar = new ArrayList<>(envelopeResults);
        List<HeaderField> added = new ArrayList<>();
        for (ContentResult r : all) {
            ar.addAll(r.authResults());
            added.addAll(r.addHeaders());
        }
        List<HeaderField> kept = new ArrayList<>();
        boolean removed = false;
        for (HeaderField h : msg.headers()) {
            if (AuthenticationResults.claimsOurId(h, authservId)) {
                LOG.info("{}: removed Authentication-Results claiming our authserv-id {}: {}", ctx.queueId(), authservId,
                        org.secumail.queue.Printable.of(h.value()));
                removed = true;
            } else {
                kept.add(h);
            }
        }
        List<HeaderField> top = new ArrayList<>();
        if (!ar.isEmpty()) top.add(AuthenticationResults.header(authservId, ar));
        top.addAll(added);
        top.addAll(kept);
        RawMessage fin = top.size() == msg.headers().size() && !removed ? msg : msg.withHeaders(top);
        for (MessageSigner s : signers) {
            if (!s.appliesTo(ctx)) continue;
            try {
                List<HeaderField> sig = s.sign(ctx, fin);
                if (sig.isEmpty()) continue;
                List<HeaderField> h = new ArrayList<>(sig);
                h.addAll(fin.headers());
                fin = fin.withHeaders(h);
            } catch (Exception e) {
                // An unsigned message still goes out: refusing a user's mail because a key is
                // broken would be worse, and the log says why (OpenDKIM's On-SignatureError is
                // "tempfail" by default; see docs for the choice).
                LOG.warn("{}: {}: not signed: {}", ctx.queueId(), s.name(), e.getMessage());
            }
        }
        return fin == msg ? null : fin;
    }
}
