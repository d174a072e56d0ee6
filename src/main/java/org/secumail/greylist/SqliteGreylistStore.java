// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylist state in one SQLite database file (xerial sqlite-jdbc). The database is in WAL
 * mode, so a reader in another process (a report tool) never blocks the server, with a busy
 * timeout for the rare writer in another process. Inside this process all sessions share one
 * connection guarded by a {@link ReentrantLock}: SQLite serialises writers anyway, and a lock
 * (unlike a synchronized block) does not pin the virtual thread a session runs on. Times are
 * stored as seconds since the epoch, as postgrey stores them.
 *
 * <p>Writes are grouped: a put lands in memory (where reads find it at once) and a background
 * flush commits everything pending in one transaction every {@link #FLUSH_MILLIS} ms (or when
 * {@link #MAX_PENDING} records wait), so a busy server pays one commit per batch instead of one
 * per request. A crash loses at most the last batch, which costs those clients one more
 * greylisting round, as a lost write would with postgrey.
 */
public final class SqliteGreylistStore implements GreylistStore {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.greylist");

    private final Path file;
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    /** Prepared once, reused under the lock: compiling SQL costs more than running it. */
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();
    static final long FLUSH_MILLIS = 100;
    static final int MAX_PENDING = 2000;
    private final java.util.Map<String, Triplet> pendingTriplets = new java.util.HashMap<>();
    private final java.util.Map<String, Client> pendingClients = new java.util.HashMap<>();
    private boolean closed;

    private SqliteGreylistStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
        Thread.ofPlatform().daemon(true).name("greylist-flush").start(this::flushLoop);
        // a JVM that stops (SIGTERM, a command that ends) commits what is pending
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private final Thread shutdownHook = Thread.ofPlatform().unstarted(this::close);

    private void flushLoop() {
        while (true) {
            try {
                Thread.sleep(FLUSH_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                if (closed) return;
                flush();
            } catch (SQLException e) {
                LOG.warn("warning: greylist database {}: flush: {}", file, e.getMessage());
            } finally {
                lock.unlock();
            }
        }
    }

    /** Commits the pending writes in one transaction; call with the lock held. */
    private void flush() throws SQLException {
        if (pendingTriplets.isEmpty() && pendingClients.isEmpty()) return;
        db.setAutoCommit(false);
        try {
            if (!pendingTriplets.isEmpty()) {
                PreparedStatement p = statement("INSERT OR REPLACE INTO triplet (key, first_seen, last_seen, passes) VALUES (?, ?, ?, ?)");
                for (var e : pendingTriplets.entrySet()) {
                    p.setString(1, e.getKey());
                    p.setLong(2, e.getValue().firstSeen().getEpochSecond());
                    p.setLong(3, e.getValue().lastSeen().getEpochSecond());
                    p.setLong(4, e.getValue().passes());
                    p.addBatch();
                }
                p.executeBatch();
            }
            if (!pendingClients.isEmpty()) {
                PreparedStatement p = statement("INSERT OR REPLACE INTO client (key, count, last_seen) VALUES (?, ?, ?)");
                for (var e : pendingClients.entrySet()) {
                    p.setString(1, e.getKey());
                    p.setLong(2, e.getValue().count());
                    p.setLong(3, e.getValue().lastSeen().getEpochSecond());
                    p.addBatch();
                }
                p.executeBatch();
            }
            db.commit();
            pendingTriplets.clear();
            pendingClients.clear();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** Opens (creating if needed) the database file and its parent directory. */
    public static SqliteGreylistStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                // NORMAL is durable across process crashes in WAL mode; only a power loss may
                // lose the last transactions, which costs a client one more greylisting round.
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS triplet (key TEXT PRIMARY KEY,"
                        + " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, passes INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS client (key TEXT PRIMARY KEY,"
                        + " count INTEGER NOT NULL, last_seen INTEGER NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS triplet_last_seen ON triplet(last_seen)");
                s.execute("CREATE INDEX IF NOT EXISTS client_last_seen ON client(last_seen)");
            }
            LOG.debug("greylist database {} opened", file);
            return new SqliteGreylistStore(file, c);
        } catch (SQLException | IOException e) {
            throw new GreylistStoreException("cannot open greylist database " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() { return file; }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    private <T> T locked(String what, Work<T> work) {
        lock.lock();
        try {
            if (closed) throw new GreylistStoreException("greylist database " + file + " is closed", null);
            return work.run();
        } catch (SQLException e) {
            throw new GreylistStoreException("greylist database " + file + ": " + what + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The cached statement for this SQL; call with the lock held. */
    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = db.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    @Override
    public Optional<Triplet> triplet(String key) {
        return locked("read triplet", () -> {
            Triplet pending = pendingTriplets.get(key);
            if (pending != null) return Optional.of(pending);
            PreparedStatement p = statement("SELECT first_seen, last_seen, passes FROM triplet WHERE key = ?");
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(triplet(r, 1)) : Optional.<Triplet>empty();
            }
        });
    }

    @Override
    public void putTriplet(String key, Triplet t) {
        locked("write triplet", () -> {
            pendingTriplets.put(key, t);
            if (pendingTriplets.size() + pendingClients.size() >= MAX_PENDING) flush();
            return null;
        });
    }

    @Override
    public boolean deleteTriplet(String key) {
        return delete("triplet", key);
    }

    @Override
    public Optional<Client> client(String key) {
        return locked("read client", () -> {
            Client pending = pendingClients.get(key);
            if (pending != null) return Optional.of(pending);
            PreparedStatement p = statement("SELECT count, last_seen FROM client WHERE key = ?");
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(new Client(r.getLong(1), Instant.ofEpochSecond(r.getLong(2))))
                        : Optional.<Client>empty();
            }
        });
    }

    @Override
    public void putClient(String key, Client c) {
        locked("write client", () -> {
            pendingClients.put(key, c);
            if (pendingTriplets.size() + pendingClients.size() >= MAX_PENDING) flush();
            return null;
        });
    }

    @Override
    public boolean deleteClient(String key) {
        return delete("client", key);
    }

    private boolean delete(String table, String key) {
        return locked("delete from " + table, () -> {
            flush();
            try (PreparedStatement p = db.prepareStatement("DELETE FROM " + table + " WHERE key = ?")) {
                p.setString(1, key);
                return p.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<TripletEntry> triplets(int limit) {
        return locked("list triplets", () -> {
            flush();
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT key, first_seen, last_seen, passes FROM triplet ORDER BY key LIMIT ?")) {
                p.setInt(1, limit);
                List<TripletEntry> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) out.add(new TripletEntry(r.getString(1), triplet(r, 2)));
                }
                return out;
            }
        });
    }

    @Override
    public List<ClientEntry> clients(int limit) {
        return locked("list clients", () -> {
            flush();
            try (PreparedStatement p = db.prepareStatement("SELECT key, count, last_seen FROM client ORDER BY key LIMIT ?")) {
                p.setInt(1, limit);
                List<ClientEntry> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(new ClientEntry(r.getString(1), new Client(r.getLong(2), Instant.ofEpochSecond(r.getLong(3)))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Expired expire(Instant maxAgeCutoff, Instant retryCutoff) {
        return locked("expire", () -> {
            flush();
            boolean auto = db.getAutoCommit();
            db.setAutoCommit(false);
            try (PreparedStatement t = db.prepareStatement(
                         "DELETE FROM triplet WHERE last_seen < ? OR (passes = 0 AND last_seen < ?)");
                 PreparedStatement c = db.prepareStatement("DELETE FROM client WHERE last_seen < ?")) {
                t.setLong(1, maxAgeCutoff.getEpochSecond());
                t.setLong(2, retryCutoff.getEpochSecond());
                c.setLong(1, maxAgeCutoff.getEpochSecond());
                Expired e = new Expired(t.executeUpdate(), c.executeUpdate());
                db.commit();
                return e;
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(auto);
            }
        });
    }

    @Override
    public Stats stats(long autoWhitelistThreshold) {
        return locked("statistics", () -> {
            flush();
            try (PreparedStatement p = db.prepareStatement("SELECT"
                    + " (SELECT count(*) FROM triplet), (SELECT count(*) FROM triplet WHERE passes > 0),"
                    + " (SELECT count(*) FROM client), (SELECT count(*) FROM client WHERE count >= ?)")) {
                p.setLong(1, autoWhitelistThreshold);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return new Stats(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
                }
            }
        });
    }

    private static Triplet triplet(ResultSet r, int col) throws SQLException {
        return new Triplet(Instant.ofEpochSecond(r.getLong(col)), Instant.ofEpochSecond(r.getLong(col + 1)), r.getLong(col + 2));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // already shutting down, or this is the hook itself
            }
            try {
                flush();
            } finally {
                for (PreparedStatement p : statements.values()) p.close();
            }
            db.close();
        } catch (SQLException e) {
            LOG.warn("closing greylist database {}: {}", file, e.getMessage());
        } finally {
            lock.unlock();
        }
    }
}
