// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import org.secumail.content.HeaderField;

/**
 * Hashcash stamps (hashcash.org; SpamAssassin 3's Hashcash plugin): a sender who spent CPU on
 * a stamp for this recipient earns a negative score. A stamp in {@code X-Hashcash:} or
 * {@code Hashcash:} counts when
 * <ul>
 *   <li>it is version 1 ({@code 1:bits:date:resource:ext:rand:counter}; version 0 is accepted
 *       too, {@code 0:date:resource:counter}, with its bits counted);</li>
 *   <li>its SHA-1 begins with at least the claimed number of zero bits (its value is then the
 *       claim, for version 0 the zero bits found);</li>
 *   <li>its date (YYMMDD[hhmm[ss]], UTC) is not older than 28 days nor more than 2 days ahead;</li>
 *   <li>its resource is one of the envelope recipients (or a To:/Cc: address when there is no
 *       envelope), compared without case;</li>
 *   <li>it was not seen before: spent stamps are kept in a SQLite file for 28 days, and a stamp
 *       used twice is a double spend (HASHCASH_2SPEND) instead of a value.</li>
 * </ul>
 * The best stamp of the message counts. The eval tests {@code check_hashcash_value(min, max)}
 * and {@code check_hashcash_double_spend()} read the result; secumail's own rules file gives
 * SpamAssassin 3's HASHCASH_20 ... HASHCASH_HIGH scores.
 */
public final class Hashcash implements AutoCloseable {
    /** What the stamps of one message earn. */
    public record Result(int bits, boolean doubleSpent, String detail) {
        static final Result NONE = new Result(0, false, "");
    }

    static final Duration MAX_AGE = Duration.ofDays(28);
    static final Duration MAX_FUTURE = Duration.ofDays(2);
    /** Stamps looked at per message (a message with thousands of them costs no more). */
    static final int MAX_STAMPS = 20;

    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();

    private Hashcash(Connection db) { this.db = db; }

    /** With a double-spend database (created if needed); null path: no double-spend check. */
    public static Hashcash open(Path file) throws IOException {
        if (file == null) return new Hashcash(null);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS spent (stamp TEXT PRIMARY KEY, time INTEGER NOT NULL)");
            }
            return new Hashcash(c);
        } catch (SQLException e) {
            throw new IOException("cannot open hashcash database " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Evaluates the message's stamps; with {@code spend}, valid stamps are recorded as spent
     * (a dry run, such as "spam check", records nothing).
     */
    Result evaluate(MessageView v, List<String> recipients, Instant now, boolean spend) {
        Result best = Result.NONE;
        int n = 0;
        for (String name : List.of("X-Hashcash", "Hashcash")) {
            for (HeaderField h : v.all(name)) {
                if (n++ >= MAX_STAMPS) return best;
                String stamp = MessageView.decoded(h).replaceAll("\\s+", "");
                Result r = one(stamp, recipients, now, spend);
                if (r.doubleSpent() || r.bits() > best.bits() && !best.doubleSpent()) best = r;
            }
        }
        return best;
    }

    private Result one(String stamp, List<String> recipients, Instant now, boolean spend) {
        String[] f = stamp.split(":", -1);
        String date;
        String resource;
        int claimed;
        if (f.length == 7 && f[0].equals("1")) {
            claimed = parseInt(f[1]);
            date = f[2];
            resource = f[3];
        } else if (f.length == 4 && f[0].equals("0")) {
            claimed = -1;
            date = f[1];
            resource = f[2];
        } else {
            return Result.NONE;
        }
        if (claimed == 0 || claimed > 160) return Result.NONE;
        Instant when = date(date);
        if (when == null || when.isBefore(now.minus(MAX_AGE)) || when.isAfter(now.plus(MAX_FUTURE))) return Result.NONE;
        boolean forUs = false;
        for (String r : recipients) forUs |= r.equalsIgnoreCase(resource);
        if (!forUs) return Result.NONE;
        int zeros = leadingZeroBits(stamp);
        int value = claimed < 0 ? zeros : zeros >= claimed ? claimed : 0;
        if (value == 0) return Result.NONE;
        if (db != null && spent(stamp, now, spend)) return new Result(0, true, "spent before: " + stamp);
        return new Result(value, false, value + " bits for " + resource);
    }

    /** Whether the stamp was spent before; records it (when spend) if not. */
    private boolean spent(String stamp, Instant now, boolean spend) {
        lock.lock();
        try {
            try (PreparedStatement ps = db.prepareStatement("SELECT 1 FROM spent WHERE stamp = ?")) {
                ps.setString(1, stamp);
                if (ps.executeQuery().next()) return true;
            }
            if (spend) {
                try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO spent (stamp, time) VALUES (?, ?)")) {
                    ps.setString(1, stamp);
                    ps.setLong(2, now.getEpochSecond());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = db.prepareStatement("DELETE FROM spent WHERE time < ?")) {
                    ps.setLong(1, now.minus(MAX_AGE).minus(MAX_FUTURE).getEpochSecond());
                    ps.executeUpdate();
                }
            }
            return false;
        } catch (SQLException e) {
            return false; // a broken database: no double-spend verdict, the stamp still counts
        } finally {
            lock.unlock();
        }
    }

    static int leadingZeroBits(String stamp) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(stamp.getBytes(StandardCharsets.ISO_8859_1));
            int n = 0;
            for (byte b : d) {
                if (b == 0) { n += 8; continue; }
                n += Integer.numberOfLeadingZeros(b & 0xff) - 24;
                break;
            }
            return n;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** YYMMDD, YYMMDDhhmm or YYMMDDhhmmss, in UTC. */
    static Instant date(String d) {
        if (!d.matches("\\d{6}(\\d{4}(\\d{2})?)?")) return null;
        String full = (d + "000000").substring(0, 12);
        try {
            return LocalDateTime.parse("20" + full, DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT)).toInstant(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        if (db == null) return;
        lock.lock();
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing anyway
        } finally {
            lock.unlock();
        }
    }
}
