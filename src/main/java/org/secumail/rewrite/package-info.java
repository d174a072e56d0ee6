// SPDX-License-Identifier: Apache-2.0
/**
 * rewrite - address resolution and recipient tables (Postfix's trivial-rewrite(8)).
 *
 * <h2>Description</h2>
 * {@link org.secumail.rewrite.AddressResolver} gives each address its class (local, virtual
 * alias, virtual mailbox, relay, default) after dropping source routes and quotes and, for our
 * own domains only, following percent, bang and "@" routes (allow_percent_hack,
 * swap_bangpath, resolve_dequoted_address). A local part that still routes elsewhere marks
 * the address as routed, which reject_unauth_destination refuses: the relay-trick defence.
 * {@link org.secumail.rewrite.RecipientMaps} holds local_recipient_maps, alias_maps,
 * virtual_alias_maps, virtual_mailbox_maps and relay_recipient_maps.
 *
 * <h2>Parameters</h2>
 * mydestination ($myhostname, localhost.$mydomain, localhost), relay_domains,
 * virtual_alias_domains, virtual_mailbox_domains, myorigin ($myhostname), recipient_delimiter,
 * allow_percent_hack (yes), swap_bangpath (yes), resolve_dequoted_address (yes),
 * local_recipient_maps (proxy:unix:passwd.byname $alias_maps), alias_maps (hash:/etc/aliases,
 * read from the text file), virtual_alias_maps, virtual_mailbox_maps, relay_recipient_maps.
 *
 * <h2>See also</h2>
 * Postfix ADDRESS_CLASS_README, LOCAL_RECIPIENT_README; RFC 5321 section 4.1.2 and appendix C.
 */
package org.secumail.rewrite;
