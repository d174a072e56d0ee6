// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The outcome of one delivery attempt for one recipient, as logged by Postfix:
 * {@code relay=local, dsn=2.0.0, status=sent (delivered to maildir)}.
 *
 * @param status SENT and BOUNCED are final; DEFERRED means try again later
 * @param dsn    the RFC 3463 enhanced status code, e.g. "2.0.0", "4.4.1", "5.1.1"
 * @param relay  where it went: "local", "mx.example.com[192.0.2.1]:25", "none"
 * @param text   the reason in the parentheses of the log line
 */
public record DeliveryResult(Status status, String dsn, String relay, String text) {
    private static final Pattern DSN = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public enum Status {
        SENT, DEFERRED, BOUNCED;

        public boolean isFinal() { return this != DEFERRED; }

        /** The word in the status= field of the log line. */
        public String logName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public DeliveryResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(text, "text");
        if (dsn == null || !DSN.matcher(dsn).matches()) throw new IllegalArgumentException("bad DSN code: " + dsn);
        char c = switch (status) {
            case SENT -> '2';
            case DEFERRED -> '4';
            case BOUNCED -> '5';
        };
        if (dsn.charAt(0) != c) throw new IllegalArgumentException("DSN " + dsn + " does not match status " + status);
    }

    public static DeliveryResult sent(String dsn, String relay, String text) { return new DeliveryResult(Status.SENT, dsn, relay, text); }

    public static DeliveryResult deferred(String dsn, String relay, String text) { return new DeliveryResult(Status.DEFERRED, dsn, relay, text); }

    public static DeliveryResult bounced(String dsn, String relay, String text) { return new DeliveryResult(Status.BOUNCED, dsn, relay, text); }
}
