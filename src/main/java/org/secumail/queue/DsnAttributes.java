// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.util.Locale;

/**
 * Where the RFC 3461 DSN parameters of a message live in its {@link Envelope} attributes:
 * the message's RET and ENVID, and each recipient's NOTIFY and ORCPT under the recipient's
 * index in the queue file. The SMTP server stores them, the bounce daemon obeys them and the
 * SMTP client passes them on to a next hop that announces DSN.
 */
public final class DsnAttributes {
    /** RET=FULL|HDRS, as given on MAIL FROM (absent: the sender did not ask). */
    public static final String RET = "dsn_ret";
    /** ENVID=..., xtext-decoded. */
    public static final String ENVID = "dsn_envid";

    private DsnAttributes() {
    }

    /** The attribute name of recipient {@code index}'s NOTIFY list ("NEVER" or SUCCESS,FAILURE,DELAY). */
    public static String notify(int index) {
        return "dsn_notify." + index;
    }

    /** The attribute name of recipient {@code index}'s ORCPT ("rfc822;user@example.com", decoded). */
    public static String orcpt(int index) {
        return "dsn_orcpt." + index;
    }

    /** Recipient {@code index}'s NOTIFY, upper case, or null when the client gave none. */
    public static String notifyOf(Envelope env, int index) {
        String v = env.attributes().get(notify(index));
        return v == null ? null : v.toUpperCase(Locale.ROOT);
    }

    /** Recipient {@code index}'s ORCPT, or null when the client gave none. */
    public static String orcptOf(Envelope env, int index) {
        return env.attributes().get(orcpt(index));
    }
}
