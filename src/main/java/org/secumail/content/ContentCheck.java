// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.concurrent.Future;

/**
 * One content check run at end of DATA, before the 250 (DKIM/ARC verification, DMARC,
 * antivirus, spam scoring, milters). The runner ({@link ContentChecks}) calls every check of
 * one {@link #phase()} at once, each on its own virtual thread with the message's deadline;
 * checks of a later phase see the results of the earlier ones (DMARC needs DKIM's).
 *
 * <p>A check never talks to the SMTP client and never changes the message: it returns a
 * {@link ContentResult} saying what it wants (a verdict, Authentication-Results entries,
 * headers to add). It may block (DNS, a clamd socket). An exception thrown here counts as a
 * failure of the check and gives its temporary action (451 4.7.1) unless the check says
 * otherwise by returning a result itself.
 */
public interface ContentCheck {
    /** A short name for logs and traces: "dkim", "dmarc", "antivirus". */
    String name();

    /** Checks of phase 0 run first, then phase 1 (which sees phase 0's results), and so on. */
    default int phase() { return 0; }

    /** Whether this check applies to this transaction at all (e.g. signing only for trusted clients). */
    default boolean appliesTo(ContentContext ctx) { return true; }

    ContentResult check(ContentContext ctx, RawMessage message) throws Exception;

    /**
     * Whether this check, of a later phase, starts with the first phase and waits for the
     * earlier phases' results only where it reads them: spam scoring reads DKIM's and DMARC's
     * results in a handful of its tests, and its thousands of others need not wait for them.
     * The runner then calls {@link #check(ContentContext, RawMessage, Future)}.
     */
    default boolean startsEarly() { return false; }

    /**
     * A check that {@link #startsEarly()}: ctx is the transaction as the first phase sees it;
     * earlier completes with the context this check's phase would have had (the earlier
     * checks' results), or is cancelled when the message's checks end without it.
     */
    default ContentResult check(ContentContext ctx, RawMessage message, Future<ContentContext> earlier) throws Exception {
        return check(earlier.get(), message);
    }
}
