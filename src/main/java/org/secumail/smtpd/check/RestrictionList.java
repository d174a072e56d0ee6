// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A parsed restriction list. Evaluation follows Postfix's generic_checks(): restrictions run in
 * order; the first Permit, Reject or Discard ends the list; Dunno goes on; modifiers (WARN,
 * PREPEND, HOLD, defer_if_permit, defer_if_reject) are recorded in the context and evaluation
 * goes on. {@code warn_if_reject} turns a reject by the next restriction into a logged
 * "reject_warning". An empty list is a Dunno.
 */
public final class RestrictionList {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");

    /** One restriction with its main.cf spelling, for logs. */
    public record Entry(String name, Restriction restriction, boolean warnIfReject) { }

    /** Relay control: never relaxed by shadow mode, which must not make an open relay. */
    private static final java.util.Set<String> RELAY_CONTROL = java.util.Set.of("reject_unauth_destination", "defer_unauth_destination");

    private final String source;
    private final List<Entry> entries;

    public RestrictionList(String source, List<Entry> entries) {
        this.source = source;
        this.entries = List.copyOf(entries);
    }

    public String source() { return source; }

    public List<Entry> entries() { return entries; }

    public boolean isEmpty() { return entries.isEmpty(); }

    /** A verdict as explain prints it. */
    static String describe(Verdict v) {
        return switch (v) {
            case Verdict.Dunno d -> "DUNNO";
            case Verdict.Permit p -> "OK" + (p.why() == null || p.why().isEmpty() ? "" : " (" + p.why() + ")");
            case Verdict.Reject r -> "REJECT " + r.reply().line();
            case Verdict.DeferIfPermit d -> "DEFER_IF_PERMIT " + d.reply().line();
            case Verdict.DeferIfReject d -> "DEFER_IF_REJECT " + d.reply().line();
            case Verdict.Warn w -> "WARN " + w.text();
            case Verdict.Discard d -> "DISCARD " + d.text();
            case Verdict.Hold h -> "HOLD " + h.text();
            case Verdict.Redirect r -> "REDIRECT " + r.address();
            case Verdict.Filter f -> "FILTER " + f.nexthop();
            case Verdict.Prepend p -> "PREPEND " + p.header();
        };
    }

    public Verdict evaluate(CheckContext ctx) {
        for (Entry e : entries) {
            if (ctx.dryRun && e.name().startsWith("check_policy_service")) {
                // the policy server (postgrey, say) would record the request
                if (ctx.trace != null) ctx.trace.add(source + ": " + e.name() + " -> not asked in a dry run (it may record the request)");
                continue;
            }
            long start = System.nanoTime();
            Verdict v = e.restriction().check(ctx);
            if (ctx.trace != null) {
                ctx.trace.add(source + ": " + (e.warnIfReject() ? "warn_if_reject " : "") + e.name() + " -> " + describe(v));
                for (String d : ctx.takeDetails()) ctx.trace.add("    " + d);
            }
            // secumail_check_seconds{restriction}: the time each check takes (name without its table)
            String name = e.name();
            int sp = name.indexOf(' ');
            String word = sp < 0 ? name : name.substring(0, sp);
            org.secumail.metrics.Metrics.time("secumail.check", java.time.Duration.ofNanos(System.nanoTime() - start), "restriction",
                    word.indexOf(':') > 0 ? "access_table" : word);
            switch (v) {
                case Verdict.Dunno d -> { }
                case Verdict.Warn w -> ctx.warnings.add(w.text());
                case Verdict.Prepend p -> ctx.prepends.add(p.header());
                case Verdict.Hold h -> ctx.hold = h.text();
                case Verdict.Redirect r -> ctx.redirect = r.address();
                case Verdict.Filter f -> ctx.filter = f.nexthop();
                case Verdict.DeferIfPermit d -> {
                    if (ctx.shadow) ctx.warnings.add("reject_warning: " + d.reply().line());
                    else if (ctx.deferIfPermit == null) ctx.deferIfPermit = d.reply();
                }
                case Verdict.DeferIfReject d -> { if (ctx.deferIfReject == null) ctx.deferIfReject = d.reply(); }
                case Verdict.Reject r -> {
                    if (e.warnIfReject() || ctx.shadow && !RELAY_CONTROL.contains(e.name())) {
                        ctx.warnings.add("reject_warning: " + r.reply().line());
                        continue;
                    }
                    if (ctx.decidedBy == null) ctx.decidedBy = word.indexOf(':') > 0 ? "access_table" : word;
                    if (ctx.deferIfReject != null && r.reply().permanent()) {
                        LOG.debug("{}: defer_if_reject turns {} into {}", source, r.reply(), ctx.deferIfReject);
                        return new Verdict.Reject(ctx.deferIfReject, r.logDetail());
                    }
                    return r;
                }
                case Verdict.Permit p -> { return p; }
                case Verdict.Discard d -> {
                    if (ctx.shadow) {
                        ctx.warnings.add("discard_warning: " + d.text());
                        continue;
                    }
                    ctx.discard = d.text();
                    return d;
                }
            }
        }
        return Verdict.DUNNO;
    }
}
