// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/**
 * A Resolver over one OpenSPF scenario's {@code zonedata}, so the suites run without sockets.
 * It follows the suites' driver conventions (pyspf's testspf.py): an SPF record is also served
 * as TXT unless the name has a TXT entry of its own ("TXT: NONE" means "no TXT records"), those
 * generated TXT records come after everything else, and a bare "TIMEOUT" entry makes a query
 * time out unless a record of the asked type came before it. CNAMEs are followed.
 */
final class ZoneResolver implements Resolver {
    private record Entry(String type, Object value) { }

    private final Map<String, List<Entry>> zone = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    ZoneResolver(Map<String, Object> zonedata) {
        if (zonedata == null) return;
        for (Map.Entry<String, Object> e : zonedata.entrySet()) {
            List<Entry> entries = new ArrayList<>();
            List<Entry> generated = new ArrayList<>();
            boolean hasTxt = false;
            for (Object item : (List<Object>) e.getValue()) {
                if (item instanceof String s) {
                    entries.add(new Entry(s, null)); // TIMEOUT
                    continue;
                }
                for (Map.Entry<String, Object> rr : ((Map<String, Object>) item).entrySet()) {
                    String type = rr.getKey().toUpperCase(Locale.ROOT);
                    Object value = rr.getValue();
                    if (type.equals("TXT")) hasTxt = true;
                    if (type.equals("SPF")) generated.add(new Entry("TXT", value));
                    if (!"NONE".equals(value)) entries.add(new Entry(type, value));
                }
            }
            if (!hasTxt) entries.addAll(generated);
            zone.put(normalize(e.getKey()), entries);
        }
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private <T> DnsAnswer<T> query(String name, String type, Function<Object, T> decode, int depth) {
        List<Entry> entries = zone.get(normalize(name));
        if (entries == null) return DnsAnswer.of(DnsStatus.NXDOMAIN);
        List<T> records = new ArrayList<>();
        for (Entry e : entries) {
            if (e.type().equals("TIMEOUT")) {
                if (records.isEmpty()) return DnsAnswer.of(DnsStatus.TIMEOUT);
                break;
            }
            if (e.type().equals("CNAME")) {
                if (depth > 8) return DnsAnswer.of(DnsStatus.SERVFAIL); // a CNAME loop
                return query((String) e.value(), type, decode, depth + 1);
            }
            if (e.type().equals(type)) {
                T decoded = decode.apply(e.value());
                if (decoded != null) records.add(decoded);
            }
        }
        return records.isEmpty() ? DnsAnswer.of(DnsStatus.NODATA) : new DnsAnswer<>(DnsStatus.OK, records, 60);
    }

    private static InetAddress address(Object value) {
        try {
            String s = String.valueOf(value);
            return s.matches("[0-9A-Fa-f:.]+") ? InetAddress.getByName(s) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return query(name, "A", v -> address(v) instanceof java.net.Inet4Address a ? a : null, 0);
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return query(name, "AAAA", v -> address(v) instanceof java.net.Inet6Address a ? a : null, 0);
    }

    @Override
    @SuppressWarnings("unchecked")
    public DnsAnswer<MxRecord> mx(String name) {
        return query(name, "MX", v -> {
            List<Object> mx = (List<Object>) v;
            return new MxRecord(Integer.parseInt(String.valueOf(mx.get(0))), normalize(String.valueOf(mx.get(1))));
        }, 0);
    }

    @Override
    @SuppressWarnings("unchecked")
    public DnsAnswer<String> txt(String name) {
        // A list value is one record of several character-strings, concatenated (RFC 7208 3.3).
        return query(name, "TXT", v -> v instanceof List<?> l ? String.join("", (List<String>) l) : String.valueOf(v), 0);
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return query(reverseName(address), "PTR", v -> normalize(String.valueOf(v)), 0);
    }

    static String reverseName(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder();
        for (int i = b.length - 1; i >= 0; i--) {
            if (b.length == 4) {
                sb.append(b[i] & 0xff).append('.');
            } else {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
            }
        }
        return sb.append(b.length == 4 ? "in-addr.arpa" : "ip6.arpa").toString();
    }
}
