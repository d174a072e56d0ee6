// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.List;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;

/**
 * A delivery agent that takes a next hop, as Postfix's qmgr hands smtp(8) or lmtp(8) a
 * "transport:nexthop" and all recipients for it: one call per message and next hop.
 */
@FunctionalInterface
public interface DeliveryAgent {
    /**
     * Delivers the message to all {@code recipients} through {@code nexthop}. Returns one
     * result per recipient, in order. Must not throw for delivery problems: a failure is a
     * DEFERRED or BOUNCED result.
     */
    List<DeliveryResult> deliver(QueuedMessage msg, String nexthop, List<QueuedMessage.Recipient> recipients,
                                 Transport.Content content);
}
