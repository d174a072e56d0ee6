// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * postscreen_cache_map: the temporary allowlist, one record per client address in Postfix's
 * format ("pregr;dnsbl;pipel;nsmtp;barlf" expiry times), so a client that passed comes back as
 * "PASS OLD" after a restart too. Kept in SQLite at the map's path plus ".sqlite" (a Berkeley DB
 * or LMDB file Postfix left there is not touched), with the most recently used records in
 * memory. An empty postscreen_cache_map means no cache: every connection is tested, as in
 * Postfix. Records whose tests all expired longer than postscreen_cache_retention_time ago are
 * removed every postscreen_cache_cleanup_interval. Updates are written in groups, one
 * transaction every 100 ms, off the client's thread (a crash loses at most that: those clients
 * are tested once more).
 */
final class PostscreenCache implements AutoCloseable {
    private static final int MEMORY = 50_000;

    private final Connection db;
    private final Path file;
    private final long retentionSeconds;
    private final long cleanupMillis;
    private final boolean[] enabled;
    private long nextCleanup;
    private final Map<String, String> recent = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> e) { return size() > MEMORY; }
    };

    private final Map<String, String> pending = new java.util.HashMap<>();
    private boolean closed;
    /** What the cache was opened with; a reload with the same keeps it (see {@link #sameAs}). */
    private String identity = "";

    private PostscreenCache(Connection db, Path file, long retentionSeconds, long cleanupMillis, boolean[] enabled) {
        this.db = db;
        if (db != null) Thread.ofPlatform().daemon(true).name("postscreen-cache-flush").start(this::flushLoop);
        this.enabled = enabled.clone();
        this.file = file;
        this.retentionSeconds = retentionSeconds;
        this.cleanupMillis = cleanupMillis;
        this.nextCleanup = System.currentTimeMillis() + cleanupMillis;
    }

    private static String identity(PostscreenSettings s) {
        return s.cacheMap + "|" + s.cacheRetention + "|" + s.cacheCleanupInterval + "|" + java.util.Arrays.toString(s.enabled);
    }

    /** True when settings name this same cache with the same retention: a reload keeps it open. */
    boolean sameAs(PostscreenSettings settings) {
        return identity.equals(identity(settings));
    }

    /** Opens the cache named by postscreen_cache_map, or returns null when it is empty. */
    static PostscreenCache open(PostscreenSettings settings) {
        String spec = settings.cacheMap;
        if (spec.isEmpty()) return null;
        if (spec.startsWith("proxy:")) spec = spec.substring("proxy:".length());
        int colon = spec.indexOf(':');
        String type = colon > 0 ? spec.substring(0, colon) : "";
        String name = colon > 0 ? spec.substring(colon + 1) : spec;
        Connection c = null;
        Path file = null;
        if (type.equals("memcache") || !name.startsWith("/")) {
            Postscreen.LOG.warn("warning: postscreen_cache_map {}: not a local file; the cache is kept in memory only", settings.cacheMap);
        } else {
            file = Path.of(name + ".sqlite");
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA synchronous=NORMAL");   // a lost record costs one more test round
                    s.execute("PRAGMA busy_timeout=5000");
                    s.execute("CREATE TABLE IF NOT EXISTS postscreen (addr TEXT PRIMARY KEY, record TEXT NOT NULL)");
                }
            } catch (SQLException | IOException e) {
                Postscreen.LOG.warn("warning: postscreen_cache_map {}: {}; the cache is kept in memory only", file, e.getMessage());
                c = null;
            }
        }
        PostscreenCache cache = new PostscreenCache(c, file, settings.cacheRetention.toSeconds(),
                Math.max(1000, settings.cacheCleanupInterval.toMillis()), settings.enabled);
        cache.identity = identity(settings);
        return cache;
    }

    synchronized String lookup(String addr) {
        String r = recent.get(addr);
        if (r == null) r = pending.get(addr);
        if (r != null || db == null) return r;
        try (PreparedStatement ps = db.prepareStatement("SELECT record FROM postscreen WHERE addr = ?")) {
            ps.setString(1, addr);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    r = rs.getString(1);
                    recent.put(addr, r);
                }
            }
        } catch (SQLException e) {
            Postscreen.LOG.warn("warning: postscreen_cache_map lookup for {}: {}", addr, e.getMessage());
        }
        return r;
    }

    private void flushLoop() {
        while (true) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed) return;
                flush();
            }
        }
    }

    /** Writes the pending records in one transaction; call holding the monitor. */
    private void flush() {
        if (db == null || pending.isEmpty()) return;
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO postscreen (addr, record) VALUES (?, ?)")) {
            db.setAutoCommit(false);
            for (var e : pending.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
            db.commit();
        } catch (SQLException e) {
            Postscreen.LOG.warn("warning: postscreen_cache_map update of {} records: {}", pending.size(), e.getMessage());
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the next flush tries again
            }
        } finally {
            pending.clear();
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // closed
            }
        }
    }

    synchronized void update(String addr, String record) {
        recent.put(addr, record);
        if (db != null) pending.put(addr, record);
        long now = System.currentTimeMillis();
        if (now >= nextCleanup) {
            nextCleanup = now + cleanupMillis;
            // off the client's thread: a full scan may take a while on a big cache
            Thread.ofPlatform().daemon(true).name("postscreen-cache-cleanup").start(() -> cleanup(now / 1000));
        }
    }

    /** Removes the records whose passed tests all expired more than the retention time ago. */
    synchronized int cleanup(long nowSeconds) {
        flush();
        long horizon = nowSeconds - retentionSeconds;
        int removed = 0;
        var it = recent.entrySet().iterator();
        while (it.hasNext()) {
            if (expired(it.next().getValue(), horizon)) it.remove();
        }
        if (db != null) {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT addr, record FROM postscreen");
                 PreparedStatement del = db.prepareStatement("DELETE FROM postscreen WHERE addr = ?")) {
                java.util.List<String> gone = new java.util.ArrayList<>();
                while (rs.next()) if (expired(rs.getString(2), horizon)) gone.add(rs.getString(1));
                for (String a : gone) {
                    del.setString(1, a);
                    del.addBatch();
                }
                if (!gone.isEmpty()) del.executeBatch();
                removed = gone.size();
            } catch (SQLException e) {
                Postscreen.LOG.warn("warning: postscreen_cache_map cleanup: {}", e.getMessage());
            }
        }
        Postscreen.LOG.info("cache {} full cleanup: retained={} dropped={} entries", file == null ? "memory" : file, count(), removed);
        return removed;
    }

    /**
     * A record goes when an enabled test in it expired before the horizon, or never passed
     * (psc_cache_validator: the client would be tested again anyway).
     */
    private boolean expired(String record, long horizon) {
        String[] f = record.split(";", -1);
        for (int i = 0; i < ScreenState.COUNT; i++) {
            if (!enabled[i]) continue;
            long t;
            try {
                t = i < f.length ? Long.parseLong(f[i].strip()) : ScreenState.STAMP_DISABLED;
            } catch (NumberFormatException e) {
                t = ScreenState.STAMP_DISABLED;
            }
            if (horizon > t) return true;
        }
        return false;
    }

    synchronized int count() {
        if (db == null) return recent.size();
        flush();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM postscreen")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            return recent.size();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        flush();
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
