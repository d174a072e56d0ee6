// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

/**
 * A session-level failure before or outside a mail transaction (connect, greeting, EHLO,
 * STARTTLS, AUTH, lost connection): the next server address may be tried.
 *
 * @see SmtpAgent
 */
final class SessionException extends Exception {
    final boolean permanent;
    final String dsn;
    final String relay;

    SessionException(boolean permanent, String dsn, String relay, String text) {
        super(text);
        this.permanent = permanent;
        this.dsn = dsn;
        this.relay = relay;
    }

    static SessionException soft(String dsn, String relay, String text) { return new SessionException(false, dsn, relay, text); }
}
