// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An in-memory table with fixed-string keys folded to lower case: what texthash:, inline: and
 * (in SecuMail) hash:/btree:/lmdb:/dbm:/sdbm:/cdb: become. The lookup key is folded too, so
 * lookups are case-insensitive as with Postfix's default DICT_FLAG_FOLD_FIX.
 */
final class MapTable implements LookupTable {
    private final String spec;
    private final Map<String, String> entries;

    MapTable(String spec, Map<String, String> entries) {
        this.spec = spec;
        this.entries = Map.copyOf(entries);
    }

    static String fold(String key) { return key.toLowerCase(Locale.ROOT); }

    @Override
    public Optional<String> lookup(String key) {
        return Optional.ofNullable(entries.get(fold(key)));
    }

    @Override
    public String spec() { return spec; }

    int size() { return entries.size(); }

    @Override
    public String toString() { return spec; }
}
