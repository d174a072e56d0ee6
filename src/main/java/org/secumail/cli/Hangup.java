// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP as "reload", as Postfix's master and clamd read it. The JDK has no public signal API;
 * sun.misc.Signal (module jdk.unsupported, present in every JDK) is what it offers. SIGUSR2 is
 * not an alternative: HotSpot uses it itself. When the JVM cannot hand the signal over (run
 * with -Xrs, or another handler owns it) reload remains available through the trigger socket.
 */
final class Hangup {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.master");

    private Hangup() { }

    /** Runs action on a virtual thread at each SIGHUP; false when SIGHUP cannot be handled. */
    static boolean onHangup(String what, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofVirtual().name("secumail-sighup").start(() -> {
                LOG.info("SIGHUP: reloading {}", what);
                action.run();
            }));
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("warning: cannot handle SIGHUP ({}); use secumail reload", e.getMessage());
            return false;
        }
    }
}
