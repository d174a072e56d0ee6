// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's bounce(8): turns recipients that failed, are delayed or were delivered with
 * NOTIFY=SUCCESS into one RFC 3464 notification per message and kind, and queues it as a new
 * message through the normal queue (incoming/), from which it is delivered like any other.
 *
 * <p>Who gets what, as in Postfix's bounce_notify_service.c:
 * <ul>
 * <li>a message from a normal sender: the notification goes to the sender, from the null
 *     sender &lt;&gt; (RFC 5321 section 4.5.5), so that it can never cause another one; with
 *     "bounce" in notify_classes a copy of the failure (header only) goes to
 *     bounce_notice_recipient;</li>
 * <li>a message from the null sender (a bounce that bounced): no notification to anybody
 *     but, with "2bounce" or "bounce" in notify_classes, a double bounce to
 *     2bounce_notice_recipient from double_bounce_sender;</li>
 * <li>a message from double_bounce_sender (a double bounce that bounced): discarded with
 *     a warning; never a triple bounce.</li>
 * </ul>
 * RFC 3461 NOTIFY: a recipient with NOTIFY=NEVER gets nothing; a NOTIFY list gives only the
 * listed kinds; without NOTIFY, FAILURE and DELAY are implied and SUCCESS is not.
 *
 * <p>{@link #notify} returns only after the notification is committed (fsynced): the caller
 * marks the recipients done after that, so a crash in between repeats a notification but
 * never loses one.
 */
public final class Bouncer {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.bounce");

    private final QueueStore store;
    private final BounceSettings settings;

    public Bouncer(QueueStore store, BounceSettings settings) {
        this.store = store;
        this.settings = settings;
    }

    public BounceSettings settings() { return settings; }

    /** One recipient with its result; the action is RFC 3464's (failed, delayed, delivered, relayed). */
    public record Outcome(QueuedMessage.Recipient recipient, DeliveryResult result, String action) {}

    /** The kinds of notification, with the NOTIFY keyword that asks for each (RFC 3461 section 4.1). */
    public enum Kind {
        FAILURE("FAILURE", "non-delivery notification"),
        DELAY("DELAY", "delay notification"),
        SUCCESS("SUCCESS", "delivery status notification");

        final String keyword;
        final String logName;

        Kind(String keyword, String logName) {
            this.keyword = keyword;
            this.logName = logName;
        }
    }

    /**
     * Queues the notification of this kind for the outcomes the recipients asked for and
     * returns the new messages' queue IDs (empty when nothing was due). Throws when a
     * notification could not be committed: the caller must then leave the recipients pending.
     */
    public List<QueueId> notify(QueuedMessage msg, Kind kind, List<Outcome> outcomes, Instant now) throws IOException {
        List<DsnReport.Entry> entries = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (!wanted(msg.envelope(), o.recipient().index(), kind)) continue;
            entries.add(new DsnReport.Entry(o.recipient().address(), DsnAttributes.orcptOf(msg.envelope(), o.recipient().index()),
                    o.action(), o.result()));
        }
        List<QueueId> out = new ArrayList<>();
        if (entries.isEmpty()) return out;
        String sender = msg.envelope().sender();
        if (sender.equalsIgnoreCase(settings.doubleBounceAddress())) {
            if (kind == Kind.FAILURE) LOG.warn("{}: undeliverable postmaster notification discarded", msg.id());
            return out;
        }
        if (sender.isEmpty()) {
            if (kind != Kind.FAILURE) {
                LOG.info("{}: sender {} not sent: null sender", msg.id(), kind.logName);
                return out;
            }
            if (!settings.notifyClasses().contains("2bounce") && !settings.notifyClasses().contains("bounce")) {
                LOG.info("{}: undeliverable bounce discarded: notify_classes has neither 2bounce nor bounce", msg.id());
                return out;
            }
            QueueId id = queue(msg, DsnReport.Kind.POSTMASTER_FAILURE, settings.doubleBounceAddress(),
                    settings.qualify(settings.twoBounceRecipient()), entries, true, now);
            LOG.info("{}: postmaster non-delivery notification: {}", msg.id(), id);
            out.add(id);
            return out;
        }
        DsnReport.Kind report = switch (kind) {
            case FAILURE -> DsnReport.Kind.FAILURE;
            case DELAY -> DsnReport.Kind.DELAY;
            case SUCCESS -> DsnReport.Kind.SUCCESS;
        };
        QueueId id = queue(msg, report, "", sender, entries, kind != Kind.FAILURE || headersOnly(msg), now);
        LOG.info("{}: sender {}: {}", msg.id(), kind.logName, id);
        out.add(id);
        if (kind == Kind.FAILURE && settings.notifyClasses().contains("bounce")) {
            QueueId copy = queue(msg, DsnReport.Kind.POSTMASTER_FAILURE, settings.doubleBounceAddress(),
                    settings.qualify(settings.bounceNoticeRecipient()), entries, true, now);
            LOG.info("{}: postmaster non-delivery notification: {}", msg.id(), copy);
            out.add(copy);
        }
        return out;
    }

    /** RFC 3461 section 4.1: NEVER excludes all; a list names the kinds; none given means FAILURE,DELAY. */
    static boolean wanted(Envelope env, int index, Kind kind) {
        String notify = DsnAttributes.notifyOf(env, index);
        if (notify == null) return kind != Kind.SUCCESS;
        for (String k : notify.split(",")) if (k.strip().equals(kind.keyword)) return true;
        return false;
    }

    /**
     * RET=HDRS gives the header only; otherwise (RET=FULL or none: Postfix returns the full
     * message by default) the whole message up to bounce_size_limit, and a larger one as its
     * header only.
     */
    private boolean headersOnly(QueuedMessage msg) {
        String ret = msg.envelope().attributes().get(DsnAttributes.RET);
        return "HDRS".equalsIgnoreCase(ret) || msg.size() > settings.bounceSizeLimit();
    }

    private QueueId queue(QueuedMessage msg, DsnReport.Kind kind, String envelopeSender, String to, List<DsnReport.Entry> entries,
                          boolean headersOnly, Instant now) throws IOException {
        String retryUntil = kind == DsnReport.Kind.DELAY
                ? DsnReport.date(msg.envelope().arrival().plus(settings.lifetimeFor(msg.envelope().sender()))) : null;
        try (QueueStore.Writer w = store.create()) {
            DsnReport.write(w.content(), kind, settings.myhostname(), w.id(), to, msg, entries, headersOnly, now, retryUntil, settings);
            w.content().close();
            w.commit(new Envelope(envelopeSender, List.of(to), now,
                    Map.of("protocol", "bounce", "notification_for", msg.id().toString())));
            return w.id();
        }
    }
}
