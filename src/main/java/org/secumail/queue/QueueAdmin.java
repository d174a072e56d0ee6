// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The administrator's queue operations, shared by {@code secumail queue} and the dashboard so
 * that both do exactly the same thing: find, hold (postsuper -h), release (postsuper -H: to
 * deferred, due now), delete (postsuper -d) and flush (postqueue -f). A message being delivered
 * (in active/) is neither held nor requeued: the queue manager owns it until the attempt ends.
 */
public final class QueueAdmin {
    private QueueAdmin() { }

    /** The queues an administrator sees, in mailq's order. */
    public static final List<String> QUEUES = List.of(QueueStore.INCOMING, QueueStore.ACTIVE, QueueStore.DEFERRED, QueueStore.HOLD);

    /** What an operation did: ok, and the line to show (as the CLI prints it, without the "secumail queue: " prefix). */
    public record Outcome(boolean ok, String message) { }

    /** The message with this queue ID in any queue, or null. */
    public static QueuedMessage find(QueueStore store, String qid) throws IOException {
        if (!QueueId.isValid(qid)) return null;
        for (String q : QUEUES) {
            for (Path env : store.list(q)) {
                if (env.getFileName().toString().startsWith(qid + ".")) {
                    try {
                        return store.load(env);
                    } catch (NoSuchFileException e) {
                        return find(store, qid);   // moved between the listing and the load: look again
                    }
                }
            }
        }
        return null;
    }

    /** Every message in the queues (those that move while being listed are skipped). */
    public static List<QueuedMessage> all(QueueStore store) throws IOException {
        List<QueuedMessage> out = new ArrayList<>();
        for (String q : QUEUES) {
            for (Path env : store.list(q)) {
                try {
                    out.add(store.load(env));
                } catch (NoSuchFileException e) {
                    // delivered or moved since the listing
                }
            }
        }
        return out;
    }

    public static Outcome hold(QueueStore store, QueuedMessage msg) throws IOException {
        if (msg.queue().equals(QueueStore.ACTIVE)) return new Outcome(false, msg.id() + ": being delivered now; try again later");
        if (msg.queue().equals(QueueStore.HOLD)) return new Outcome(true, msg.id() + ": already on hold");
        try {
            store.moveTo(msg, QueueStore.HOLD);
        } catch (NoSuchFileException e) {
            return new Outcome(false, msg.id() + ": taken by the queue manager meanwhile; try again later");
        }
        return new Outcome(true, msg.id() + ": placed on hold");
    }

    public static Outcome release(QueueStore store, QueuedMessage msg) throws IOException {
        if (!msg.queue().equals(QueueStore.HOLD)) return new Outcome(false, msg.id() + ": not on hold");
        store.defer(msg, Instant.now());
        return new Outcome(true, msg.id() + ": released from hold (deferred, due now)");
    }

    public static Outcome delete(QueueStore store, QueuedMessage msg) throws IOException {
        store.remove(msg);
        return new Outcome(true, msg.id() + ": removed");
    }

    /** Makes every deferred message due now; the caller wakes the queue manager. Returns how many. */
    public static int flush(QueueStore store) throws IOException {
        int n = 0;
        Instant now = Instant.now();
        for (Path env : store.list(QueueStore.DEFERRED)) {
            try {
                store.makeDue(env, now);
                n++;
            } catch (NoSuchFileException e) {
                // taken by the queue manager meanwhile
            }
        }
        return n;
    }
}
