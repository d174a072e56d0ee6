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
 */
public record QueuedMessage(QueueId id, String queue, Envelope envelope, List<Recipient> pending,
                            Map<Integer, String> done, Path envelopeFile, Path contentFile, long size) {

    /** One envelope recipient and its index in the queue file (the index done records refer to). */
    public record Recipient(int index, String address) {}

    public QueuedMessage {
        pending = List.copyOf(pending);
        done = Map.copyOf(done);
    }

    /** Opens the content afresh; each delivery attempt reads it from the start. */
    public InputStream openContent() throws IOException {
        return new BufferedInputStream(Files.newInputStream(contentFile), 64 * 1024);
    }
}
