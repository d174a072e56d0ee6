// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * Where local(8) hands a local user's mail to another transport instead of writing the
 * mailbox itself (Postfix's mailbox.c and unknown.c), and where it sends mail for a user the
 * passwd file does not know:
 * <ul>
 * <li>mailbox_transport_maps (searched with the bare user name), then mailbox_transport:
 *     every local user's mailbox delivery, known to passwd or not, goes to that transport
 *     ("lmtp:unix:private/dovecot-lmtp" is the usual Dovecot setup);</li>
 * <li>for a user unknown to passwd: fallback_transport_maps, then fallback_transport, then
 *     luser_relay (an address, with $user, $local, $extension, $domain, $recipient and
 *     $recipient_delimiter expanded), else the recipient bounces with 5.1.1.</li>
 * </ul>
 * The transport value is "transport:nexthop" as in transport(5); the recipient passed on is
 * the address being delivered (after alias expansion), with the original recipient's DSN
 * attributes.
 */
public final class MailboxDelegation {
    /** Hands one recipient to another delivery agent ("lmtp:unix:private/dovecot-lmtp"). */
    @FunctionalInterface
    public interface Passer {
        DeliveryResult pass(String transport, QueuedMessage msg, QueuedMessage.Recipient recipient, Transport.Content content);
    }

    private final List<LookupTable> mailboxMaps;
    private final String mailboxTransport;
    private final List<LookupTable> fallbackMaps;
    private final String fallbackTransport;
    private final String luserRelay;
    private final String delimiter;

    MailboxDelegation(MainConfig cfg) {
        this.mailboxMaps = open(cfg, "mailbox_transport_maps");
        this.mailboxTransport = cfg.get("mailbox_transport").strip();
        this.fallbackMaps = open(cfg, "fallback_transport_maps");
        this.fallbackTransport = cfg.get("fallback_transport").strip();
        this.luserRelay = cfg.get("luser_relay").strip();
        this.delimiter = cfg.get("recipient_delimiter");
    }

    private static List<LookupTable> open(MainConfig cfg, String name) {
        List<LookupTable> out = new ArrayList<>();
        for (String spec : cfg.list(name)) out.add(Tables.open(spec, cfg.configDir(), false));
        return List.copyOf(out);
    }

    /** The transport for {@code user}'s mailbox delivery, or empty to write the mailbox here. */
    Optional<String> mailboxTransport(String user) throws LookupException {
        Optional<String> v = find(mailboxMaps, user);
        if (v.isPresent()) return v;
        return mailboxTransport.isEmpty() ? Optional.empty() : Optional.of(mailboxTransport);
    }

    /** The transport for a user the passwd file does not know, or empty. */
    Optional<String> fallbackTransport(String user) throws LookupException {
        Optional<String> v = find(fallbackMaps, user);
        if (v.isPresent()) return v;
        return fallbackTransport.isEmpty() ? Optional.empty() : Optional.of(fallbackTransport);
    }

    /** True when unknown users go somewhere else than a bounce, so passwd must be asked. */
    boolean handlesUnknown() {
        return !fallbackMaps.isEmpty() || !fallbackTransport.isEmpty() || !luserRelay.isEmpty();
    }

    /**
     * luser_relay with its $names expanded for {@code address} (whose bare user name is
     * {@code user}), or empty when not set. An unknown $name expands to nothing, as in Postfix.
     */
    Optional<String> luserRelay(String user, String address) {
        if (luserRelay.isEmpty()) return Optional.empty();
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1);
        String extension = "";
        if (!delimiter.isEmpty()) {
            for (int i = 0; i < local.length(); i++) {
                if (delimiter.indexOf(local.charAt(i)) >= 0 && i > 0) { extension = local.substring(i + 1); break; }
            }
        }
        StringBuilder out = new StringBuilder();
        String s = luserRelay;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '$' || i + 1 == s.length()) { out.append(c); continue; }
            int start = i + 1;
            int end;
            String name;
            if (s.charAt(start) == '{' || s.charAt(start) == '(') {
                char close = s.charAt(start) == '{' ? '}' : ')';
                end = s.indexOf(close, start);
                if (end < 0) { out.append(c); continue; }
                name = s.substring(start + 1, end);
                i = end;
            } else {
                end = start;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) end++;
                name = s.substring(start, end);
                i = end - 1;
            }
            out.append(switch (name) {
                case "user", "mailbox" -> user;
                case "local" -> local;
                case "extension" -> extension;
                case "domain" -> domain;
                case "recipient" -> address;
                case "recipient_delimiter" -> delimiter;
                default -> "";
            });
        }
        return Optional.of(out.toString().strip());
    }

    private static Optional<String> find(List<LookupTable> tables, String user) throws LookupException {
        for (LookupTable t : tables) {
            Optional<String> v = t.lookup(user);
            if (v.isPresent() && !v.get().isBlank()) return Optional.of(v.get().strip());
        }
        return Optional.empty();
    }
}
