// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.secumail.config.ConfigException;

/**
 * OpenDKIM's KeyTable (opendkim.conf(5)): key name to "domain:selector:key", where the key
 * is a path (starting with "/", "./" or "../") to a private key file, or the key itself
 * (PEM, or base64 DER). A domain of "%" means the From: domain of the message being signed.
 */
public final class KeyTable {
    /** One KeyTable entry as written; {@code key} is a path or inline key text. */
    public record Entry(String name, String domain, String selector, String key) {
        public boolean keyIsPath() { return key.startsWith("/") || key.startsWith("./") || key.startsWith("../"); }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public KeyTable(OpenDkimDataset data) {
        for (OpenDkimDataset.Entry e : data.entries()) {
            String[] f = e.value().split(":", 3);
            if (f.length < 3 || f[0].isBlank() || f[1].isBlank() || f[2].isBlank()) {
                throw new ConfigException("KeyTable " + data.spec() + ": entry " + e.key() + ": expected domain:selector:keyfile, got \"" + e.value() + "\"");
            }
            entries.put(e.key().toLowerCase(java.util.Locale.ROOT), new Entry(e.key(), f[0].strip(), f[1].strip(), f[2].strip()));
        }
    }

    public Entry get(String name) { return entries.get(name.toLowerCase(java.util.Locale.ROOT)); }

    public java.util.Collection<Entry> entries() { return entries.values(); }
}
