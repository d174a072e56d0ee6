// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.net.InetAddress;

/**
 * The one DNS interface the rest of SecuMail uses. Names are given without a trailing dot
 * and are treated as absolute (no search list). Implementations never throw for DNS
 * failures: every outcome is a {@link DnsAnswer} whose status says what happened.
 * Implementations are safe for concurrent use from many virtual threads.
 */
public interface Resolver {
    DnsAnswer<InetAddress> a(String name);

    DnsAnswer<InetAddress> aaaa(String name);

    DnsAnswer<MxRecord> mx(String name);

    /** TXT records, each record's character-strings concatenated (RFC 7208 section 3.3). */
    DnsAnswer<String> txt(String name);

    /** PTR names (lower case, no trailing dot) for an address. */
    DnsAnswer<String> ptr(InetAddress address);

    /** NS host names (no trailing dot); resolvers that cannot ask say NODATA. */
    default DnsAnswer<String> ns(String name) { return DnsAnswer.of(DnsStatus.NODATA); }

    /**
     * A and AAAA together: OK if either has records; otherwise the "worst" of the two
     * statuses in the order TIMEOUT, SERVFAIL, NXDOMAIN, NODATA.
     */
    default DnsAnswer<InetAddress> addresses(String name) {
        DnsAnswer<InetAddress> v4 = a(name);
        DnsAnswer<InetAddress> v6 = aaaa(name);
        if (v4.ok() || v6.ok()) {
            java.util.List<InetAddress> all = new java.util.ArrayList<>(v4.records());
            all.addAll(v6.records());
            long ttl = v4.ok() && v6.ok() ? Math.min(v4.ttl(), v6.ttl()) : (v4.ok() ? v4.ttl() : v6.ttl());
            return new DnsAnswer<>(DnsStatus.OK, all, ttl);
        }
        for (DnsStatus s : new DnsStatus[] {DnsStatus.TIMEOUT, DnsStatus.SERVFAIL, DnsStatus.NXDOMAIN}) {
            if (v4.status() == s || v6.status() == s) return DnsAnswer.of(s);
        }
        return DnsAnswer.of(DnsStatus.NODATA);
    }
}
