// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/** A resolver over a map of TXT records and forced statuses; every query is recorded. */
class FakeDns implements Resolver {
    private final Map<String, List<String>> txt = new HashMap<>();
    private final Map<String, DnsStatus> status = new HashMap<>();
    final List<String> queries = new ArrayList<>();

    FakeDns txt(String name, String... records) {
        txt.computeIfAbsent(name, k -> new ArrayList<>()).addAll(List.of(records));
        return this;
    }

    FakeDns fail(String name, DnsStatus s) {
        status.put(name, s);
        return this;
    }

    @Override public synchronized DnsAnswer<String> txt(String name) {
        queries.add(name);
        if (status.containsKey(name)) return DnsAnswer.of(status.get(name));
        List<String> r = txt.get(name);
        return r == null ? DnsAnswer.of(DnsStatus.NXDOMAIN) : new DnsAnswer<>(DnsStatus.OK, r, 300);
    }

    @Override public DnsAnswer<InetAddress> a(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    @Override public DnsAnswer<InetAddress> aaaa(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    @Override public DnsAnswer<MxRecord> mx(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    @Override public DnsAnswer<String> ptr(InetAddress address) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
}
