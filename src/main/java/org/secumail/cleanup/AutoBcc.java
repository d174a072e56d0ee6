// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.secumail.config.MainConfig;
import org.secumail.rewrite.AddressResolver;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * Automatic BCC recipients, as cleanup(8)'s cleanup_addr.c: sender_bcc_maps (looked up with
 * the envelope sender), recipient_bcc_maps (with each envelope recipient) and always_bcc
 * (every message). Each result is one more recipient with NOTIFY=NEVER, so its failures never
 * reach the sender; the same BCC address is added once per message. The null sender gets no
 * sender BCC. Lookup keys, as mail_addr_find(): user+ext@domain, user@domain, then user+ext
 * and user when the domain is local (mydestination, our addresses), then @domain.
 * receive_override_options = no_address_mappings turns it off (a content filter's reinjection).
 */
public final class AutoBcc {
    private final String always;
    private final List<LookupTable> senderMaps;
    private final List<LookupTable> recipientMaps;
    private final String delimiter;
    private final AddressResolver resolver;

    private AutoBcc(String always, List<LookupTable> senderMaps, List<LookupTable> recipientMaps, String delimiter, AddressResolver resolver) {
        this.always = always;
        this.senderMaps = senderMaps;
        this.recipientMaps = recipientMaps;
        this.delimiter = delimiter;
        this.resolver = resolver;
    }

    public static AutoBcc of(MainConfig cfg) {
        boolean off = cfg.list("receive_override_options").stream().anyMatch(o -> o.equalsIgnoreCase("no_address_mappings"));
        if (off) return new AutoBcc("", List.of(), List.of(), "", null);
        return new AutoBcc(cfg.get("always_bcc").strip(), open(cfg, "sender_bcc_maps"), open(cfg, "recipient_bcc_maps"),
                cfg.get("recipient_delimiter"), new AddressResolver(cfg));
    }

    private static List<LookupTable> open(MainConfig cfg, String name) {
        List<LookupTable> out = new ArrayList<>();
        for (String spec : cfg.list(name)) out.add(Tables.open(spec, cfg.configDir()));
        return List.copyOf(out);
    }

    public boolean enabled() { return !always.isEmpty() || !senderMaps.isEmpty() || !recipientMaps.isEmpty(); }

    /** The BCC addresses for a message, in order, without repeats; a lookup that fails throws. */
    public List<String> bcc(String sender, List<String> recipients) throws LookupException {
        Set<String> out = new LinkedHashSet<>();
        if (sender != null && !sender.isEmpty()) find(senderMaps, sender).ifPresent(out::add);
        for (String r : recipients) find(recipientMaps, r).ifPresent(out::add);
        if (!always.isEmpty()) out.add(always);
        return List.copyOf(out);
    }

    private Optional<String> find(List<LookupTable> tables, String address) throws LookupException {
        return org.secumail.rewrite.MailAddrKeys.find(tables, address, delimiter, resolver);
    }
}
