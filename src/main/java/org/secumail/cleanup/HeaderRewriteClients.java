// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.config.MainConfig;
import org.secumail.rewrite.AddressResolver;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * local_header_rewrite_clients (permit_inet_interfaces): the clients whose mail is in the
 * "local" header rewriting context, as Postfix's smtpd_check_rewrite(): cleanup adds the
 * Message-Id:, Date: and From: headers their mail lacks. Items: permit_inet_interfaces (the
 * client is one of our own addresses), permit_mynetworks, permit_sasl_authenticated,
 * check_address_map type:table or a bare type:table (the client address is in the table),
 * static:all (every client). Certificate items (permit_tls_clientcerts,
 * permit_tls_all_clientcerts) match no client here; an unknown item is logged and skipped.
 */
public final class HeaderRewriteClients {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.cleanup");

    private sealed interface Item permits Own, Mynetworks, Sasl, Table { }
    private record Own() implements Item { }
    private record Mynetworks() implements Item { }
    private record Sasl() implements Item { }
    private record Table(LookupTable table) implements Item { }

    private final List<Item> items;
    private final Set<String> own;

    private HeaderRewriteClients(List<Item> items, Set<String> own) {
        this.items = items;
        this.own = own;
    }

    public static HeaderRewriteClients of(MainConfig cfg) {
        List<Item> items = new ArrayList<>();
        boolean needOwn = false;
        List<String> words = cfg.list("local_header_rewrite_clients");
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String lower = w.toLowerCase(Locale.ROOT);
            if (lower.equals("check_address_map") && i + 1 < words.size()) {
                items.add(new Table(Tables.open(words.get(++i), cfg.configDir())));
            } else if (w.indexOf(':') > 0) {
                items.add(new Table(Tables.open(w, cfg.configDir())));
            } else if (lower.equals("permit_inet_interfaces")) {
                items.add(new Own());
                needOwn = true;
            } else if (lower.equals("permit_mynetworks")) {
                items.add(new Mynetworks());
            } else if (lower.equals("permit_sasl_authenticated")) {
                items.add(new Sasl());
            } else if (!lower.equals("permit_tls_clientcerts") && !lower.equals("permit_tls_all_clientcerts")) {
                LOG.warn("warning: parameter local_header_rewrite_clients: invalid request: {}", w);
            }
        }
        return new HeaderRewriteClients(List.copyOf(items), needOwn ? AddressResolver.ownAddresses(cfg) : Set.of());
    }

    /**
     * @param peer the address the connection came from (or the one a haproxy header gave):
     *        permit_inet_interfaces looks at it, not at an XCLIENT address, as Postfix's does
     *        (XCLIENT changes smtpd's client name and address, not its socket address)
     * @param clientAddr the client address of the session (XCLIENT's when given), for tables
     * @param mynetworks whether the client is in mynetworks (asked only when an item needs it)
     * @return true for the local context; a table that cannot answer counts as no match
     */
    public boolean local(InetAddress peer, String clientAddr, boolean sasl, java.util.function.BooleanSupplier mynetworks) {
        for (Item item : items) {
            boolean hit = switch (item) {
                case Own o -> peer != null && own.contains(peer.getHostAddress());
                case Mynetworks m -> mynetworks.getAsBoolean();
                case Sasl a -> sasl;
                case Table t -> {
                    try {
                        yield t.table().lookup(clientAddr).isPresent();
                    } catch (LookupException e) {
                        LOG.warn("warning: local_header_rewrite_clients: {}: {}", t.table().spec(), e.getMessage());
                        yield false;
                    }
                }
            };
            if (hit) return true;
        }
        return false;
    }
}
