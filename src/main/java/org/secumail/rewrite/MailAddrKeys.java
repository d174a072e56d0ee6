// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;

/**
 * The lookup keys of Postfix's mail_addr_find(), used by the maps that are searched with a
 * whole address (sender_bcc_maps, recipient_bcc_maps, sender_dependent_relayhost_maps, ...):
 * user+ext@domain, user@domain, then user+ext and user when the domain is local (mydestination,
 * our addresses, or no domain at all), then @domain. A table that matches whole inputs
 * (regexp:, pcre:) is asked with the address alone.
 */
public final class MailAddrKeys {
    private MailAddrKeys() { }

    /** The keys for {@code address}, most specific first. */
    public static List<String> of(String address, String delimiter, AddressResolver resolver) throws LookupException {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
        String bare = local;
        if (delimiter != null && !delimiter.isEmpty()) {
            for (int i = 1; i < local.length(); i++) {
                if (delimiter.indexOf(local.charAt(i)) >= 0) { bare = local.substring(0, i); break; }
            }
        }
        List<String> keys = new ArrayList<>();
        keys.add(local + (at < 0 ? "" : "@" + domain));
        if (!bare.equals(local)) keys.add(bare + (at < 0 ? "" : "@" + domain));
        if (at < 0 || resolver.resolve(address).cls() == AddressClass.LOCAL) {
            keys.add(local);
            if (!bare.equals(local)) keys.add(bare);
        }
        if (at >= 0) keys.add("@" + domain);
        return keys;
    }

    /** The first non-empty value for the address's keys in the tables, in order. */
    public static Optional<String> find(List<LookupTable> tables, String address, String delimiter, AddressResolver resolver)
            throws LookupException {
        if (tables.isEmpty()) return Optional.empty();
        List<String> keys = of(address, delimiter, resolver);
        for (LookupTable t : tables) {
            for (String k : t.matchesWholeInput() ? keys.subList(0, 1) : keys) {
                Optional<String> v = t.lookup(k);
                if (v.isPresent() && !v.get().isBlank()) return Optional.of(v.get().strip());
            }
        }
        return Optional.empty();
    }
}
