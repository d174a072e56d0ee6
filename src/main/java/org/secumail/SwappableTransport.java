// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.secumail.route.Router;

/**
 * The queue manager's transport across reloads: every call goes to the router of the
 * configuration in force when the call starts, so a reload changes transport_maps, relayhost,
 * aliases and the master.cf transports for the next delivery while deliveries in progress
 * finish with the router they started with. A replaced router is closed ten minutes later
 * (its agents' connection caches), longer than any delivery attempt's timeouts add up to.
 */
final class SwappableTransport implements Transport, AutoCloseable {
    private static final long RETIRE_MILLIS = 600_000;
    private volatile Router router;

    SwappableTransport(Router router) {
        this.router = router;
    }

    void swap(Router next) {
        Router old = router;
        router = next;
        Thread.ofVirtual().name("router-retire").start(() -> {
            try {
                Thread.sleep(RETIRE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            old.close();
        });
    }

    @Override public String name() { return router.name(); }
    @Override public String agentName(String recipient) { return router.agentName(recipient); }
    @Override public String agentName(QueuedMessage msg, String recipient) { return router.agentName(msg, recipient); }
    @Override public Set<String> destinations(QueuedMessage msg) { return router.destinations(msg); }

    @Override
    public DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) throws IOException {
        return router.deliver(msg, recipient, content);
    }

    @Override
    public List<DeliveryResult> deliverBatch(QueuedMessage msg, List<QueuedMessage.Recipient> recipients, Content content) {
        return router.deliverBatch(msg, recipients, content);
    }

    @Override
    public void close() {
        router.close();
    }
}
