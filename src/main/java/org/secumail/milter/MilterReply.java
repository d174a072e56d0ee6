// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

/**
 * What a milter event came to, besides "go on" (which is null): an SMTP reply to give, a
 * message to hold, a message to discard, or a session to end. These are the four answers of
 * Postfix's milter8.c ("4xx/5xx text", "H", "D", "S").
 *
 * @param kind what to do
 * @param text for {@link Kind#REPLY}: the SMTP reply, "550 5.7.1 Command rejected" or a
 *             milter's own (several lines joined with CRLF); for {@link Kind#HOLD}: the reason
 */
public record MilterReply(Kind kind, String text) {
    public enum Kind { REPLY, HOLD, DISCARD, SHUTDOWN }

    public static MilterReply reply(String text) { return new MilterReply(Kind.REPLY, text); }

    public static MilterReply hold(String reason) { return new MilterReply(Kind.HOLD, reason); }

    static final MilterReply DISCARD = new MilterReply(Kind.DISCARD, "milter triggers DISCARD action");
    static final MilterReply SHUTDOWN = new MilterReply(Kind.SHUTDOWN, "421 4.7.0 Server closing connection");

    /** True for a 421 reply or a shutdown: the session ends after it is sent. */
    public boolean closesSession() {
        return kind == Kind.SHUTDOWN || (kind == Kind.REPLY && text.startsWith("421"));
    }

    /** True for a 5xx reply. */
    public boolean permanent() { return kind == Kind.REPLY && text.startsWith("5"); }

    @Override public String toString() { return kind == Kind.REPLY ? text : kind + (text.isEmpty() ? "" : " " + text); }
}
