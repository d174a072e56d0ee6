// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.util.List;

/**
 * One DNS answer: its status and, for {@link DnsStatus#OK}, the records in presentation
 * form already decoded for the type (an address for A/AAAA, "pref host." for MX with the
 * host absolute, the concatenated text of each TXT record, the target of PTR/CNAME).
 *
 * @param status  outcome of the query
 * @param records decoded records, empty unless status is OK
 * @param ttl     seconds the answer may be cached (negative answers: the SOA minimum)
 */
public record DnsAnswer<T>(DnsStatus status, List<T> records, long ttl) {
    public DnsAnswer {
        records = List.copyOf(records);
    }

    public static <T> DnsAnswer<T> of(DnsStatus status) { return new DnsAnswer<>(status, List.of(), 0); }

    public boolean ok() { return status == DnsStatus.OK && !records.isEmpty(); }
}
