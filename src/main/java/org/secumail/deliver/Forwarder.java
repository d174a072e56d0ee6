// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueueStore;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwarding from local delivery, as local(8) does for an alias whose targets are in other
 * domains: the message is queued again (a new queue ID, committed durably before the
 * original recipient counts as delivered) for those targets, with the original envelope
 * sender and "Delivered-To: recipient" in front of the content, the header local(8) uses
 * to detect forwarding loops.
 */
public final class Forwarder {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.local");
    /** Headers past this many bytes are not searched for Delivered-To. */
    private static final int MAX_HEADER_BYTES = 1024 * 1024;

    private final QueueStore store;
    private final Runnable wake;
    private final Clock clock;
    private final Sealer sealer;

    /** Header fields to put on top of a forwarded copy (ARC sealing, RFC 8617 section 5.1). */
    @FunctionalInterface
    public interface Sealer {
        List<org.secumail.content.HeaderField> seal(org.secumail.content.RawMessage copy) throws Exception;
    }

    /** {@code wake} tells the queue manager about the new message. */
    public Forwarder(QueueStore store, Runnable wake, Clock clock) {
        this(store, wake, clock, null);
    }

    /** @param sealer adds an ARC set to each forwarded copy, or null for none */
    public Forwarder(QueueStore store, Runnable wake, Clock clock, Sealer sealer) {
        this.store = store;
        this.wake = wake;
        this.clock = clock;
        this.sealer = sealer;
    }

    /** Queues a copy for {@code targets}; returns its queue ID. */
    QueueId forward(QueuedMessage msg, String recipient, List<String> targets, Transport.Content content) throws IOException {
        HeaderLines.check(recipient);
        QueueId id;
        try (QueueStore.Writer w = store.create(); InputStream in = content.open()) {
            OutputStream out = w.content();
            out.write(("Delivered-To: " + recipient + "\r\n").getBytes(StandardCharsets.UTF_8));
            in.transferTo(out);
            out.flush();
            if (sealer != null) seal(w, msg);
            w.commit(new Envelope(msg.envelope().sender(), targets, clock.instant(), Map.of("forwarded_for", recipient)));
            id = w.id();
        }
        LOG.info("{}: forwarded as {} for <{}> to {}", msg.id(), id, recipient, targets);
        wake.run();
        return id;
    }

    /**
     * Puts the sealer's fields on top of the copy being written. A sealing failure forwards
     * the copy unsealed (with a warning): an ARC set is a courtesy to the next receiver, and
     * losing the forward would be worse.
     */
    private void seal(QueueStore.Writer w, QueuedMessage msg) throws IOException {
        org.secumail.content.RawMessage copy = org.secumail.content.RawMessage.of(w.contentFile());
        List<org.secumail.content.HeaderField> set;
        try {
            set = sealer.seal(copy);
        } catch (Exception e) {
            LOG.warn("{}: forwarded copy not ARC-sealed: {}", msg.id(), e.getMessage());
            return;
        }
        if (set.isEmpty()) return;
        java.util.List<org.secumail.content.HeaderField> head = new java.util.ArrayList<>(set);
        head.addAll(copy.headers());
        w.replaceHead(copy.withHeaders(head).headerBytes(), copy.sourceHeaderEnd());
    }

    /** True if a "Delivered-To:" header of the message names {@code address} (case-insensitive). */
    static boolean hasDeliveredTo(InputStream in, String address) throws IOException {
        String want = address.strip().toLowerCase(Locale.ROOT);
        StringBuilder line = new StringBuilder();
        int read = 0;
        int b;
        while ((b = in.read()) >= 0 && read++ < MAX_HEADER_BYTES) {
            if (b != '\n') {
                if (b != '\r') line.append((char) b);
                continue;
            }
            String l = line.toString();
            line.setLength(0);
            if (l.isEmpty()) return false;   // end of the header
            if (l.regionMatches(true, 0, "Delivered-To:", 0, 13)
                    && l.substring(13).strip().toLowerCase(Locale.ROOT).equals(want)) {
                return true;
            }
        }
        return false;
    }
}
