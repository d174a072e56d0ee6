// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A committed message as read from its queue files.
 *
 * @param id         the queue ID
 * @param queue      the queue it was read from ("incoming", "active", "deferred", "hold")
 * @param envelope   sender, all recipients, arrival time, attributes
 * @param pending    recipients without a done record, in queue file order
 * @param done       final status text per recipient index, for those with a done record
 * @param envelopeFile the envelope file
 * @param contentFile  the content file (message bytes as they will be delivered)
 * @param size       content size in bytes
 * @param reasons    the last deferral per recipient index ("dsn relay text"), from L records
 * @param delayWarned whether the delay warning (delay_warning_time) was already sent
 */
public record QueuedMessage(QueueId id, String queue, Envelope envelope, List<Recipient> pending,
                            Map<Integer, String> done, Path envelopeFile, Path contentFile, long size,
                            Map<Integer, String> reasons, boolean delayWarned) {

    /** One envelope recipient and its index in the queue file (the index done records refer to). */
    public record Recipient(int index, String address) {}

    public QueuedMessage {
        pending = List.copyOf(pending);
        done = Map.copyOf(done);
        reasons = Map.copyOf(reasons);
    }

    /** A message without deferral records (as committed). */
    public QueuedMessage(QueueId id, String queue, Envelope envelope, List<Recipient> pending,
                         Map<Integer, String> done, Path envelopeFile, Path contentFile, long size) {
        this(id, queue, envelope, pending, done, envelopeFile, contentFile, size, Map.of(), false);
    }

    /** Recipient {@code index}'s last deferral as a DEFERRED result, or null when it has none. */
    public DeliveryResult lastDeferral(int index) {
        String r = reasons.get(index);
        if (r == null) return null;
        String[] f = r.split(" ", 3);
        try {
            return DeliveryResult.deferred(f[0], f.length > 1 ? f[1] : "none", f.length > 2 ? f[2] : "");
        } catch (IllegalArgumentException e) {
            return null;   // a hand-edited record: treat as none
        }
    }

    /** Opens the content afresh; each delivery attempt reads it from the start. */
    public InputStream openContent() throws IOException {
        return new BufferedInputStream(Files.newInputStream(contentFile), 16 * 1024);
    }
}
