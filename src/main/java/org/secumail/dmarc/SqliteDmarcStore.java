// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluations waiting for an aggregate report, in one SQLite database file (xerial
 * sqlite-jdbc), in the style of the greylist store: WAL mode, one connection shared under a
 * {@link ReentrantLock} (which, unlike synchronized, does not pin a virtual thread), times in
 * seconds since the epoch. A row is kept until the report that covers it has been queued
 * ({@link #deleteReported}), so a crash or a restart loses nothing: at worst a report is
 * queued twice, with the same Report-ID.
 *
 * <p>Each row keeps the policy record's text as published, so the report shows the policy
 * that applied (policy_published) and goes to the rua= addresses of that time.
 */
public final class SqliteDmarcStore implements DmarcHistory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.dmarc");

    /**
     * One stored evaluation with the policy record's text.
     *
     * @param evaluation the evaluation, its record parsed again from the stored text
     */
    public record Row(long id, DmarcEvaluation evaluation) { }

    private final Path file;
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    private SqliteDmarcStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (creating if needed) the database and its parent directory. */
    public static SqliteDmarcStore open(Path file) throws IOException {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS evaluation (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " time INTEGER NOT NULL, policy_domain TEXT NOT NULL, record TEXT NOT NULL,"
                        + " source_ip TEXT NOT NULL, header_from TEXT NOT NULL, envelope_from TEXT NOT NULL,"
                        + " disposition TEXT NOT NULL, dkim_aligned INTEGER NOT NULL, spf_aligned INTEGER NOT NULL,"
                        + " reason TEXT NOT NULL, spf_result TEXT NOT NULL, spf_domain TEXT NOT NULL, spf_scope TEXT NOT NULL,"
                        + " dkim TEXT NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS evaluation_domain_time ON evaluation(policy_domain, time)");
            }
            return new SqliteDmarcStore(file, c);
        } catch (SQLException e) {
            throw new IOException("cannot open DMARC report database " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() { return file; }

    /** Stores one evaluation; a database failure is logged, never thrown (a lost row costs no message). */
    @Override
    public void record(DmarcEvaluation e) {
        lock.lock();
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO evaluation (time, policy_domain, record, source_ip,"
                + " header_from, envelope_from, disposition, dkim_aligned, spf_aligned, reason, spf_result, spf_domain,"
                + " spf_scope, dkim) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            if (closed) throw new SQLException("closed");
            ps.setLong(1, e.time().getEpochSecond());
            ps.setString(2, e.policyDomain());
            ps.setString(3, e.record().text());
            ps.setString(4, e.sourceIp());
            ps.setString(5, e.headerFrom());
            ps.setString(6, e.envelopeFrom());
            ps.setString(7, e.disposition().keyword());
            ps.setInt(8, e.dkimAligned() ? 1 : 0);
            ps.setInt(9, e.spfAligned() ? 1 : 0);
            ps.setString(10, e.reason());
            ps.setString(11, e.spfResult());
            ps.setString(12, e.spfDomain());
            ps.setString(13, e.spfScope());
            ps.setString(14, encodeDkim(e.dkim()));
            ps.executeUpdate();
        } catch (SQLException ex) {
            LOG.warn("DMARC report database {}: cannot store an evaluation for {}: {}", file, e.policyDomain(), ex.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** The policy domains with rows older than this instant. */
    public List<String> domainsBefore(Instant end) throws IOException {
        return query("SELECT DISTINCT policy_domain FROM evaluation WHERE time < ? ORDER BY policy_domain", ps -> {
            ps.setLong(1, end.getEpochSecond());
        }, rs -> rs.getString(1));
    }

    /** The rows of one policy domain older than this instant, oldest first. */
    public List<Row> rowsBefore(String policyDomain, Instant end) throws IOException {
        return query("SELECT id, time, policy_domain, record, source_ip, header_from, envelope_from, disposition,"
                + " dkim_aligned, spf_aligned, reason, spf_result, spf_domain, spf_scope, dkim FROM evaluation"
                + " WHERE policy_domain = ? AND time < ? ORDER BY time, id", ps -> {
                    ps.setString(1, policyDomain);
                    ps.setLong(2, end.getEpochSecond());
                }, rs -> {
                    DmarcRecord.Parsed p = DmarcRecord.parse(rs.getString(4));
                    DmarcRecord rec = p.record() != null ? p.record()
                            : new DmarcRecord(DmarcPolicy.NONE, null, 100, false, false, List.of(), List.of(), "0", "afrf", 86400, true, rs.getString(4));
                    DmarcPolicy dis = DmarcPolicy.parse(rs.getString(8));
                    return new Row(rs.getLong(1), new DmarcEvaluation(Instant.ofEpochSecond(rs.getLong(2)), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(3), rec, dis == null ? DmarcPolicy.NONE : dis,
                            rs.getInt(9) != 0, rs.getInt(10) != 0, rs.getString(11), rs.getString(12), rs.getString(13),
                            rs.getString(14), decodeDkim(rs.getString(15))));
                });
    }

    /** Removes the rows a queued report covered; returns how many. */
    public int deleteReported(String policyDomain, Instant end) throws IOException {
        lock.lock();
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM evaluation WHERE policy_domain = ? AND time < ?")) {
            if (closed) throw new IOException("DMARC report database " + file + " is closed");
            ps.setString(1, policyDomain);
            ps.setLong(2, end.getEpochSecond());
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("DMARC report database " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The number of stored rows. */
    public long count() throws IOException {
        return query("SELECT COUNT(*) FROM evaluation", ps -> { }, rs -> rs.getLong(1)).get(0);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) db.close();
            closed = true;
        } catch (SQLException e) {
            LOG.warn("DMARC report database {}: close: {}", file, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private interface Binder { void bind(PreparedStatement ps) throws SQLException; }

    private interface Mapper<T> { T map(ResultSet rs) throws SQLException; }

    private <T> List<T> query(String sql, Binder binder, Mapper<T> mapper) throws IOException {
        lock.lock();
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (closed) throw new IOException("DMARC report database " + file + " is closed");
            binder.bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(mapper.map(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IOException("DMARC report database " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** "domain selector result" per signature, one a line (none of the three holds a space or a newline). */
    static String encodeDkim(List<DkimOutcome> dkim) {
        StringBuilder b = new StringBuilder();
        for (DkimOutcome o : dkim) {
            b.append(word(o.domain())).append(' ').append(word(o.selector())).append(' ').append(word(o.result())).append('\n');
        }
        return b.toString();
    }

    static List<DkimOutcome> decodeDkim(String text) {
        List<DkimOutcome> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ", -1);
            if (f.length == 3) out.add(new DkimOutcome(f[0].equals("-") ? "" : f[0], f[1].equals("-") ? "" : f[1], f[2]));
        }
        return out;
    }

    private static String word(String s) {
        String w = s.replaceAll("[\\s]", "_");
        return w.isEmpty() ? "-" : w;
    }
}
