// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the queue manager does with the results of one delivery attempt (Postfix's
 * qmgr_active_done()): returns a message whose lifetime is over, queues the notifications,
 * then writes the done records, the deferral reasons and the delay warning, and finally
 * removes the message or defers it with the backoff. The order is the crash-safety argument:
 * a notification is on disk before the recipients it reports are marked done.
 */
final class AttemptAccounting {
    private static final Logger QMGR = LoggerFactory.getLogger("secumail.qmgr");

    private final QueueStore store;
    private final Bouncer bouncer;
    private final Clock clock;
    private final UnaryOperator<Duration> backoff;
    private final Runnable wake;
    private final Runnable afterNotifications;

    AttemptAccounting(QueueStore store, Bouncer bouncer, Clock clock, UnaryOperator<Duration> backoff, Runnable wake,
                      Runnable afterNotifications) {
        this.store = store;
        this.bouncer = bouncer;
        this.clock = clock;
        this.backoff = backoff;
        this.wake = wake;
        this.afterNotifications = afterNotifications;
    }

    /** Records one attempt's outcomes; the lists may be changed (expired recipients move to failed). */
    void record(QueuedMessage msg, List<Bouncer.Outcome> delivered, List<Bouncer.Outcome> failed, List<Bouncer.Outcome> deferred)
            throws IOException {
        Envelope envl = msg.envelope();
        Instant now = clock.instant();
        Duration age = Duration.between(envl.arrival(), now);
        Set<Integer> expired = new java.util.HashSet<>();
        if (!deferred.isEmpty() && age.compareTo(bouncer.settings().lifetimeFor(envl.sender())) >= 0) {
            // qmgr_active_done(): after this last attempt, what is still deferred is returned
            // with the reason of that attempt (its 4.x.x code stays in the report, action failed).
            QMGR.info("{}: from=<{}>, status=expired, returned to sender", msg.id(), QueueManager.printable(envl.sender()));
            for (Bouncer.Outcome o : deferred) {
                failed.add(new Bouncer.Outcome(o.recipient(), o.result(), "failed"));
                expired.add(o.recipient().index());
            }
            deferred.clear();
        }
        // The notifications are committed before any recipient is marked done: a crash in
        // between repeats a notification, it never loses one.
        if (!failed.isEmpty()) {
            try {
                if (!bouncer.notify(msg, Bouncer.Kind.FAILURE, failed, now).isEmpty()) wake.run();
            } catch (IOException | RuntimeException e) {
                QMGR.warn("{}: cannot queue the non-delivery notification, recipients stay queued: {}", msg.id(), e.toString());
                for (Bouncer.Outcome o : failed) {
                    deferred.add(new Bouncer.Outcome(o.recipient(),
                            DeliveryResult.deferred("4.3.0", o.result().relay(), "bounce failed: " + o.result().text()), "delayed"));
                }
                failed.clear();
            }
        }
        if (!delivered.isEmpty()) {
            try {
                if (!bouncer.notify(msg, Bouncer.Kind.SUCCESS, delivered, now).isEmpty()) wake.run();
            } catch (IOException | RuntimeException e) {
                // Delivered is delivered: repeating the delivery to get the report out would be worse.
                QMGR.warn("{}: cannot queue the delivery status notification: {}", msg.id(), e.toString());
            }
        }
        afterNotifications.run();
        if (deferred.isEmpty()) {
            // Every recipient is final: the files are removed next, so done records would be
            // written and fsynced only to be deleted. A crash before the removal repeats just
            // the deliveries of this pass.
            store.remove(msg);
            QMGR.info("{}: removed", msg.id());
            return;
        }
        List<Bouncer.Outcome> done = new ArrayList<>(delivered);
        done.addAll(failed);
        for (Bouncer.Outcome o : done) {
            String status = expired.contains(o.recipient().index()) ? "expired" : o.result().status().logName();
            try {
                store.markDone(msg, o.recipient().index(), status + " " + o.result().dsn());
            } catch (IOException e) {
                // Without the record the recipient stays pending: a later retry delivers it twice
                // rather than never.
                QMGR.warn("{}: cannot record final status for <{}>: {}", msg.id(), o.recipient().address(), e.getMessage());
            }
        }
        recordDeferrals(msg, deferred);
        maybeWarnDelay(msg, deferred, age, now);
        store.defer(msg, now.plus(backoff.apply(age)));
    }

    /** The last deferral reason per recipient, kept in the queue file for mailq and later reports. */
    private void recordDeferrals(QueuedMessage msg, List<Bouncer.Outcome> deferred) {
        for (Bouncer.Outcome o : deferred) {
            DeliveryResult last = msg.lastDeferral(o.recipient().index());
            if (o.result().equals(last)) continue;   // unchanged: the file does not grow with every retry
            try {
                store.recordDeferral(msg, o.recipient().index(), o.result());
            } catch (IOException e) {
                QMGR.warn("{}: cannot record the deferral reason for <{}>: {}", msg.id(), o.recipient().address(), e.getMessage());
            }
        }
    }

    /** delay_warning_time: one "delayed mail" notice per message, once it is queued that long. */
    private void maybeWarnDelay(QueuedMessage msg, List<Bouncer.Outcome> deferred, Duration age, Instant now) {
        Duration warn = bouncer.settings().delayWarningTime();
        if (warn.isZero() || msg.delayWarned() || age.compareTo(warn) < 0) return;
        try {
            if (!bouncer.notify(msg, Bouncer.Kind.DELAY, deferred, now).isEmpty()) wake.run();
            store.markDelayWarned(msg);
        } catch (IOException | RuntimeException e) {
            QMGR.warn("{}: cannot queue the delay notification, trying again at the next attempt: {}", msg.id(), e.toString());
        }
    }
}
