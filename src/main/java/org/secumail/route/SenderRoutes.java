// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.MailAddrKeys;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * trivial-rewrite(8)'s sender-dependent overrides for mail that leaves (the relay_domains
 * and default address classes): sender_dependent_relayhost_maps replaces relayhost and
 * sender_dependent_default_transport_maps replaces default_transport, each looked up with
 * the envelope sender's mail_addr_find() keys ({@link MailAddrKeys}: user@domain, user for
 * our own domains, @domain); the null sender is looked up as
 * empty_address_relayhost_maps_lookup_key ("&lt;&gt;") and
 * empty_address_default_transport_maps_lookup_key. As in Postfix, a next hop in
 * relay_transport or default_transport and a transport_maps entry still win. A table that
 * cannot answer defers the recipient (the router's lookup failure).
 */
final class SenderRoutes {
    private final List<LookupTable> relayhosts;
    private final List<LookupTable> transports;
    private final String nullRelayKey;
    private final String nullTransportKey;
    private final String delimiter;
    private final AddressResolver resolver;

    private SenderRoutes(List<LookupTable> relayhosts, List<LookupTable> transports, String nullRelayKey, String nullTransportKey,
                         String delimiter, AddressResolver resolver) {
        this.relayhosts = relayhosts;
        this.transports = transports;
        this.nullRelayKey = nullRelayKey;
        this.nullTransportKey = nullTransportKey;
        this.delimiter = delimiter;
        this.resolver = resolver;
    }

    static SenderRoutes fromConfig(MainConfig cfg, AddressResolver resolver) {
        return new SenderRoutes(open(cfg, "sender_dependent_relayhost_maps"), open(cfg, "sender_dependent_default_transport_maps"),
                cfg.get("empty_address_relayhost_maps_lookup_key"), cfg.get("empty_address_default_transport_maps_lookup_key"),
                cfg.get("recipient_delimiter"), resolver);
    }

    private static List<LookupTable> open(MainConfig cfg, String name) {
        List<LookupTable> out = new ArrayList<>();
        for (String spec : cfg.list(name)) out.add(Tables.open(spec, cfg.configDir()));
        return List.copyOf(out);
    }

    boolean relayhosts() { return !relayhosts.isEmpty(); }

    boolean transports() { return !transports.isEmpty(); }

    Optional<String> relayhost(String sender) throws LookupException {
        return lookup(relayhosts, sender, nullRelayKey);
    }

    Optional<String> defaultTransport(String sender) throws LookupException {
        return lookup(transports, sender, nullTransportKey);
    }

    private Optional<String> lookup(List<LookupTable> tables, String sender, String nullKey) throws LookupException {
        if (tables.isEmpty()) return Optional.empty();
        if (sender.isEmpty()) {
            for (LookupTable t : tables) {
                Optional<String> v = t.lookup(nullKey);
                if (v.isPresent() && !v.get().isBlank()) return Optional.of(v.get().strip());
            }
            return Optional.empty();
        }
        return MailAddrKeys.find(tables, sender, delimiter, resolver);
    }
}
