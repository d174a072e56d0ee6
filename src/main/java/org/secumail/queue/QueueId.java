// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A queue ID in the spirit of Postfix's long queue IDs (enable_long_queue_ids = yes): the
 * arrival time in microseconds as 9 base-62 digits, then 4 random base-62 digits, 13
 * characters from [0-9A-Za-z] in all, for example {@code 0Gq3kUu7c2xZQ}.
 *
 * <p>Why this shape: the time part is fixed-width and written with digits in ASCII order,
 * so IDs sort by creation time as plain strings (handy for {@code ls} and for the queue
 * manager's scans). Within one process the time part never repeats (each new ID takes at
 * least the previous microsecond plus one), and the random part keeps IDs of a restarted
 * process apart even if the system clock was stepped back. {@link QueueStore#create}
 * still refuses an ID that already has a file in any queue.
 */
public final class QueueId implements Comparable<QueueId> {
    static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int TIME_DIGITS = 9;   // 62^9 microseconds reaches past the year 2390
    private static final int RANDOM_DIGITS = 4;
    private static final Pattern FORM = Pattern.compile("[0-9A-Za-z]{" + (TIME_DIGITS + RANDOM_DIGITS) + "}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Generator DEFAULT = new Generator(Clock.systemUTC());

    private final String value;

    private QueueId(String value) { this.value = value; }

    /** A new ID; time-ordered and unique within this process. */
    public static QueueId next() { return DEFAULT.next(); }

    /** Makes IDs from a clock; never repeats a time stamp, even if the clock stands still or goes back. */
    static final class Generator {
        private final Clock clock;
        private final AtomicLong lastMicros = new AtomicLong();

        Generator(Clock clock) { this.clock = clock; }

        QueueId next() {
            Instant now = clock.instant();
            long micros = Math.multiplyExact(now.getEpochSecond(), 1_000_000L) + now.getNano() / 1_000;
            long stamp = lastMicros.updateAndGet(last -> Math.max(micros, last + 1));
            StringBuilder sb = new StringBuilder(TIME_DIGITS + RANDOM_DIGITS);
            appendBase62(sb, stamp, TIME_DIGITS);
            for (int i = 0; i < RANDOM_DIGITS; i++) sb.append(DIGITS.charAt(RANDOM.nextInt(DIGITS.length())));
            return new QueueId(sb.toString());
        }
    }

    /** Parses an ID as found in a queue file name; IllegalArgumentException if malformed. */
    public static QueueId parse(String text) {
        if (text == null || !FORM.matcher(text).matches()) {
            throw new IllegalArgumentException("malformed queue ID: " + text);
        }
        return new QueueId(text);
    }

    public static boolean isValid(String text) { return text != null && FORM.matcher(text).matches(); }

    /** The creation time encoded in the ID (microsecond precision). */
    public Instant timestamp() {
        long micros = 0;
        for (int i = 0; i < TIME_DIGITS; i++) micros = micros * 62 + DIGITS.indexOf(value.charAt(i));
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private static void appendBase62(StringBuilder sb, long n, int width) {
        char[] out = new char[width];
        for (int i = width - 1; i >= 0; i--) {
            out[i] = DIGITS.charAt((int) (n % 62));
            n /= 62;
        }
        if (n != 0) throw new IllegalStateException("time stamp does not fit in a queue ID");
        sb.append(out);
    }

    @Override public int compareTo(QueueId o) { return value.compareTo(o.value); }
    @Override public boolean equals(Object o) { return o instanceof QueueId q && q.value.equals(value); }
    @Override public int hashCode() { return value.hashCode(); }
    @Override public String toString() { return value; }
}
