// SPDX-License-Identifier: Apache-2.0
/**
 * greylist - postgrey-compatible greylisting.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * main.cf:
 *     smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
 *         check_greylist
 *     secumail_greylist_whitelist_clients = /etc/postgrey/whitelist_clients
 *     secumail_greylist_whitelist_recipients = /etc/postgrey/whitelist_recipients
 * </pre>
 * (The restriction's name in main.cf is chosen where the lead registers
 * {@link org.secumail.greylist.CheckGreylist#greylistRestriction}.)
 *
 * <h2>DESCRIPTION</h2>
 * Greylisting as postgrey(8) 1.37 does it, built in instead of behind check_policy_service.
 * For each recipient the triplet "client network / sender / recipient" is looked up. A new
 * triplet is deferred with "450 4.2.0 &lt;rcpt&gt;: Recipient address rejected: Greylisted,
 * see http://postgrey.schweikert.ch/help/DOMAIN.html" (the reply Postfix gives for postgrey's
 * answer); a retry at least secumail_greylist_delay after the first attempt passes and the
 * message gets an "X-Greylist: delayed N seconds by SecuMail-greylist; DATE" header. A first
 * retry later than secumail_greylist_retry_window starts over. Triplets not seen for
 * secumail_greylist_max_age are forgotten (checked on lookup, and removed by a clean-up that
 * runs at most once a day).
 * <p>
 * The triplet is built as postgrey builds it: the client address with the host bits cleared
 * (/24 for IPv4, /64 for IPv6, postgrey's --lookup-by-subnet), or the whole address with
 * secumail_greylist_lookup_by = host; the sender in lower case, a BATV "prvs=TAG=" part
 * removed, "+extension" removed and numbers standing alone replaced by "#" (so VERP bounce
 * addresses such as bounce-123-456@example.org collapse into bounce-#-#@example.org); the
 * recipient in lower case.
 * <p>
 * A client address (not network) whose triplets passed greylisting
 * secumail_greylist_auto_whitelist times, counted at most once an hour, is not greylisted
 * any more (postgrey's --auto-whitelist-clients); 0 turns this off.
 * <p>
 * Clients in mynetworks, clients that authenticated with SMTP AUTH, and clients and
 * recipients in the whitelist files are never greylisted. The files use postgrey's formats,
 * so Debian's /etc/postgrey/whitelist_clients and whitelist_recipients load unchanged:
 * whitelist_clients holds host names (matching subdomains too), /regex/ (against the
 * verified client name), IPv4 addresses, networks and partial addresses (a.b.c), IPv6
 * addresses and networks; whitelist_recipients holds user@domain, user@ (postmaster@),
 * domain and /regex/ (against the recipient address). A missing file stops startup.
 * <p>
 * The state is kept in one SQLite database (WAL mode) and survives restarts. If the database
 * fails, the recipient is deferred with "451 4.3.5 Server configuration problem", as Postfix
 * does when its policy server is unreachable.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>secumail_greylist_delay (default: 300s)</dt><dd>how long a new triplet is deferred
 * (postgrey --delay).</dd>
 * <dt>secumail_greylist_max_age (default: 35d)</dt><dd>triplets and auto-whitelisted clients
 * not seen for this long are removed (--max-age).</dd>
 * <dt>secumail_greylist_retry_window (default: 2d)</dt><dd>a first retry later than this
 * counts as a new attempt (--retry-window).</dd>
 * <dt>secumail_greylist_auto_whitelist (default: 5)</dt><dd>successful deliveries after which
 * a client is whitelisted; 0 disables (--auto-whitelist-clients).</dd>
 * <dt>secumail_greylist_whitelist_clients (default: empty)</dt><dd>whitelist_clients files,
 * relative names taken from the configuration directory.</dd>
 * <dt>secumail_greylist_whitelist_recipients (default: empty)</dt><dd>whitelist_recipients
 * files.</dd>
 * <dt>secumail_greylist_lookup_by (default: subnet)</dt><dd>subnet or host
 * (--lookup-by-subnet, --lookup-by-host).</dd>
 * <dt>secumail_greylist_ipv4_prefix (default: 24), secumail_greylist_ipv6_prefix
 * (default: 64)</dt><dd>the subnet sizes (--ipv4cidr, --ipv6cidr).</dd>
 * <dt>secumail_greylist_text (default: Greylisted, see
 * http://postgrey.schweikert.ch/help/%r.html)</dt><dd>reply text; %r is the recipient
 * domain, %s the seconds still to wait (--greylist-text).</dd>
 * <dt>secumail_greylist_database (default: $data_directory/greylist.sqlite)</dt><dd>the
 * SQLite database file.</dd>
 * </dl>
 *
 * <h2>STANDARDS</h2>
 * RFC 5321 section 4.5.4.1 (clients retry after a 4xx reply), RFC 3463 (4.2.0: postgrey's
 * work-around for Exchange), RFC 6647 (email greylisting: an applicability statement).
 *
 * <h2>SEE ALSO</h2>
 * postgrey(8), http://postgrey.schweikert.ch/, Postfix SMTPD_POLICY_README,
 * {@link org.secumail.smtpd.check}.
 */
package org.secumail.greylist;
