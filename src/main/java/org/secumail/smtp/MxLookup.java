// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;
import org.secumail.queue.DeliveryResult;

/**
 * The server addresses for a destination, in the order to try them (RFC 5321 section 5.1):
 * MX records by preference, equal preferences shuffled, each exchange's A and AAAA records;
 * no MX records: the domain's own addresses (the implicit MX); a null MX ("0 .", RFC 7505):
 * bounce at once with 5.1.10; an MX list whose best host is ourselves ($myhostname):
 * the hosts at that preference and worse are dropped, and when none is left the mail
 * "loops back to myself" (5.4.6). NXDOMAIN is permanent, SERVFAIL and timeouts temporary.
 */
public final class MxLookup {
    /** One address to connect to and the host name it belongs to (for logs: host[addr]). */
    public record Candidate(String hostname, InetAddress address) {
        @Override
        public String toString() { return hostname + "[" + org.secumail.table.IpAddresses.format(address) + "]"; }
    }

    /** Either candidates to try, or a result for every recipient (no server to try). */
    public record Outcome(List<Candidate> candidates, DeliveryResult failure) { }

    private final Resolver dns;
    private final Set<String> myNames;
    private final boolean ipv4;
    private final boolean ipv6;
    private final int addressLimit;
    private final Random random;

    /**
     * @param myNames      names of this host (myhostname) for loop detection, lower case
     * @param addressLimit smtp_mx_address_limit (0 = no limit)
     */
    public MxLookup(Resolver dns, Set<String> myNames, boolean ipv4, boolean ipv6, int addressLimit, Random random) {
        this.dns = dns;
        this.myNames = Set.copyOf(myNames);
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.addressLimit = addressLimit;
        this.random = random;
    }

    public Outcome lookup(Destination d) {
        if (d.isAddressLiteral()) {
            try {
                return ok(List.of(new Candidate(d.host(), InetAddress.getByName(d.host()))));
            } catch (java.net.UnknownHostException e) {
                return fail(DeliveryResult.bounced("5.1.2", "none", "bad address literal \"" + d.host() + "\""));
            }
        }
        if (!d.mxLookup()) return hostAddresses(List.of(d.host()), d.host());
        DnsAnswer<MxRecord> mx = dns.mx(d.host());
        if (mx.status().temporary()) {
            return fail(DeliveryResult.deferred("4.4.3", "none", "Host or domain name not found. Name service error for name="
                    + d.host() + " type=MX: Host not found, try again"));
        }
        if (mx.status() == DnsStatus.NXDOMAIN) {
            return fail(DeliveryResult.bounced("5.4.4", "none", "Host or domain name not found. Name service error for name="
                    + d.host() + " type=MX: Host not found"));
        }
        if (!mx.ok()) return hostAddresses(List.of(d.host()), d.host());   // no MX: the implicit MX (section 5.1)
        List<MxRecord> records = new ArrayList<>(mx.records());
        if (records.stream().anyMatch(r -> r.exchange().isEmpty() || r.exchange().equals("."))) {
            // RFC 7505 section 3: a null MX says the domain accepts no mail; do not try A/AAAA
            return fail(DeliveryResult.bounced("5.1.10", "none", "Domain " + d.host() + " does not accept mail (nullMX)"));
        }
        Collections.shuffle(records, random);
        records.sort(java.util.Comparator.comparingInt(MxRecord::preference));   // stable: equal ones stay shuffled
        int own = Integer.MAX_VALUE;
        for (MxRecord r : records) {
            if (myNames.contains(r.exchange())) own = Math.min(own, r.preference());
        }
        if (own != Integer.MAX_VALUE) {
            // RFC 5321 section 5.1: we are an MX of the domain; only better MX hosts may take it
            final int limit = own;
            records.removeIf(r -> r.preference() >= limit);
            if (records.isEmpty()) {
                return fail(DeliveryResult.bounced("5.4.6", "none", "mail for " + d.host() + " loops back to myself"));
            }
        }
        return hostAddresses(records.stream().map(MxRecord::exchange).toList(), d.host());
    }

    private Outcome hostAddresses(List<String> hosts, String domain) {
        List<Candidate> out = new ArrayList<>();
        boolean temporary = false;
        String lastHost = hosts.get(0);
        for (String h : hosts) {
            DnsAnswer<InetAddress> v4 = ipv4 ? dns.a(h) : DnsAnswer.of(DnsStatus.NODATA);
            DnsAnswer<InetAddress> v6 = ipv6 ? dns.aaaa(h) : DnsAnswer.of(DnsStatus.NODATA);
            temporary |= v4.status().temporary() || v6.status().temporary();
            for (InetAddress a : v4.records()) out.add(new Candidate(h, a));
            for (InetAddress a : v6.records()) out.add(new Candidate(h, a));
            lastHost = h;
            if (addressLimit > 0 && out.size() >= addressLimit) break;
        }
        if (addressLimit > 0 && out.size() > addressLimit) out = new ArrayList<>(out.subList(0, addressLimit));
        if (!out.isEmpty()) return ok(out);
        if (temporary) {
            return fail(DeliveryResult.deferred("4.4.3", "none", "Host or domain name not found. Name service error for name="
                    + lastHost + " type=A: Host not found, try again"));
        }
        String what = hosts.size() == 1 && hosts.get(0).equals(domain) ? "Host or domain name not found. Name service error for name="
                + domain + " type=A: Host not found" : "no MX host for " + domain + " has a valid address record";
        return fail(DeliveryResult.bounced("5.4.4", "none", what));
    }

    private static Outcome ok(List<Candidate> c) { return new Outcome(List.copyOf(c), null); }

    private static Outcome fail(DeliveryResult r) { return new Outcome(List.of(), r); }
}
