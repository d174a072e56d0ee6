// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.io.InputStream;

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
     * Delivers the message to one recipient. The content is opened through {@code content}
     * as often as needed; the transport closes what it opens. A thrown IOException or
     * RuntimeException is taken as DEFERRED (4.3.0) with the exception's message, so a
     * failing transport never loses a message.
     */
    DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) throws IOException;
}
