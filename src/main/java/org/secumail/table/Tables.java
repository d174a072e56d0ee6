// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.ConfigException;
import org.secumail.table.RegexpRuleParser.Dialect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens Postfix lookup tables from their "type:name" specification. Relative file names are
 * taken relative to the configuration directory. Each table is opened once per process: the
 * same specification (with the same alias-format choice) returns the same instance, so a file
 * named by several parameters is read once. {@link #clearCache()} forgets them (reload).
 *
 * <p>Supported types: texthash, hash, btree, lmdb, dbm, sdbm, cdb (all read from the text
 * source file, see below), inline, static, cidr, regexp, pcre, unix (passwd.byname,
 * group.byname) and fail. A "proxy:" prefix is removed: SecuMail has no proxymap(8), and the
 * tables are read in-process.
 *
 * <p>Postfix builds hash:/etc/postfix/access into /etc/postfix/access.db with postmap(1).
 * SecuMail reads the text file /etc/postfix/access itself, so an existing Postfix
 * configuration works unchanged; remember that edits take effect on reload, with no postmap run.
 */
public final class Tables {
    private static final Logger log = LoggerFactory.getLogger("secumail.table");

    private static final Set<String> INDEXED_TYPES = Set.of("hash", "btree", "lmdb", "dbm", "sdbm", "cdb");

    private static final Map<String, LookupTable> CACHE = new ConcurrentHashMap<>();

    private Tables() { }

    /** Opens a table whose file (if any) is in postmap(1) format. */
    public static LookupTable open(String spec, Path configDir) {
        return open(spec, configDir, false);
    }

    /**
     * @param aliasFormat the file-based table's source is in aliases(5) format
     *        ("name: value, value"), as for alias_maps and alias_database
     * @throws ConfigException for an unknown type, a missing file or a malformed table
     */
    public static LookupTable open(String spec, Path configDir, boolean aliasFormat) {
        String s = spec.strip();
        while (s.startsWith("proxy:")) s = s.substring("proxy:".length());
        int colon = s.indexOf(':');
        if (colon <= 0) throw new ConfigException("need dictionary type:name instead of \"" + spec + "\"");
        String type = s.substring(0, colon);
        String name = s.substring(colon + 1);
        if (name.isEmpty()) throw new ConfigException("missing table name in \"" + spec + "\"");
        String canonical = isFileBased(type, name) ? type + ":" + resolve(name, configDir) : type + ":" + name;
        String key = canonical + (aliasFormat ? "\0aliases" : "");
        LookupTable cached = CACHE.get(key);
        if (cached != null) return cached;
        // Opening outside computeIfAbsent: a slow file read must not block other keys' bins.
        LookupTable opened = create(spec, type, name, canonical, configDir, aliasFormat);
        LookupTable raced = CACHE.putIfAbsent(key, opened);
        return raced != null ? raced : opened;
    }

    /** Opens every table in a list such as the value of alias_maps, in order. */
    public static List<LookupTable> openAll(List<String> specs, Path configDir, boolean aliasFormat) {
        List<LookupTable> out = new ArrayList<>();
        for (String s : specs) out.add(open(s, configDir, aliasFormat));
        return out;
    }

    /** Forgets all opened tables, so that the next open() reads the files again. */
    public static void clearCache() { CACHE.clear(); }

    /** True for "type:name" text that names a table (as opposed to a host, network or file pattern). */
    public static boolean looksLikeTable(String token) {
        int colon = token.indexOf(':');
        return colon > 0 && token.charAt(0) != '[' && token.substring(0, colon).matches("[A-Za-z][A-Za-z0-9_]*")
                && IpAddresses.parse(token.split("/", 2)[0]).isEmpty();     // "dead:beef::/32" is a network
    }

    private static boolean isFileBased(String type, String name) {
        if (type.equals("texthash") || INDEXED_TYPES.contains(type)) return true;
        return (type.equals("cidr") || type.equals("regexp") || type.equals("pcre")) && !BraceList.isBraced(name);
    }

    private static Path resolve(String name, Path configDir) {
        Path p = Path.of(name);
        if (!p.isAbsolute() && configDir != null) p = configDir.resolve(p);
        return p.normalize();
    }

    private static LookupTable create(String spec, String type, String name, String canonical, Path configDir, boolean aliasFormat) {
        switch (type) {
            case "texthash", "hash", "btree", "lmdb", "dbm", "sdbm", "cdb" -> {
                Path file = resolve(name, configDir);
                String text = LogicalLines.read(file, spec);
                if (INDEXED_TYPES.contains(type)) {
                    log.info("{}: reading the text source file {} (SecuMail does not use postmap/postalias output files)",
                            canonical, file);
                }
                String src = file.toString();
                return new MapTable(canonical, aliasFormat ? TextTableFormats.aliases(text, src) : TextTableFormats.postmap(text, src));
            }
            case "inline" -> {
                if (!BraceList.isBraced(name)) throw new ConfigException("\"" + spec + "\": inline table needs {...}");
                Map<String, String> entries = new java.util.LinkedHashMap<>();
                for (String item : BraceList.items(name, spec)) {
                    int eq = item.indexOf('=');
                    if (eq <= 0) throw new ConfigException("\"" + spec + "\": need \"name=value\" instead of \"" + item + "\"");
                    entries.putIfAbsent(MapTable.fold(item.substring(0, eq).strip()), item.substring(eq + 1).strip());
                }
                return new MapTable(canonical, entries);
            }
            case "static" -> {
                return new StaticTable(canonical, name);
            }
            case "fail" -> {
                return new FailTable(canonical);
            }
            case "unix" -> {
                return new UnixTable(canonical, UnixTable.systemFile(name, spec));
            }
            case "cidr" -> {
                return CidrTable.parse(canonical, rules(name, configDir, spec), source(name, canonical, configDir));
            }
            case "regexp", "pcre" -> {
                Dialect d = type.equals("pcre") ? Dialect.PCRE : Dialect.REGEXP;
                return RegexpTable.parse(canonical, d, rules(name, configDir, spec), source(name, canonical, configDir));
            }
            default -> throw new ConfigException("unsupported dictionary type: " + type + " in \"" + spec + "\"");
        }
    }

    /** The rule lines of a cidr/regexp/pcre table: from its file, or the items of the inline {...} form. */
    private static List<LogicalLines.Line> rules(String name, Path configDir, String spec) {
        if (BraceList.isBraced(name)) {
            List<String> items = BraceList.items(name, spec);
            List<LogicalLines.Line> lines = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) lines.add(new LogicalLines.Line(i + 1, items.get(i)));
            return lines;
        }
        Path file = resolve(name, configDir);
        return LogicalLines.split(LogicalLines.read(file, spec), file.toString());
    }

    private static String source(String name, String canonical, Path configDir) {
        return BraceList.isBraced(name) ? canonical : resolve(name, configDir).toString();
    }
}
