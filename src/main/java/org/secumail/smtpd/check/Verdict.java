// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import org.secumail.smtpd.Reply;

/**
 * The result of one restriction, as a value (Postfix's SMTPD_CHECK_* codes plus the access(5)
 * actions that carry data). Restriction lists evaluate in order and the first verdict that is
 * not {@link Dunno} or a modifier ({@link Warn}, {@link DeferIfPermit}, {@link DeferIfReject},
 * {@link Prepend}, {@link Hold}, {@link Redirect}) decides the list.
 */
public sealed interface Verdict {
    /** No decision: go on with the next restriction. */
    record Dunno() implements Verdict { }

    /** OK / permit: this list accepts; the next list is evaluated. */
    record Permit(String why) implements Verdict { }

    /** Reject (5xx) or defer (4xx) with this reply; {@code logDetail} may say more than the client sees. */
    record Reject(Reply reply, String logDetail) implements Verdict {
        public Reject(Reply reply) { this(reply, ""); }
    }

    /** Remember a 4xx reply, to be given only if the lists would otherwise permit (defer_if_permit). */
    record DeferIfPermit(Reply reply) implements Verdict { }

    /** Turn a later reject of this transaction step into this 4xx reply (defer_if_reject). */
    record DeferIfReject(Reply reply) implements Verdict { }

    /** Log a warning and go on (WARN action). */
    record Warn(String text) implements Verdict { }

    /** Accept the message but throw it away (DISCARD action); stops the list like OK. */
    record Discard(String text) implements Verdict { }

    /** Accept the message into the hold queue (HOLD action); evaluation goes on. */
    record Hold(String text) implements Verdict { }

    /** Deliver the message to this address instead of its recipients (REDIRECT action); evaluation goes on. */
    record Redirect(String address) implements Verdict { }

    /**
     * Send the queued message through this content filter, "transport:destination" (FILTER
     * action, FILTER_README); evaluation goes on, and the last FILTER wins.
     */
    record Filter(String nexthop) implements Verdict { }

    /** Prepend a header line to the message (PREPEND action); evaluation goes on. */
    record Prepend(String header) implements Verdict { }

    Verdict DUNNO = new Dunno();
    Verdict PERMIT = new Permit("permit");
}
