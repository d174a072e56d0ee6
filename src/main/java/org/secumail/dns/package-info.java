// SPDX-License-Identifier: Apache-2.0
/**
 * DNS lookups for SecuMail.
 *
 * <h2>NAME</h2>
 * org.secumail.dns - stub DNS resolver with answer cache
 *
 * <h2>DESCRIPTION</h2>
 * The rest of SecuMail asks DNS through one interface, {@link org.secumail.dns.Resolver}:
 * A, AAAA, MX, TXT and PTR lookups that never throw and whose
 * {@link org.secumail.dns.DnsAnswer} says what happened, as a {@link org.secumail.dns.DnsStatus}:
 * <dl>
 * <dt>OK</dt><dd>records of the asked type, after following any CNAME chain.</dd>
 * <dt>NXDOMAIN</dt><dd>the name does not exist (rcode 3). Permanent.</dd>
 * <dt>NODATA</dt><dd>the name exists but has no records of the type (NOERROR, empty
 *     answer). Permanent.</dd>
 * <dt>SERVFAIL</dt><dd>the server answered with an error: SERVFAIL, REFUSED, NOTIMP,
 *     FORMERR or any other rcode, or a malformed message. Temporary.</dd>
 * <dt>TIMEOUT</dt><dd>no answer in time, or no server reachable. Temporary.</dd>
 * </dl>
 * As in Postfix, a temporary status must lead to a 4xx reply or a deferral, never to a
 * 5xx rejection.
 *
 * <p>{@link org.secumail.dns.DnsjavaResolver} sends the queries (recursion desired,
 * EDNS0, names always absolute: no search list, no ndots) to the configured servers in
 * order, moving to the next server after a temporary failure, and repeating a truncated
 * UDP answer over TCP. {@link org.secumail.dns.CachingResolver} wraps it and keeps answers
 * per name and type for their TTL.
 *
 * <p>Decoded records: A and AAAA give addresses; MX gives preference and exchange in
 * lower case without the trailing dot, the exchange "" for a null MX; TXT gives each
 * record's character-strings joined without separator, decoded as UTF-8; PTR gives host
 * names in lower case without the trailing dot.
 *
 * <h2>CACHING</h2>
 * Positive answers are kept for the smallest TTL of the answer RRset and the CNAMEs that
 * led to it, at most one day. NXDOMAIN and NODATA are kept for the negative TTL, the
 * smaller of the SOA record's TTL and its MINIMUM field from the authority section, or 60
 * seconds when the response has no SOA. SERVFAIL and TIMEOUT are not kept. At most 10000
 * answers are held; the least recently used goes first.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>dns_servers (default: empty)</dt>
 * <dd>The DNS servers to ask, separated by commas or whitespace, each an IP address with an
 *     optional port: {@code 192.0.2.53}, {@code 192.0.2.53:5353}, {@code 2001:db8::53},
 *     {@code [2001:db8::53]:53}. Host names are not accepted. When empty, the
 *     {@code nameserver} lines of /etc/resolv.conf are used. This parameter is SecuMail's
 *     own; Postfix always uses the system resolver.</dd>
 * <dt>secumail_dns_timeout (default: 5s)</dt>
 * <dd>How long to wait for each server's answer. One lookup may take up to this time for
 *     every server in the list.</dd>
 * </dl>
 *
 * <h2>STANDARDS</h2>
 * RFC 1035 (domain names, message format, TCP after truncation), RFC 2181 (TTL
 * limits), RFC 2308 (negative caching: NXDOMAIN vs NODATA, SOA minimum), RFC 4343 (case
 * insensitivity), RFC 7208 section 3.3 (TXT string concatenation), RFC 7505 (null MX).
 *
 * <h2>SEE ALSO</h2>
 * resolv.conf(5), postconf(5) (smtp_host_lookup, disable_dns_lookups), RFC 6891 (EDNS0).
 * Tests use {@code org.secumail.dns.TestDnsServer} (test sources), a loopback DNS server
 * with scripted answers and failures.
 */
package org.secumail.dns;
