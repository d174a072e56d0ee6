// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.rewrite.ResolvedAddress;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * transport_maps lookups in transport(5)'s order: the full address (user+ext@domain, then
 * user@domain when recipient_delimiter is set), then the domain, then each parent domain as
 * ".parent" (and as "parent" when parent_domain_matches_subdomains lists transport_maps),
 * then the wildcard "*". Regular expression and CIDR tables are asked once with the address.
 */
public final class TransportMaps {
    private final List<LookupTable> tables;
    private final boolean parentMatchesSubdomains;
    private final String delimiter;

    public TransportMaps(List<LookupTable> tables, boolean parentMatchesSubdomains, String delimiter) {
        this.tables = List.copyOf(tables);
        this.parentMatchesSubdomains = parentMatchesSubdomains;
        this.delimiter = delimiter;
    }

    public static TransportMaps fromConfig(MainConfig cfg) {
        return new TransportMaps(Tables.openAll(cfg.list("transport_maps"), cfg.configDir(), false),
                cfg.list("parent_domain_matches_subdomains").contains("transport_maps"), cfg.get("recipient_delimiter"));
    }

    public boolean isEmpty() { return tables.isEmpty(); }

    /** The first table value for the address, or empty. */
    public Optional<String> find(ResolvedAddress r) throws LookupException {
        List<String> keys = keys(r);
        for (LookupTable t : tables) {
            List<String> tries = t.matchesWholeInput() ? List.of(keys.get(0)) : keys;
            for (String k : tries) {
                Optional<String> v = t.lookup(k);
                if (v.isPresent()) return v;
            }
        }
        return Optional.empty();
    }

    List<String> keys(ResolvedAddress r) {
        String domain = r.domain();
        String local = r.localPart().toLowerCase(Locale.ROOT);
        List<String> keys = new ArrayList<>();
        keys.add(local + "@" + domain);
        String base = stripExtension(local);
        if (!base.equals(local)) keys.add(base + "@" + domain);
        keys.add(domain);
        for (int dot = domain.startsWith("[") ? -1 : domain.indexOf('.'); dot >= 0 && dot < domain.length() - 1; dot = domain.indexOf('.', dot + 1)) {
            String parent = domain.substring(dot + 1);
            if (parentMatchesSubdomains) keys.add(parent);
            keys.add("." + parent);
        }
        keys.add("*");
        return keys;
    }
    private String stripExtension(String local) {
        if (delimiter.isEmpty()) return local;
        for (int i = 1; i < local.length(); i++) {
            if (delimiter.indexOf(local.charAt(i)) >= 0) return local.substring(0, i);
        }
        return local;
    }
}
