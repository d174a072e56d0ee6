// SPDX-License-Identifier: Apache-2.0
package org.secumail.rewrite;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * The tables that say which recipients exist (Postfix's LOCAL_RECIPIENT_README and
 * ADDRESS_CLASS_README): local_recipient_maps (with alias_maps), virtual_alias_maps,
 * virtual_mailbox_maps and relay_recipient_maps. Lookup keys follow mail_addr_find():
 * user+ext@domain, user@domain, then for local domains the local part alone (user+ext, user),
 * then @domain. An empty map parameter means "accept every address of the class", as in Postfix.
 */
public final class RecipientMaps {
    private final List<LookupTable> localRecipients;
    private final boolean localCheckEnabled;
    private final List<LookupTable> aliases;
    private final List<LookupTable> virtualAliases;
    private final List<LookupTable> virtualMailboxes;
    private final List<LookupTable> relayRecipients;
    private final String delimiter;

    public RecipientMaps(MainConfig cfg) {
        Path dir = cfg.configDir();
        this.localCheckEnabled = !cfg.list("local_recipient_maps").isEmpty();
        this.aliases = open(cfg.list("alias_maps"), dir, true);
        List<LookupTable> local = new ArrayList<>();
        for (String spec : cfg.list("local_recipient_maps")) {
            // $alias_maps inside local_recipient_maps names alias files: open them in aliases(5) format.
            boolean isAlias = cfg.list("alias_maps").contains(spec);
            local.add(Tables.open(spec, dir, isAlias));
        }
        this.localRecipients = List.copyOf(local);
        this.virtualAliases = open(cfg.list("virtual_alias_maps"), dir, false);
        this.virtualMailboxes = open(cfg.list("virtual_mailbox_maps"), dir, false);
        this.relayRecipients = open(cfg.list("relay_recipient_maps"), dir, false);
        this.delimiter = cfg.get("recipient_delimiter");
    }

    private static List<LookupTable> open(List<String> specs, Path dir, boolean aliasFormat) {
        List<LookupTable> out = new ArrayList<>();
        for (String s : specs) out.add(Tables.open(s, dir, aliasFormat));
        return List.copyOf(out);
    }

    /**
     * Why the address is unknown ("User unknown in local recipient table"), or empty when it
     * exists or its class is not checked.
     */
    public Optional<String> unknownReason(ResolvedAddress r) throws LookupException {
        if (!virtualAliases.isEmpty() && find(virtualAliases, r, r.cls() == AddressClass.LOCAL).isPresent()) {
            return Optional.empty();
        }
        return switch (r.cls()) {
            case LOCAL -> !localCheckEnabled || find(localRecipients, r, true).isPresent()
                    ? Optional.empty() : Optional.of("User unknown in local recipient table");
            case VIRTUAL_ALIAS -> Optional.of("User unknown in virtual alias table");
            case VIRTUAL_MAILBOX -> virtualMailboxes.isEmpty() || find(virtualMailboxes, r, false).isPresent()
                    ? Optional.empty() : Optional.of("User unknown in virtual mailbox table");
            case RELAY -> relayRecipients.isEmpty() || find(relayRecipients, r, false).isPresent()
                    ? Optional.empty() : Optional.of("User unknown in relay recipient table");
            case DEFAULT -> Optional.empty();
        };
    }

    /** The alias_maps value for a local part (for local delivery), if any. */
    public Optional<String> alias(String localPart) throws LookupException {
        String key = localPart.toLowerCase(Locale.ROOT);
        for (LookupTable t : aliases) {
            Optional<String> v = t.lookup(key);
            if (v.isPresent()) return v;
        }
        return Optional.empty();
    }

    /** The virtual_mailbox_maps value (a path below virtual_mailbox_base) for an address. */
    public Optional<String> virtualMailbox(ResolvedAddress r) throws LookupException {
        return find(virtualMailboxes, r, false);
    }

    public Optional<String> virtualAlias(ResolvedAddress r) throws LookupException {
        return find(virtualAliases, r, r.cls() == AddressClass.LOCAL);
    }

    private Optional<String> find(List<LookupTable> tables, ResolvedAddress r, boolean localPartKeys) throws LookupException {
        List<String> keys = keys(r, localPartKeys);
        for (LookupTable t : tables) {
            List<String> tries = t.matchesWholeInput() ? List.of(keys.get(0)) : keys;
            for (String k : tries) {
                Optional<String> v = t.lookup(k);
                if (v.isPresent()) return v;
            }
        }
        return Optional.empty();
    }

    List<String> keys(ResolvedAddress r, boolean localPartKeys) {
        String local = r.localPart().toLowerCase(Locale.ROOT);
        String domain = r.domain();
        String base = stripExtension(local);
        List<String> keys = new ArrayList<>();
        keys.add(local + "@" + domain);
        if (!base.equals(local)) keys.add(base + "@" + domain);
        if (localPartKeys) {
            keys.add(local);
            if (!base.equals(local)) keys.add(base);
        }
        keys.add("@" + domain);
        return keys;
    }

    /** user+ext -> user, for each character of recipient_delimiter. */
    public String stripExtension(String local) {
        if (delimiter.isEmpty()) return local;
        for (int i = 0; i < local.length(); i++) {
            if (delimiter.indexOf(local.charAt(i)) >= 0 && i > 0) return local.substring(0, i);
        }
        return local;
    }
}
