// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

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
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision traces of the last secumail_trace_max_age (7d), in SQLite at
 * secumail_trace_database, never larger than secumail_trace_max_size bytes: the oldest traces
 * go first. smtpd hands a finished trace over without waiting ({@link #record}): a bounded queue
 * (10,000 traces) and one writer thread that writes what has come in as one transaction, at
 * most 100 ms after a trace came (so a trace is readable a moment after its session). When
 * the writer falls behind, traces are dropped and counted (a warning at most once a minute),
 * so the store never slows the SMTP path. {@code secumail explain QUEUEID} and
 * {@code secumail replay} read the same file.
 */
public final class TraceStore implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("secumail.trace");
    private static final int QUEUE = 10_000;
    private static final int BATCH = 500;
    private static final long HOUSEKEEPING_MILLIS = 60_000;
    /** How long the writer waits for more traces after the first of a batch. */
    static final long LINGER_MILLIS = 100;

    private final Connection db;
    private final Path file;
    private final long maxAgeMillis;
    private final long maxBytes;
    private final BlockingQueue<Trace> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    /** flush() calls so far, and how many of them the writer has seen: a flush ends its linger. */
    private final AtomicLong flushWanted = new AtomicLong();
    private long flushSeen;
    private final AtomicLong transactions = new AtomicLong();
    private final Object writeLock = new Object();
    private Thread writer;
    private volatile boolean closed;
    private long lastDropWarning;
    private long lastHousekeeping = System.currentTimeMillis();

    private TraceStore(Connection db, Path file, long maxAgeMillis, long maxBytes, boolean write) {
        this.db = db;
        this.file = file;
        this.maxAgeMillis = maxAgeMillis;
        this.maxBytes = maxBytes;
        this.queue = write ? new ArrayBlockingQueue<>(QUEUE) : null;
        if (write) writer = Thread.ofPlatform().daemon(true).name("trace-writer").start(this::writeLoop);
    }

    /** The store smtpd writes to, or null when secumail_trace_enable = no or the file cannot be opened (a warning says why). */
    public static TraceStore open(MainConfig cfg) {
        if (!cfg.bool("secumail_trace_enable")) return null;
        Path file = cfg.path("secumail_trace_database");
        try {
            return new TraceStore(connect(file), file, cfg.duration("secumail_trace_max_age").toMillis(),
                    cfg.longValue("secumail_trace_max_size"), true);
        } catch (IOException | SQLException e) {
            LOG.warn("warning: secumail_trace_database {}: {}; decision traces are not kept", file, e.getMessage());
            return null;
        }
    }

    /** The store as the commands read it; IOException when there is none. */
    public static TraceStore read(MainConfig cfg) throws IOException {
        Path file = cfg.path("secumail_trace_database");
        if (!Files.isRegularFile(file)) throw new IOException("no trace database " + file + " (secumail_trace_enable = " + cfg.get("secumail_trace_enable") + ")");
        try {
            return new TraceStore(connect(file), file, 0, 0, false);
        } catch (SQLException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path file) throws IOException, SQLException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            // on a new file only: the space deletes free is given back at their commit, so the
            // file, not only its contents, stays within secumail_trace_max_size
            s.execute("PRAGMA auto_vacuum=FULL");
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");      // a crash may lose the last traces, never the mail
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS traces (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, queue_id TEXT, service TEXT,"
                    + " client_name TEXT, client_addr TEXT, helo TEXT, sender TEXT, sasl TEXT, recipients TEXT, decision TEXT,"
                    + " reply TEXT, trace TEXT)");
            s.execute("CREATE INDEX IF NOT EXISTS traces_queue_id ON traces(queue_id)");
            s.execute("CREATE INDEX IF NOT EXISTS traces_time ON traces(time)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public Path file() { return file; }

    /** Keeps t; never blocks: when the writer is behind, t is dropped and counted. */
    public void record(Trace t) {
        if (closed) return;
        if (queue.offer(t)) {
            accepted.incrementAndGet();
            return;
        }
        long n = dropped.incrementAndGet();
        org.secumail.metrics.Metrics.count("secumail.trace.dropped");
        long now = System.currentTimeMillis();
        if (now - lastDropWarning > 60_000) {
            lastDropWarning = now;
            LOG.warn("warning: decision trace store {} is behind: {} trace(s) dropped so far", file, n);
        }
    }

    /** Transactions written so far (tests: traces are written in batches). */
    long transactions() { return transactions.get(); }

    /** Traces dropped because the writer was behind. */
    public long dropped() { return dropped.get(); }

    private void writeLoop() {
        List<Trace> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Trace first = queue.poll(1, TimeUnit.SECONDS);
                if (first != null) {
                    batch.add(first);
                    linger();
                    queue.drainTo(batch, BATCH - 1);
                    insert(batch);
                    batch.clear();
                }
                if (System.currentTimeMillis() - lastHousekeeping >= HOUSEKEEPING_MILLIS) housekeeping();
            } catch (InterruptedException e) {
                if (closed) break;
            } catch (SQLException | RuntimeException e) {
                LOG.warn("warning: decision trace store {}: {}", file, e.toString());
                written.addAndGet(batch.size());
                batch.clear();
            }
        }
        // closing: what is still queued is written before the file is closed
        batch.clear();
        queue.drainTo(batch);
        try {
            if (!batch.isEmpty()) insert(batch);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("warning: decision trace store {}: {}", file, e.toString());
        }
    }

    /**
     * After the first trace of a batch, waits up to {@link #LINGER_MILLIS} for more (unless
     * a batch is full, the store closes or {@link #flush} waits): a busy server then writes
     * tens of traces per transaction and wakes this thread once for them, instead of once,
     * with a transaction of its own, per message.
     */
    private void linger() {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
        long wanted = flushWanted.get();
        while (!closed && queue.size() < BATCH - 1 && wanted == flushSeen) {
            long left = end - System.nanoTime();
            if (left <= 0) break;
            java.util.concurrent.locks.LockSupport.parkNanos(this, left);
            wanted = flushWanted.get();
        }
        flushSeen = wanted;
    }

    private void insert(List<Trace> batch) throws SQLException {
        synchronized (writeLock) {
            db.setAutoCommit(false);
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO traces (time, queue_id, service, client_name, client_addr, helo,"
                    + " sender, sasl, recipients, decision, reply, trace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
                for (Trace t : batch) {
                    ps.setLong(1, t.time());
                    ps.setString(2, t.queueId());
                    ps.setString(3, t.service());
                    ps.setString(4, t.clientName());
                    ps.setString(5, t.clientAddr());
                    ps.setString(6, t.helo());
                    ps.setString(7, t.sender());
                    ps.setString(8, t.sasl());
                    ps.setString(9, encode(t.recipients()));
                    ps.setString(10, t.decision());
                    ps.setString(11, t.reply());
                    ps.setString(12, t.text());
                    ps.addBatch();
                }
                ps.executeBatch();
                db.commit();
                transactions.incrementAndGet();
                written.addAndGet(batch.size());
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        }
    }

    /** Drops traces older than secumail_trace_max_age, then the oldest tenth until the file fits secumail_trace_max_size. */
    void housekeeping() throws SQLException {
        lastHousekeeping = System.currentTimeMillis();
        synchronized (writeLock) {
            try (Statement s = db.createStatement()) {
                int old = maxAgeMillis > 0 ? s.executeUpdate("DELETE FROM traces WHERE time < " + (lastHousekeeping - maxAgeMillis)) : 0;
                int trimmed = 0;
                for (int i = 0; i < 20 && maxBytes > 0 && usedBytes(s) > maxBytes; i++) {
                    trimmed += s.executeUpdate("DELETE FROM traces WHERE id IN (SELECT id FROM traces ORDER BY id LIMIT"
                            + " (SELECT count(*) / 10 + 1 FROM traces))");
                }
                if (old + trimmed > 0) LOG.info("decision trace store {}: {} expired, {} removed for secumail_trace_max_size", file, old, trimmed);
            }
        }
    }

    private static long usedBytes(Statement s) throws SQLException {
        long pages;
        long free;
        long size;
        try (ResultSet r = s.executeQuery("PRAGMA page_count")) { pages = r.next() ? r.getLong(1) : 0; }
        try (ResultSet r = s.executeQuery("PRAGMA freelist_count")) { free = r.next() ? r.getLong(1) : 0; }
        try (ResultSet r = s.executeQuery("PRAGMA page_size")) { size = r.next() ? r.getLong(1) : 4096; }
        return (pages - free) * size;
    }

    /** Waits until every trace handed over so far is written (tests, and before a listing). */
    public void flush() {
        if (queue == null) return;
        long target = accepted.get();
        flushWanted.incrementAndGet();
        java.util.concurrent.locks.LockSupport.unpark(writer);
        long deadline = System.currentTimeMillis() + 10_000;
        while (written.get() < target && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The trace of a queue ID (the newest, should an ID come back after years). */
    public Trace byQueueId(String queueId) throws SQLException {
        List<Trace> l = query("SELECT * FROM traces WHERE queue_id = ? ORDER BY id DESC LIMIT 1", queueId);
        return l.isEmpty() ? null : l.get(0);
    }

    /** The newest traces of a client address (and sender and recipient when not null), at most limit, newest first. */
    public List<Trace> find(String clientAddr, String sender, String recipient, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT * FROM traces WHERE client_addr = ?");
        List<Object> args = new ArrayList<>(List.of(clientAddr));
        if (sender != null) {
            sql.append(" AND sender = ?");
            args.add(sender);
        }
        if (recipient != null) {
            sql.append(" AND ('\n' || recipients) LIKE ? ESCAPE '\\'");
            args.add("%\n" + recipient.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "\t%");
        }
        sql.append(" ORDER BY id DESC LIMIT ").append(Math.max(1, limit));
        return query(sql.toString(), args.toArray());
    }

    /**
     * The newest transactions with a refusal, newest first, at most limit: refused as a whole,
     * or with a recipient refused (a NOQUEUE reject at RCPT usually ends "abandoned", the client
     * quitting after it).
     */
    public List<Trace> refusals(int limit) throws SQLException {
        return query("SELECT * FROM traces WHERE decision = 'refused' OR ('\n' || recipients) LIKE '%\t4%'"
                + " OR ('\n' || recipients) LIKE '%\t5%' ORDER BY id DESC LIMIT " + Math.max(1, Math.min(limit, 1000)));
    }

    /** The traces since a time (milliseconds), oldest first, at most limit. */
    public List<Trace> since(long millis, int limit) throws SQLException {
        return query("SELECT * FROM traces WHERE time >= ? ORDER BY id LIMIT " + Math.max(1, limit), millis);
    }

    private List<Trace> query(String sql, Object... args) throws SQLException {
        List<Trace> out = new ArrayList<>();
        synchronized (writeLock) {
            try (PreparedStatement ps = db.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
                try (ResultSet r = ps.executeQuery()) {
                    while (r.next()) {
                        out.add(new Trace(r.getLong("time"), r.getString("queue_id"), r.getString("service"), r.getString("client_name"),
                                r.getString("client_addr"), r.getString("helo"), r.getString("sender"), r.getString("sasl"),
                                decode(r.getString("recipients")), r.getString("decision"), r.getString("reply"), r.getString("trace")));
                    }
                }
            }
        }
        return out;
    }

    /** "address TAB reply" lines; neither an address (RFC 5321 forbids controls) nor a reply line holds a tab or newline. */
    static String encode(List<Trace.Recipient> rcpts) {
        StringBuilder b = new StringBuilder();
        for (Trace.Recipient r : rcpts) {
            b.append(r.address().replace('\t', ' ').replace('\n', ' ')).append('\t').append(r.reply().replace('\n', ' ')).append('\n');
        }
        return b.toString();
    }

    static List<Trace.Recipient> decode(String s) {
        List<Trace.Recipient> out = new ArrayList<>();
        if (s == null) return out;
        for (String line : s.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab >= 0) out.add(new Trace.Recipient(line.substring(0, tab), line.substring(tab + 1)));
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (writer != null) {
            writer.interrupt();
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (writeLock) {
            try {
                db.close();
            } catch (SQLException e) {
                LOG.warn("warning: closing {}: {}", file, e.getMessage());
            }
        }
    }
}
