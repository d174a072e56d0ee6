// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.smtpd.check.RestrictionRegistry;

/**
 * Registers {@code check_greylist}: postgrey's greylisting as a restriction, for
 * smtpd_recipient_restrictions (it needs the recipient). All services that use the same
 * database share one {@link Greylister}; {@link #closeAll} closes them at shutdown.
 */
public final class GreylistRestrictions {
    private static final Map<String, Greylister> OPEN = new ConcurrentHashMap<>();

    private GreylistRestrictions() { }

    public static void register(RestrictionRegistry r) {
        r.register("check_greylist", false, "postgrey-style greylisting of the (client network, sender, recipient) triplet: 450 4.2.0",
                (s, a) -> CheckGreylist.greylistRestriction(OPEN.computeIfAbsent(
                        s.config().get("secumail_greylist_database"), db -> Greylister.fromConfig(s.config(), Clock.systemUTC()))));
    }

    /** Closes every open greylisting database (server shutdown). */
    public static void closeAll() {
        for (var it = OPEN.values().iterator(); it.hasNext(); ) {
            Greylister g = it.next();
            it.remove();
            g.close();
        }
    }
}
