// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * The Bayes database in one SQLite file (xerial sqlite-jdbc), in the style of the greylist
 * and DMARC stores: WAL mode, one connection under a {@link ReentrantLock} (which does not
 * pin a virtual thread). Tables: {@code token} (64-bit hash, spam and ham counts, last
 * access), {@code seen} (message key and class), {@code vars} (message counts, last learn).
 * A token whose counts fall to zero is deleted.
 */
public final class SqliteBayesStore implements BayesStore {
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    private int batchDepth;

    private SqliteBayesStore(Connection db) { this.db = db; }

    public static SqliteBayesStore open(Path file) throws IOException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS token (hash INTEGER PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL, atime INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS seen (msgid TEXT PRIMARY KEY, class TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS vars (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            }
            return new SqliteBayesStore(c);
        } catch (SQLException e) {
            throw new IOException("cannot open Bayes database " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<Long, Counts> counts(Collection<Long> tokens) {
        Map<Long, Counts> out = new HashMap<>();
        List<Long> all = new ArrayList<>(tokens);
        lock.lock();
        try {
            for (int i = 0; i < all.size(); i += 500) {
                List<Long> chunk = all.subList(i, Math.min(all.size(), i + 500));
                StringBuilder sql = new StringBuilder("SELECT hash, spam, ham FROM token WHERE hash IN (");
                for (int k = 0; k < chunk.size(); k++) sql.append(k == 0 ? "?" : ",?");
                sql.append(')');
                try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
                    for (int k = 0; k < chunk.size(); k++) ps.setLong(k + 1, chunk.get(k));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) out.put(rs.getLong(1), new Counts(rs.getInt(2), rs.getInt(3)));
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Totals totals() {
        lock.lock();
        try {
            Map<String, String> v = new HashMap<>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT name, value FROM vars")) {
                while (rs.next()) v.put(rs.getString(1), rs.getString(2));
            }
            long tokens;
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM token")) {
                tokens = rs.next() ? rs.getLong(1) : 0;
            }
            return new Totals(Long.parseLong(v.getOrDefault("nspam", "0")), Long.parseLong(v.getOrDefault("nham", "0")), tokens,
                    Long.parseLong(v.getOrDefault("last_learn", "0")), v.getOrDefault("last_source", ""));
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean learn(String messageId, boolean spam, Collection<Long> tokens, String source, long atime) {
        return change(messageId, spam ? "s" : "h", tokens, source, atime);
    }

    @Override
    public boolean forget(String messageId, Collection<Long> tokens, String source) {
        return change(messageId, null, tokens, source, 0); // forgetting leaves the access times as they were
    }

    /** Moves a message to class {@code to} ("s", "h", or null for forgotten). */
    private boolean change(String messageId, String to, Collection<Long> tokens, String source, long atime) {
        lock.lock();
        try {
            begin();
            try {
                String was = null;
                try (PreparedStatement ps = db.prepareStatement("SELECT class FROM seen WHERE msgid = ?")) {
                    ps.setString(1, messageId);
                    try (ResultSet rs = ps.executeQuery()) { if (rs.next()) was = rs.getString(1); }
                }
                if (java.util.Objects.equals(was, to)) { commit(); return false; }
                long now = System.currentTimeMillis() / 1000;
                if (was != null) apply(was.equals("s"), -1, tokens, atime);
                if (to != null) apply(to.equals("s"), +1, tokens, atime);
                try (PreparedStatement ps = db.prepareStatement(to == null ? "DELETE FROM seen WHERE msgid = ?" : "INSERT OR REPLACE INTO seen (msgid, class) VALUES (?, ?)")) {
                    ps.setString(1, messageId);
                    if (to != null) ps.setString(2, to);
                    ps.executeUpdate();
                }
                setVar("last_learn", Long.toString(now));
                setVar("last_source", source);
                commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void apply(boolean spam, int sign, Collection<Long> tokens, long now) throws SQLException {
        String col = spam ? "spam" : "ham";
        try (PreparedStatement up = db.prepareStatement("INSERT INTO token (hash, spam, ham, atime) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT(hash) DO UPDATE SET " + col + " = max(0, " + col + " + ?), atime = max(atime, ?)")) {
            for (long t : tokens) {
                up.setLong(1, t);
                up.setInt(2, spam && sign > 0 ? 1 : 0);
                up.setInt(3, !spam && sign > 0 ? 1 : 0);
                up.setLong(4, now);
                up.setInt(5, sign);
                up.setLong(6, now);
                up.addBatch();
            }
            up.executeBatch();
        }
        if (sign < 0) {
            try (Statement s = db.createStatement()) { s.execute("DELETE FROM token WHERE spam = 0 AND ham = 0"); }
        }
        String var = spam ? "nspam" : "nham";
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO vars (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = max(0, CAST(value AS INTEGER) + ?)")) {
            ps.setString(1, var);
            ps.setString(2, Integer.toString(Math.max(0, sign)));
            ps.setInt(3, sign);
            ps.executeUpdate();
        }
    }

    /** A database call under the store's lock, its SQL failure reported as the store's. */
    private interface Call<T> {
        T run() throws SQLException;
    }

    private <T> T locked(Call<T> call) {
        lock.lock();
        try {
            return call.run();
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** A query for one number, with its numeric parameters. */
    private long number(String sql, long... params) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setLong(i + 1, params[i]);
            try (ResultSet rs = ps.executeQuery()) { return rs.next() ? rs.getLong(1) : 0; }
        }
    }

    @Override
    public Totals messageTotals() {
        return locked(() -> {
            Map<String, String> v = new HashMap<>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT name, value FROM vars WHERE name IN ('nspam', 'nham')")) {
                while (rs.next()) v.put(rs.getString(1), rs.getString(2));
            }
            return new Totals(Long.parseLong(v.getOrDefault("nspam", "0")), Long.parseLong(v.getOrDefault("nham", "0")), -1, 0, "");
        });
    }

    @Override
    public long[] atimeRange() {
        return locked(() -> new long[] {number("SELECT coalesce(min(atime), 0) FROM token"), number("SELECT coalesce(max(atime), 0) FROM token")});
    }

    @Override
    public long countOlderThan(long atime) {
        return locked(() -> number("SELECT count(*) FROM token WHERE atime < ?", atime));
    }

    @Override
    public long deleteOlderThan(long atime) {
        return locked(() -> {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM token WHERE atime < ?")) {
                ps.setLong(1, atime);
                return (long) ps.executeUpdate();
            }
        });
    }

    @Override
    public String variable(String name) {
        return locked(() -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT value FROM vars WHERE name = ?")) {
                ps.setString(1, "var_" + name);
                try (ResultSet rs = ps.executeQuery()) { return rs.next() ? rs.getString(1) : null; }
            }
        });
    }

    @Override
    public void variable(String name, String value) {
        locked(() -> {
            setVar("var_" + name, value);
            return null;
        });
    }

    private void setVar(String name, String value) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO vars (name, value) VALUES (?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    private void begin() throws SQLException {
        if (batchDepth++ == 0) db.setAutoCommit(false);
    }

    private void commit() throws SQLException {
        if (--batchDepth == 0) {
            db.commit();
            db.setAutoCommit(true);
        }
    }

    private void rollback() {
        try {
            if (--batchDepth == 0) {
                db.rollback();
                db.setAutoCommit(true);
            }
        } catch (SQLException ignored) {
            // the connection is broken: the next statement reports it
        }
    }

    @Override
    public void batch(Runnable work) {
        lock.lock();
        try {
            begin();
            try {
                work.run();
                commit();
            } catch (RuntimeException e) {
                rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void forEachToken(BiConsumer<Long, Counts> sink) {
        lock.lock();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT hash, spam, ham FROM token ORDER BY hash")) {
            while (rs.next()) sink.accept(rs.getLong(1), new Counts(rs.getInt(2), rs.getInt(3)));
        } catch (SQLException e) {
            throw new IllegalStateException("Bayes database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing: nothing left to do with the error
        } finally {
            lock.unlock();
        }
    }
}
