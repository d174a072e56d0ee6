// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A delivery agent as the queue manager sees it (Postfix's local, smtp, virtual, pipe):
 * delivers one message to one recipient and says what happened.
 */
public interface Transport {

    /** Opens the message content from its start; may be called once per recipient or retry. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    /** The transport's name as in master.cf ("local", "smtp"); its log lines go to secumail.NAME. */
    String name();

    /**
     * The delivery agent that handles {@code recipient}, for the log: a router answers "smtp",
     * "local", "lmtp", "relay"..., as Postfix logs postfix/smtp, postfix/local. Default: {@link #name()}.
     */
    default String agentName(String recipient) {
        return name();
    }

    /**
     * The remote destinations ("transport:nexthop") this message's pending recipients go to, for
     * the queue manager's per-destination scheduling; empty (the default) means "not limited"
     * (local delivery). Must not block.
     */
    default java.util.Set<String> destinations(QueuedMessage msg) {
        return java.util.Set.of();
    }

    /** The same for one message (a content filter sends all its recipients to the filter's transport). */
    default String agentName(QueuedMessage msg, String recipient) {
        return agentName(recipient);
    }

    /**
     * Delivers the message to one recipient. The content is opened through {@code content}
     * as often as needed; the transport closes what it opens. A thrown IOException or
     * RuntimeException is taken as DEFERRED (4.3.0) with the exception's message, so a
     * failing transport never loses a message.
     */
    DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) throws IOException;

    /**
     * Delivers the message to several of its pending recipients at once, as Postfix's qmgr
     * hands one delivery agent all recipients for one next hop: an SMTP or LMTP transport sends
     * them in one transaction. Returns one result per recipient, in the same order. The
     * default delivers one recipient at a time; a failure of one never stops the others.
     */
    default List<DeliveryResult> deliverBatch(QueuedMessage msg, List<QueuedMessage.Recipient> recipients, Content content) {
        List<DeliveryResult> results = new ArrayList<>(recipients.size());
        for (QueuedMessage.Recipient r : recipients) {
            DeliveryResult res;
            try {
                res = deliver(msg, r.address(), content);
                if (res == null) res = DeliveryResult.deferred("4.3.0", "none", "delivery agent returned no result");
            } catch (IOException | RuntimeException e) {
                String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                res = DeliveryResult.deferred("4.3.0", "none", "delivery temporarily suspended: " + why);
            }
            results.add(res);
        }
        return results;
    }
}
