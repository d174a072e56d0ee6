// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one load-generator run does. Immutable; build with {@link #builder()}, whose defaults
 * are those of the "secumail loadgen" command. {@link Builder#build()} checks ranges but not
 * the loopback rule: that is {@link LoopbackGuard}'s job, done when the run starts.
 *
 * @param host         server address; must be loopback (see {@link LoopbackGuard})
 * @param port         server TCP port
 * @param messages     messages to send in total
 * @param concurrency  parallel SMTP sessions (in idle mode: parallel connection attempts)
 * @param size         bytes per message, headers included (CRLF line ends)
 * @param recipients   RCPT TO commands per message
 * @param from         envelope and header sender; "%d" is replaced as in {@link #to}
 * @param to           recipient pattern; "%d" becomes 1 + (counter mod users), or
 *                     counter + 1 when users is 0 (the counter runs over all recipients sent)
 * @param users        modulus for "%d" in {@link #to}; 0 for none
 * @param helo         EHLO/HELO name
 * @param perSession   transactions per SMTP session, sent back to back without RSET
 * @param xclientAddr  when non-null, "XCLIENT ADDR=..." is sent after EHLO in each session
 * @param idle         when positive: open this many idle connections instead of sending mail
 * @param hold         how long idle connections are held open
 * @param maildirRoot  when non-null: count messages in the Maildir new/ directories below it
 * @param maildirGlob  when non-null: count messages in the new/ directories matching this glob
 * @param waitTimeout  how long to wait for Maildir delivery after sending
 * @param timeout      bound on the whole run (sending, idle hold, and also each socket read)
 * @param starttls     send STARTTLS after EHLO (RFC 3207) and EHLO again inside TLS
 * @param auth         "user:password" for AUTH PLAIN (RFC 4954, RFC 4616) after EHLO, or null
 * @param sessionsOnly every "message" is a session that only greets, says EHLO, does
 *                     STARTTLS/AUTH as asked and QUITs: measures handshakes and logins
 * @param message      when non-null: the exact text (CRLF line ends) of every message, sent
 *                     instead of composed ones, e.g. one carrying a DKIM signature that must
 *                     stay valid; {@code size} is then its length
 */
public record LoadSettings(String host, int port, int messages, int concurrency, int size,
                           int recipients, String from, String to, int users, String helo,
                           int perSession, String xclientAddr, int idle, Duration hold,
                           Path maildirRoot, String maildirGlob, Duration waitTimeout,
                           Duration timeout, boolean starttls, String auth, boolean sessionsOnly,
                           byte[] message) {

    /** Upper bounds that keep every loop of a run finite and its memory small. */
    static final int MAX_MESSAGES = 10_000_000;
    static final int MAX_CONCURRENCY = 10_000;
    static final int MAX_SIZE = 100 * 1024 * 1024;
    static final int MAX_RECIPIENTS = 1000;
    static final int MAX_IDLE = 100_000;

    public LoadSettings {
        if (message != null) size = message.length;
        requireRange("port", port, 1, 65535);
        requireRange("messages", messages, 0, MAX_MESSAGES);
        requireRange("concurrency", concurrency, 1, MAX_CONCURRENCY);
        requireRange("size", size, 0, MAX_SIZE);
        requireRange("recipients", recipients, 1, MAX_RECIPIENTS);
        requireRange("users", users, 0, Integer.MAX_VALUE);
        requireRange("per-session", perSession, 1, MAX_MESSAGES);
        requireRange("idle", idle, 0, MAX_IDLE);
        requireText("host", host);
        requireText("from", from);
        requireText("to", to);
        requireText("helo", helo);
        requirePositive("timeout", timeout);
        requirePositive("wait-timeout", waitTimeout);
        if (hold == null || hold.isNegative()) throw new IllegalArgumentException("hold must not be negative");
        if (maildirRoot != null && maildirGlob != null) {
            throw new IllegalArgumentException("give either a Maildir directory or a Maildir glob, not both");
        }
        // SMTP commands are single lines: refuse anything that could smuggle a second command.
        if (auth != null && auth.indexOf(':') < 1) throw new IllegalArgumentException("auth must be user:password");
        for (String s : new String[] {host, from, to, helo, xclientAddr, auth}) {
            if (s != null && (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0)) {
                throw new IllegalArgumentException("line breaks are not allowed in option values");
            }
        }
    }

    /** True when this run sends no mail but holds idle connections. */
    public boolean idleMode() { return idle > 0; }

    /** True when the run waits for Maildir delivery after sending. */
    public boolean waitsForDelivery() { return maildirRoot != null || maildirGlob != null; }

    /** The sender for message number {@code n} (0-based). */
    public String senderFor(long n) { return expand(from, n); }

    /** The recipient for recipient counter {@code n} (0-based, over the whole run). */
    public String recipientFor(long n) { return expand(to, n); }

    private String expand(String pattern, long n) {
        if (!pattern.contains("%d")) return pattern;
        long value = users > 0 ? 1 + (n % users) : n + 1;
        return pattern.replace("%d", Long.toString(value));
    }

    private static void requireRange(String name, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + v);
        }
    }

    private static void requireText(String name, String v) {
        if (v == null || v.isBlank()) throw new IllegalArgumentException(name + " must not be empty");
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }

    public static Builder builder() { return new Builder(); }

    /** Mutable builder with the command's defaults. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 2525;
        private int messages = 100;
        private int concurrency = 10;
        private int size = 5000;
        private int recipients = 1;
        private String from = "loadgen@example.test";
        private String to = "user%d@example.test";
        private int users = 5;
        private String helo = "loadgen.example.test";
        private int perSession = 1;
        private String xclientAddr;
        private int idle;
        private Duration hold = Duration.ofSeconds(20);
        private Path maildirRoot;
        private String maildirGlob;
        private Duration waitTimeout = Duration.ofSeconds(120);
        private Duration timeout = Duration.ofSeconds(300);
        private boolean starttls;
        private String auth;
        private boolean sessionsOnly;
        private byte[] message;

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder messages(int v) { messages = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder size(int v) { size = v; return this; }
        public Builder recipients(int v) { recipients = v; return this; }
        public Builder from(String v) { from = v; return this; }
        public Builder to(String v) { to = v; return this; }
        public Builder users(int v) { users = v; return this; }
        public Builder helo(String v) { helo = v; return this; }
        public Builder perSession(int v) { perSession = v; return this; }
        public Builder xclientAddr(String v) { xclientAddr = v; return this; }
        public Builder idle(int v) { idle = v; return this; }
        public Builder hold(Duration v) { hold = v; return this; }
        public Builder maildirRoot(Path v) { maildirRoot = v; return this; }
        public Builder maildirGlob(String v) { maildirGlob = v; return this; }
        public Builder waitTimeout(Duration v) { waitTimeout = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder starttls(boolean v) { starttls = v; return this; }
        public Builder auth(String v) { auth = v; return this; }
        public Builder sessionsOnly(boolean v) { sessionsOnly = v; return this; }
        public Builder message(byte[] v) { message = v == null ? null : v.clone(); return this; }

        public LoadSettings build() {
            return new LoadSettings(host, port, messages, concurrency, size, recipients, from, to, users,
                    helo, perSession, xclientAddr, idle, hold, maildirRoot, maildirGlob, waitTimeout, timeout,
                    starttls, auth, sessionsOnly, message);
        }
    }
}
