// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

import java.util.List;

/**
 * One SMTP transaction as the trace store keeps it: the envelope (enough to evaluate it again,
 * for {@code secumail replay}), what was decided, and the text of the decision trace (every
 * command, every restriction evaluated with its verdict, every reply).
 *
 * @param time       when the transaction started (MAIL), in milliseconds since the epoch
 * @param queueId    the queue ID, or null for a transaction refused before it had one (NOQUEUE)
 * @param sender     MAIL FROM ("" for the null sender), or null when MAIL itself failed
 * @param recipients the recipients whose RCPT reached the restriction lists, with their replies
 * @param decision   accepted, refused or abandoned (the client left or reset before the end)
 * @param reply      the reply that decided: the end of data's, or the first refusal
 */
public record Trace(long time, String queueId, String service, String clientName, String clientAddr, String helo,
                    String sender, String sasl, List<Recipient> recipients, String decision, String reply, String text) {

    /** A recipient and the reply RCPT got. */
    public record Recipient(String address, String reply) { }

    /** "name[addr]", as in Postfix's log lines. */
    public String clientLabel() {
        return clientName + "[" + clientAddr + "]";
    }
}
