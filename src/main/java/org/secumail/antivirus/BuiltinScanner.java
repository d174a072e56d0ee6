// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in scanner, for hosts without clamd (which needs about 1 GB with the full
 * signature set): ClamAV's own databases ({@link SignatureDb}) matched over the message, each
 * MIME part decoded ({@link MimeParts}), uuencoded files ({@link Uudecode}) and each archive
 * member ({@link Archives}), recursively, as clamd does with ScanMail and ScanArchive.
 *
 * <p>Every scan is bounded, with clamd.conf's limits under secumail_antivirus_* names:
 * MaxRecursion (nesting of archives and messages), MaxFiles (objects scanned), MaxFileSize (one
 * object), MaxScanSize (bytes scanned in all), and a compression ratio (expanded bytes of an
 * archive over its size, once past 1 MiB) that catches zip bombs early. A limit reached gives
 * {@code Heuristics.Limits.Exceeded.<Limit>} with secumail_antivirus_alert_exceeds_max = yes
 * (the default: a mail server should refuse what it could not fully scan), else the scan goes
 * on without that object, as clamd does by default. Encrypted archive members give
 * {@code Heuristics.Encrypted.Zip}/{@code .7Zip} with secumail_antivirus_alert_encrypted = yes.
 *
 * <p>Thread-safe: scans share the immutable database; {@link #reload()} swaps it atomically.
 */
public final class BuiltinScanner implements Scanner {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.antivirus");
    static final long RATIO_FLOOR = 1L << 20;

    /** clamd.conf's scan limits (clamd.conf(5)) and alert switches. */
    public record Limits(int maxRecursion, int maxFiles, long maxFileSize, long maxScanSize, long maxRatio,
                         boolean alertExceedsMax, boolean alertEncrypted) {
        public static Limits defaults() { return new Limits(17, 10_000, 25L << 20, 100L << 20, 100, true, true); }
    }

    private volatile SignatureDb db;
    private final Path dbDir;
    private final Limits limits;
    private final Path tmpDir;
    private final AttachmentPolicy policy;

    public BuiltinScanner(SignatureDb db, Path dbDir, Limits limits, Path tmpDir, AttachmentPolicy policy) {
        this.db = db;
        this.dbDir = dbDir;
        this.limits = limits;
        this.tmpDir = tmpDir;
        this.policy = policy;
    }

    /** Loads secumail_antivirus_database_directory now and logs what was and was not loaded. */
    public static BuiltinScanner fromConfig(MainConfig config) {
        MainConfig c = AntivirusParameters.withDefaults(config);
        Path dir = c.path("secumail_antivirus_database_directory");
        Limits l = new Limits(c.integer("secumail_antivirus_max_recursion"), c.integer("secumail_antivirus_max_files"),
                AntivirusParameters.size("secumail_antivirus_max_file_size", c.get("secumail_antivirus_max_file_size")),
                AntivirusParameters.size("secumail_antivirus_max_scan_size", c.get("secumail_antivirus_max_scan_size")),
                c.longValue("secumail_antivirus_max_ratio"), c.bool("secumail_antivirus_alert_exceeds_max"),
                c.bool("secumail_antivirus_alert_encrypted"));
        return new BuiltinScanner(load(dir), dir, l, Path.of(System.getProperty("java.io.tmpdir")), AttachmentPolicy.fromConfig(c));
    }

    /**
     * A walk that applies only the attachment policy (no signatures), for use beside clamd. Its
     * limits never alert: clamd's own limits decide about what it could not scan.
     */
    public static BuiltinScanner policyOnly(AttachmentPolicy policy, MainConfig config) {
        MainConfig c = AntivirusParameters.withDefaults(config);
        Limits l = new Limits(c.integer("secumail_antivirus_max_recursion"), c.integer("secumail_antivirus_max_files"),
                AntivirusParameters.size("secumail_antivirus_max_file_size", c.get("secumail_antivirus_max_file_size")),
                AntivirusParameters.size("secumail_antivirus_max_scan_size", c.get("secumail_antivirus_max_scan_size")),
                c.longValue("secumail_antivirus_max_ratio"), false, false);
        return new BuiltinScanner(SignatureDb.empty(), null, l, Path.of(System.getProperty("java.io.tmpdir")), policy);
    }

    private static SignatureDb load(Path dir) {
        try {
            SignatureDb d = SignatureDb.load(dir);
            LOG.info("antivirus: {}: {}", dir, d.summary());
            return d;
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file or directory: " + e.getMessage()
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied: " + e.getMessage() : e.toString();
            throw new ConfigException("cannot load signatures from secumail_antivirus_database_directory " + dir + ": " + why);
        }
    }

    /** Reads the database directory again; scans running keep the old set until they finish. */
    public void reload() {
        if (dbDir != null) db = load(dbDir);
    }

    public SignatureDb database() { return db; }

    @Override public String name() { return dbDir == null ? "policy" : "builtin"; }

    @Override public ScanResult scan(Source source) { return run(source, false); }

    @Override public ScanResult scanMessage(Source source) { return run(source, true); }

    private ScanResult run(Source source, boolean message) {
        Walk w = new Walk(db);
        try (InputStream in = source.open(); Spool root = Spool.read(in, limits.maxScanSize(), tmpDir)) {
            w.object(root, message ? "message" : "file", "", 0, message ? FileType.MAIL : null);
            return ScanResult.clean(root.oversized(), w.trace);
        } catch (Found f) {
            w.trace.add(f.where + ": " + f.name + " FOUND");
            return ScanResult.infected(f.name, f.where, false, w.trace);
        } catch (StopScan s) {
            return ScanResult.clean(true, w.trace);
        } catch (IOException | RuntimeException e) {
            return ScanResult.error("scan failed: " + e, w.trace);
        }
    }

    /** A signature or heuristic matched: unwinds the walk (the first match decides, as in clamd). */
    static final class Found extends RuntimeException {
        final String name;
        final String where;

        Found(String name, String where) {
            super(name, null, false, false);
            this.name = name;
            this.where = where;
        }
    }

    /** The state of one scan: counters against the limits and the trace. */
    private final class Walk {
        final SignatureDb db;
        final List<String> trace = new ArrayList<>();
        int files;
        long scanned;

        Walk(SignatureDb db) { this.db = db; }

        void limit(String which, String where) {
            if (limits.alertExceedsMax()) throw new Found("Heuristics.Limits.Exceeded." + which, where);
            trace.add(where + ": not scanned further, " + which + " reached");
        }

        void object(Spool obj, String where, String name, int depth, FileType forced) throws IOException {
            if (++files > limits.maxFiles()) {
                limit("MaxFiles", where);
                throw new StopScan();
            }
            // MaxScanSize counts what was extracted, as in clamd; the message itself is not counted
            if (depth > 0) scanned += obj.size();
            if (scanned > limits.maxScanSize()) {
                limit("MaxScanSize", where);
                throw new StopScan();
            }
            // a message over MaxScanSize is scanned as far as the limit and marked truncated (the
            // stream limit rule of ClamdClient); a part or member over MaxFileSize is a limit
            if (obj.oversized() && depth > 0) limit("MaxFileSize", where);
            FileType type = forced != null ? forced : FileType.detect(obj.buffer());
            trace.add(where + ": " + type.name().toLowerCase(java.util.Locale.ROOT) + ", " + obj.size() + " bytes");
            String hit = db.matchHash(obj.buffer());
            if (SignatureDb.CLEAN_BY_FP.equals(hit)) {
                trace.add(where + ": known clean (.fp)");
                return;
            }
            if (hit == null) hit = db.matchBody(obj.buffer(), type);
            if (BodySignatures.BUDGET_EXHAUSTED.equals(hit)) {
                limit("MaxScanTime", where);
                hit = null;
            }
            if (hit == null) hit = db.matchSections(obj.buffer(), type);   // after the body, as clamd's PE scan
            if (hit != null) throw new Found(hit, where);
            if (policy != null) {
                String banned = policy.check(name, type, obj.buffer());
                if (banned != null) throw new Found(banned, where);
            }
            if (type != FileType.MAIL && !type.isArchive() && type != FileType.UNKNOWN) return;
            if (depth >= limits.maxRecursion()) {
                if (type != FileType.UNKNOWN) limit("MaxRecursion", where);
                return;
            }
            if (type == FileType.MAIL) mail(obj, where, depth);
            else if (type.isArchive()) archive(obj, type, where, depth);
            else uuencoded(obj, where, depth);
        }

        private void mail(Spool obj, String where, int depth) throws IOException {
            int[] n = {0};
            try (InputStream in = obj.open()) {
                MimeParts.walk(in, limits.maxFiles(), limits.maxRecursion(), (name, ctype, decoded) -> {
                    n[0]++;
                    String w = where + " > part " + n[0] + (name == null ? " (" + ctype + ")" : " (" + Names.safe(name) + ")");
                    child(decoded, w, name == null ? "" : name, depth + 1, Long.MAX_VALUE, null);
                });
            } catch (MimeParts.TooComplex e) {
                limit(e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("nest") ? "MaxRecursion" : "MaxFiles", where);
            }
        }

        private void archive(Spool obj, FileType type, String where, int depth) throws IOException {
            long[] expanded = {0};
            long budget = obj.size() > Long.MAX_VALUE / Math.max(1, limits.maxRatio()) ? Long.MAX_VALUE
                    : Math.max(RATIO_FLOOR, obj.size() * limits.maxRatio());
            try {
                Archives.open(obj, type, new Archives.Sink() {
                    @Override public void member(String name, InputStream data) throws IOException {
                        child(data, where + " > " + Names.safe(name), name, depth + 1, budget - expanded[0], expanded);
                    }

                    @Override public void encrypted(String name, String format) {
                        if (limits.alertEncrypted()) throw new Found("Heuristics.Encrypted." + format, where + " > " + Names.safe(name));
                        trace.add(where + " > " + Names.safe(name) + ": encrypted, not scanned");
                    }

                    @Override public void skipped(String name, String why) {
                        trace.add(where + " > " + Names.safe(name) + ": not scanned, " + why);
                    }
                });
            } catch (Found | StopScan e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                // a damaged archive: what could be read was scanned; clamd also reports such files clean
                trace.add(where + ": archive damaged or unsupported (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
        }

        private void uuencoded(Spool obj, String where, int depth) throws IOException {
            for (Uudecode.File f : Uudecode.find(obj.buffer(), 100, limits.maxFileSize())) {
                try (Spool s = Spool.of(f.data())) {
                    object(s, where + " > " + Names.safe(f.name()) + " (uuencoded)", f.name(), depth + 1, null);
                }
            }
        }

        /** Spools one child (a part or a member) and scans it; ratioBudget bounds what an archive expands to. */
        private void child(InputStream data, String where, String name, int depth, long ratioBudget, long[] expanded) throws IOException {
            long max = Math.min(limits.maxFileSize(), ratioBudget == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, ratioBudget) + 1);
            try (Spool s = Spool.read(data, max, tmpDir)) {
                if (expanded != null) {
                    expanded[0] += s.size();
                    if (s.size() > ratioBudget) {
                        limit("MaxRatio", where);
                        throw new StopScan();
                    }
                }
                object(s, where, name, depth, null);
            }
        }
    }

    /** Ends the walk without a verdict of its own (a limit was reached and alerts are off). */
    static final class StopScan extends RuntimeException {
        StopScan() { super(null, null, false, false); }
    }
}
