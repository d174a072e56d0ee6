// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.secumail.config.ConfigException;

/**
 * unix:passwd.byname and unix:group.byname: the system's user and group files, looked up by
 * name; the result is the whole entry ("name:passwd:uid:gid:gecos:dir:shell"), as Postfix's
 * unix table returns it. Postfix asks getpwnam(3) at every lookup; here the file is read again
 * whenever its modification time or size changes, so that new accounts are seen without a
 * restart. The lookup key is folded to lower case (DICT_FLAG_FOLD_FIX), so a user whose name
 * has capitals is not found, which is Postfix's behaviour too.
 */
public final class UnixTable implements LookupTable {
    private final String spec;
    private final Path file;
    private volatile Snapshot snapshot;

    private record Snapshot(FileTime mtime, long size, Map<String, String> byName) { }

    /** The table for {@code unix:passwd.byname} or {@code unix:group.byname} over the given file. */
    public UnixTable(String spec, Path file) {
        this.spec = spec;
        this.file = file;
        this.snapshot = load();
    }

    /** The standard file for a unix: table name, or a ConfigException for an unknown map. */
    static Path systemFile(String name, String spec) {
        return switch (name) {
            case "passwd.byname" -> Path.of("/etc/passwd");
            case "group.byname" -> Path.of("/etc/group");
            default -> throw new ConfigException("unknown table: \"" + spec + "\" (unix: supports passwd.byname and group.byname)");
        };
    }

    @Override
    public Optional<String> lookup(String key) throws LookupException {
        Snapshot s = snapshot;
        try {
            if (!Files.getLastModifiedTime(file).equals(s.mtime()) || Files.size(file) != s.size()) {
                s = load();
                snapshot = s;
            }
        } catch (IOException | ConfigException e) {
            throw new LookupException(spec + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(s.byName().get(MapTable.fold(key)));
    }

    private Snapshot load() {
        try {
            FileTime mtime = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Map<String, String> byName = new HashMap<>();
            for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
                int colon = line.indexOf(':');
                // NIS "+"/"-" compat entries are not users; the first entry for a name wins, as getpwnam(3).
                if (colon <= 0 || line.startsWith("+") || line.startsWith("-")) continue;
                byName.putIfAbsent(line.substring(0, colon), line.strip());
            }
            return new Snapshot(mtime, size, Map.copyOf(byName));
        } catch (IOException e) {
            throw new ConfigException("open " + file + ": " + e.getMessage() + " (table \"" + spec + "\")", e);
        }
    }

    @Override
    public String spec() { return spec; }
}
