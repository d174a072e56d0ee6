// SPDX-License-Identifier: Apache-2.0
/**
 * route - which delivery agent and next hop each recipient goes to (Postfix's
 * trivial-rewrite(8) resolve service and transport(5)).
 *
 * <h2>Description</h2>
 * {@link org.secumail.route.Router} is the {@link org.secumail.queue.Transport} the queue
 * manager calls. For every pending recipient it takes the address class from
 * {@link org.secumail.rewrite.AddressResolver} and picks the class default:
 * <pre>
 * mydestination                    local_transport   (local:$myhostname)
 * virtual_alias/mailbox_domains    virtual_transport (virtual)
 * relay_domains                    relay_transport   (relay, the smtp client)  nexthop: relayhost or the domain
 * anything else                    default_transport (smtp)                    nexthop: relayhost or the domain
 * </pre>
 * then transport_maps may replace it, looked up with the full address (user+ext@domain,
 * user@domain), the domain, each parent domain as ".parent" (and "parent" when
 * parent_domain_matches_subdomains lists transport_maps), and "*". A result is
 * "transport:nexthop"; an empty transport or next hop keeps the class default's.
 * Recipients with the same (transport, nexthop) go to their agent in one call, as qmgr(8)
 * hands a delivery agent one message and all its recipients for one destination; the
 * groups of one message run in parallel.
 *
 * <h2>Transports</h2>
 * <pre>
 * local, virtual      local and virtual mailbox delivery (org.secumail.deliver)
 * smtp, relay         the SMTP client (org.secumail.smtp): smtp:[host]:port, smtp:host:port, smtp:domain
 * lmtp                the LMTP client: lmtp:inet:host:port, lmtp:unix:/path
 * discard:text        reports success (dsn 2.0.0) and delivers nothing
 * error:text          bounces with the text; "error:5.1.1 No such user" keeps the code (default 5.0.0)
 * retry:text          defers with the text (default 4.0.0)
 * </pre>
 * Any other transport name is deferred with "mail transport unavailable" and a warning
 * that names it, as Postfix does for a master.cf service that does not exist.
 *
 * <h2>Parameters</h2>
 * default_transport (smtp), relay_transport (relay), local_transport (local:$myhostname),
 * virtual_transport (virtual), relayhost (empty), transport_maps (empty),
 * parent_domain_matches_subdomains.
 *
 * <h2>Logging</h2>
 * Delivery results are logged by the queue manager under secumail.delivery, one Postfix
 * line per recipient ("QID: to=&lt;...&gt;, relay=..., dsn=..., status=..."); routing
 * failures (table lookups, unknown transports) under secumail.trivial-rewrite.
 *
 * <h2>See also</h2>
 * transport(5), trivial-rewrite(8), postconf(5), Postfix ADDRESS_CLASS_README.
 */
package org.secumail.route;
