// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Dovecot passwd-file (Dovecot's passwd-file driver): one user a line,
 * {@code user@domain:{SCHEME}hash[:uid:gid:gecos:home:shell:extra]}, "#" comments and empty
 * lines ignored, fields after the password ignored here. User names are looked up in lower
 * case, as Dovecot's default auth_username_format = %Lu does.
 *
 * <p>The file is read again when its modification time, size or inode changes (checked at
 * every lookup, one stat), so "secumail user add" or an edit takes effect without a reload.
 */
public final class PasswdFile {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.sasl");
    /** Bounds on the file: a passwd-file is small; refuse to read something else by mistake. */
    static final long MAX_FILE_BYTES = 64L << 20;
    static final int MAX_USER_BYTES = 320;

    private record Snapshot(Object fileKey, long mtime, long size, Map<String, String> passwords, String representative) {
        Snapshot(Object fileKey, long mtime, long size, Map<String, String> passwords) {
            this(fileKey, mtime, size, passwords, representativeOf(passwords));
        }
    }

    private final Path path;
    private volatile Snapshot snapshot = new Snapshot(null, -1, -1, Map.of());

    public PasswdFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** The stored password of a user ("{SCHEME}..."), reading the file again if it changed. */
    public Optional<String> password(String user) {
        return Optional.ofNullable(current().passwords.get(user.toLowerCase(Locale.ROOT)));
    }

    /**
     * A stored password of the scheme most users have, with its parameters (rounds, memory), or
     * null for an empty file: checking an unknown user's password against it costs what
     * checking a known user's does.
     */
    public String representativeHash() {
        return current().representative;
    }

    private static String representativeOf(Map<String, String> passwords) {
        Map<String, Integer> n = new java.util.HashMap<>();
        for (String p : passwords.values()) n.merge(PasswordSchemes.schemeOf(p), 1, Integer::sum);
        String scheme = n.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        for (String p : passwords.values()) {
            if (PasswordSchemes.schemeOf(p).equals(scheme)) return p;
        }
        return null;
    }

    /** Users in file order. */
    public List<String> users() {
        return List.copyOf(current().passwords.keySet());
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (s.mtime != -2) LOG.warn("warning: passwd-file {}: no such file: no user can authenticate", path);
            snapshot = new Snapshot(null, -2, -1, Map.of());
            return snapshot;
        } catch (IOException e) {
            LOG.warn("warning: passwd-file {}: {}: keeping the previous contents", path, e.toString());
            return s;
        }
        long mtime = a.lastModifiedTime().toMillis();
        if (mtime == s.mtime && a.size() == s.size && Objects.equals(a.fileKey(), s.fileKey)) return s;
        synchronized (this) {
            if (snapshot != s) return snapshot;
            try {
                if (a.size() > MAX_FILE_BYTES) throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
                Map<String, String> map = parse(Files.readAllLines(path, StandardCharsets.UTF_8));
                snapshot = new Snapshot(a.fileKey(), mtime, a.size(), map);
                LOG.info("passwd-file {}: {} users", path, map.size());
            } catch (IOException | RuntimeException e) {
                LOG.warn("warning: passwd-file {}: cannot read: {}: keeping the previous contents", path, e.toString());
                // remember the attributes so that a broken file is not re-read at every login
                snapshot = new Snapshot(a.fileKey(), mtime, a.size(), s.passwords);
            }
            return snapshot;
        }
    }

    private Map<String, String> parse(List<String> lines) {
        Map<String, String> map = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            Entry e = Entry.parse(line);
            if (e == null) continue;
            if (e.user.isEmpty() || e.user.length() > MAX_USER_BYTES) {
                LOG.warn("warning: passwd-file {} line {}: bad user name: line ignored", path, n);
                continue;
            }
            if (map.putIfAbsent(e.user.toLowerCase(Locale.ROOT), e.password) != null) {
                LOG.warn("warning: passwd-file {} line {}: duplicate user {}: the first entry is used", path, n, e.user);
            }
        }
        return map;
    }

    /** One user line: user, password, and the fields after them (kept as they are when rewriting). */
    public record Entry(String user, String password, String rest) {
        /** @return null for a comment or empty line */
        public static Entry parse(String line) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) return null;
            int c1 = l.indexOf(':');
            if (c1 < 0) return new Entry(l, "", "");
            int c2 = l.indexOf(':', c1 + 1);
            return c2 < 0 ? new Entry(l.substring(0, c1), l.substring(c1 + 1), "")
                    : new Entry(l.substring(0, c1), l.substring(c1 + 1, c2), l.substring(c2));
        }

        public String line() {
            return user + ":" + password + rest;
        }
    }

    /** The file's lines for editing (none if it does not exist). */
    public static List<String> readLines(Path file) throws IOException {
        if (!Files.exists(file)) return new ArrayList<>();
        if (Files.size(file) > MAX_FILE_BYTES) throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Replaces the file atomically: a temporary file (mode 600) in the same directory, flushed
     * to disk, renamed over the old one. A reader sees the old or the new file, never half.
     */
    public static void writeLines(Path file, List<String> lines) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        try {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                StringBuilder sb = new StringBuilder();
                for (String l : lines) sb.append(l).append('\n');
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
