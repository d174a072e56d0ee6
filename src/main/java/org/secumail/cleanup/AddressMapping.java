// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.secumail.config.MainConfig;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.MailAddrKeys;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * cleanup(8)'s address mapping (canonical(5), cleanup_map11.c, cleanup_masquerade.c):
 * sender_canonical_maps, recipient_canonical_maps and canonical_maps, each limited to the
 * classes its *_canonical_classes parameter names (envelope_sender, envelope_recipient,
 * header_sender, header_recipient), then masquerade_domains (masquerade_classes, default
 * envelope_sender, header_sender, header_recipient; masquerade_exceptions keeps the named
 * users). A canonical entry is applied again to its own result (at most 10 times) until it
 * maps an address to itself; with propagate_unmatched_extensions containing "canonical", an
 * address extension that the matching key did not have is carried over. Lookup keys:
 * {@link MailAddrKeys}. A table that cannot answer makes the message "not accepted, try
 * again later" (451 4.3.0), as in Postfix. Header addresses are rewritten only for mail in
 * the local rewriting context (local_header_rewrite_clients), where an address without a
 * domain also gets @$myorigin; receive_override_options = no_address_mappings turns the maps
 * off (a content filter's reinjection).
 */
public final class AddressMapping {
    /** Which address a mapping applies to. */
    public enum Kind { ENVELOPE_SENDER, ENVELOPE_RECIPIENT, HEADER_SENDER, HEADER_RECIPIENT }

    private record Maps(List<LookupTable> tables, Set<Kind> classes) { }

    private final Maps sender;
    private final Maps recipient;
    private final Maps common;
    private final List<String> masqDomains;
    private final Set<String> masqExceptions;
    private final Set<Kind> masqClasses;
    private final boolean propagate;
    private final String delimiter;
    private final String myorigin;
    private final AddressResolver resolver;

    private AddressMapping(Maps sender, Maps recipient, Maps common, List<String> masqDomains, Set<String> masqExceptions,
                           Set<Kind> masqClasses, boolean propagate, String delimiter, String myorigin, AddressResolver resolver) {
        this.sender = sender;
        this.recipient = recipient;
        this.common = common;
        this.masqDomains = masqDomains;
        this.masqExceptions = masqExceptions;
        this.masqClasses = masqClasses;
        this.propagate = propagate;
        this.delimiter = delimiter;
        this.myorigin = myorigin;
        this.resolver = resolver;
    }

    public static AddressMapping of(MainConfig cfg) {
        boolean off = cfg.list("receive_override_options").stream().anyMatch(o -> o.equalsIgnoreCase("no_address_mappings"));
        Maps none = new Maps(List.of(), Set.of());
        if (off) return new AddressMapping(none, none, none, List.of(), Set.of(), Set.of(), false, "", cfg.get("myorigin"), null);
        Set<String> exceptions = new HashSet<>();
        for (String u : cfg.list("masquerade_exceptions")) exceptions.add(u.toLowerCase(Locale.ROOT));
        return new AddressMapping(maps(cfg, "sender_canonical"), maps(cfg, "recipient_canonical"), maps(cfg, "canonical"),
                cfg.list("masquerade_domains"), exceptions, classes(cfg, "masquerade_classes"),
                cfg.list("propagate_unmatched_extensions").stream().anyMatch(x -> x.equalsIgnoreCase("canonical")),
                cfg.get("recipient_delimiter"), cfg.get("myorigin"), new AddressResolver(cfg));
    }

    /**
     * smtp_generic_maps (or lmtp_generic_maps): the SMTP client's rewriting of the envelope and
     * of every address header of mail it sends, with the same keys and recursion; extensions
     * propagate when propagate_unmatched_extensions names "generic". Null when not set.
     */
    public static AddressMapping generic(MainConfig cfg, String prefix) {
        List<LookupTable> t = new ArrayList<>();
        for (String spec : cfg.list(prefix + "_generic_maps")) t.add(Tables.open(spec, cfg.configDir()));
        if (t.isEmpty()) return null;
        Maps none = new Maps(List.of(), Set.of());
        return new AddressMapping(none, none, new Maps(List.copyOf(t), Set.of(Kind.values())), List.of(), Set.of(), Set.of(),
                cfg.list("propagate_unmatched_extensions").stream().anyMatch(x -> x.equalsIgnoreCase("generic")),
                cfg.get("recipient_delimiter"), cfg.get("myorigin"), new AddressResolver(cfg));
    }

    private static Maps maps(MainConfig cfg, String prefix) {
        List<LookupTable> t = new ArrayList<>();
        for (String spec : cfg.list(prefix + "_maps")) t.add(Tables.open(spec, cfg.configDir()));
        return new Maps(List.copyOf(t), classes(cfg, prefix + "_classes"));
    }

    private static Set<Kind> classes(MainConfig cfg, String name) {
        Set<Kind> out = new HashSet<>();
        for (String c : cfg.list(name)) {
            switch (c.toLowerCase(Locale.ROOT)) {
                case "envelope_sender" -> out.add(Kind.ENVELOPE_SENDER);
                case "envelope_recipient" -> out.add(Kind.ENVELOPE_RECIPIENT);
                case "header_sender" -> out.add(Kind.HEADER_SENDER);
                case "header_recipient" -> out.add(Kind.HEADER_RECIPIENT);
                default -> throw new org.secumail.config.ConfigException(name + ": unknown class \"" + c + "\"");
            }
        }
        return Set.copyOf(out);
    }

    /** True when some map or masquerading is configured. */
    public boolean enabled() {
        return !sender.tables().isEmpty() || !recipient.tables().isEmpty() || !common.tables().isEmpty() || !masqDomains.isEmpty();
    }

    /** The address after the maps and masquerading of its kind; the null sender stays null. */
    public String map(String address, Kind kind) throws LookupException {
        if (address.isEmpty()) return address;
        String a = address;
        boolean isSender = kind == Kind.ENVELOPE_SENDER || kind == Kind.HEADER_SENDER;
        Maps own = isSender ? sender : recipient;
        if (own.classes().contains(kind)) a = map11(own.tables(), a);
        if (common.classes().contains(kind)) a = map11(common.tables(), a);
        if (masqClasses.contains(kind)) a = masquerade(a);
        return a;
    }

    /** cleanup_map11_external(): the first result, applied again until it maps to itself (at most 10 times). */
    private String map11(List<LookupTable> tables, String address) throws LookupException {
        if (tables.isEmpty()) return address;
        String a = address;
        for (int count = 0; count < 10; count++) {
            Optional<String> v = lookup(tables, a);
            if (v.isEmpty()) return a;
            String next = v.get();
            int comma = next.indexOf(',');
            if (comma >= 0) next = next.substring(0, comma).strip();   // multi-valued: the first, as Postfix (with a warning)
            boolean self = next.equalsIgnoreCase(a);
            a = next;
            if (self) return a;
        }
        throw new LookupException("unreasonable canonical map nesting for " + address);
    }

    /**
     * mail_addr_map(): the value for the address's keys. A result "@domain" keeps the
     * address's user; an extension the matching key did not have ("user@domain" or "@domain"
     * matched "user+ext@domain") is carried over with propagate_unmatched_extensions.
     */
    private Optional<String> lookup(List<LookupTable> tables, String address) throws LookupException {
        List<String> keys = MailAddrKeys.of(address, delimiter, resolver);
        String ext = extension(address);
        String local = localPart(address);
        for (LookupTable t : tables) {
            for (String k : t.matchesWholeInput() ? keys.subList(0, 1) : keys) {
                Optional<String> v = t.lookup(k);
                if (v.isEmpty() || v.get().isBlank()) continue;
                String result = v.get().strip();
                boolean unmatched = ext != null && !k.equalsIgnoreCase(address) && !k.equals(local);
                if (result.startsWith("@")) result = (unmatched ? local.substring(0, local.length() - ext.length() - 1) : local) + result;
                if (propagate && unmatched && result.indexOf('@') > 0) {
                    int at = result.lastIndexOf('@');
                    result = result.substring(0, at) + delimiter.charAt(0) + ext + result.substring(at);
                }
                return Optional.of(result);
            }
        }
        return Optional.empty();
    }

    private static String localPart(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }

    /** The extension of the address's local part (after the first recipient_delimiter character), or null. */
    private String extension(String address) {
        if (delimiter.isEmpty()) return null;
        String local = localPart(address);
        for (int i = 1; i < local.length(); i++) if (delimiter.indexOf(local.charAt(i)) >= 0) return local.substring(i + 1);
        return null;
    }

    /** cleanup_masquerade_external(): a subdomain of a listed domain becomes that domain ("!" excludes). */
    String masquerade(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0 || masqDomains.isEmpty()) return address;
        if (!masqExceptions.isEmpty() && masqExceptions.contains(address.substring(0, at).toLowerCase(Locale.ROOT))) return address;
        String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
        for (String m : masqDomains) {
            boolean truncate = true;
            int i = 0;
            while (i < m.length() && m.charAt(i) == '!') { truncate = !truncate; i++; }
            String masq = m.substring(i).toLowerCase(Locale.ROOT);
            if (masq.isEmpty()) continue;
            if (masq.equals(domain)) break;
            if (masq.length() < domain.length() && domain.endsWith("." + masq)) {
                return truncate ? address.substring(0, at + 1) + masq : address;
            }
        }
        return address;
    }

    /** The header's kind when its addresses are rewritten (header_opts.c), or null. */
    public static Kind headerKind(String lowerName) {
        return switch (lowerName) {
            case "from", "sender", "reply-to", "errors-to", "return-path", "return-receipt-to", "disposition-notification-to",
                 "mail-followup-to", "resent-from", "resent-sender" -> Kind.HEADER_SENDER;
            case "to", "cc", "bcc", "apparently-to", "resent-to", "resent-cc", "resent-bcc", "resent-reply-to" -> Kind.HEADER_RECIPIENT;
            default -> null;
        };
    }

    /**
     * The header with each address in it rewritten (unqualified ones get @qualifyDomain first),
     * written again as Postfix's cleanup writes a rewritten header ({@link HeaderAddresses}), or
     * null when nothing changed (the header then stays as it was).
     */
    public String rewriteHeader(String header, Kind kind, String qualifyDomain) throws LookupException {
        try {
            return HeaderAddresses.rewrite(header, addr -> {
                String a = addr.indexOf('@') < 0 && qualifyDomain != null ? addr + "@" + qualifyDomain : addr;
                try {
                    return map(a, kind);
                } catch (LookupException e) {
                    throw new java.io.UncheckedIOException(new java.io.IOException(e.getMessage(), e));
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw (LookupException) e.getCause().getCause();
        }
    }
}
