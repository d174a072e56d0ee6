// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * A {@link Resolver} that sends each query itself (one {@link SimpleResolver} per server)
 * and reads the response code, so NXDOMAIN, NODATA, SERVFAIL and TIMEOUT stay distinct
 * (dnsjava's {@code Lookup} folds several of them into one result code).
 *
 * <p>Servers are tried in the order given. A server that does not answer in time, answers
 * with an error rcode (SERVFAIL, REFUSED, NOTIMP, FORMERR...) or cannot be reached is
 * skipped for the next one, as the system resolver does; the outcome of the last server
 * tried is returned. The timeout is per server, so the worst case for one query is
 * (number of servers) x timeout. Truncated UDP answers are retried over TCP by dnsjava.
 *
 * <p>Instances are immutable after construction and safe for concurrent use; each query
 * blocks its (virtual) thread on a future, which parks without pinning a carrier.
 */
public final class DnsjavaResolver implements Resolver {
    private static final Logger log = LoggerFactory.getLogger("secumail.dns");

    /** Negative-answer TTL when the response carries no SOA (RFC 2308 section 5 gives none). */
    static final long DEFAULT_NEGATIVE_TTL = 60;
    /** Longest CNAME chain followed inside one response; longer chains are treated as loops. */
    private static final int MAX_CNAME_CHAIN = 16;

    private final List<SimpleResolver> servers;
    private final Duration timeout;

    /**
     * @param servers IP literals with optional port: "192.0.2.1", "192.0.2.1:5353",
     *                "2001:db8::1", "[2001:db8::1]", "[::1]:53"; host names are not accepted
     *                (resolving the resolver's address would need DNS)
     * @param timeout time to wait for each server's answer
     * @throws IllegalArgumentException for an empty list, a malformed entry or a non-positive timeout
     */
    public DnsjavaResolver(List<String> servers, Duration timeout) {
        this(timeout, parseServers(servers));
    }

    /** Parameters in this order only to differ in erasure from the public constructor. */
    private DnsjavaResolver(Duration timeout, List<InetSocketAddress> addresses) {
        Objects.requireNonNull(timeout, "timeout");
        if (addresses.isEmpty()) throw new IllegalArgumentException("no DNS servers");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        this.timeout = timeout;
        List<SimpleResolver> list = new ArrayList<>();
        for (InetSocketAddress a : addresses) {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(timeout);
            // Truncated UDP answers are repeated over TCP (RFC 1035 section 4.2.1; RFC 7766).
            r.setIgnoreTruncation(false);
            list.add(r);
        }
        this.servers = List.copyOf(list);
    }

    /**
     * The resolver for the {@code dns_servers} parameter: the given servers, or the
     * nameservers of /etc/resolv.conf (as dnsjava's {@link ResolverConfig} reads them) when
     * the list is empty.
     */
    public static DnsjavaResolver fromConfig(List<String> dnsServers, Duration timeout) {
        if (!dnsServers.isEmpty()) return new DnsjavaResolver(dnsServers, timeout);
        List<InetSocketAddress> system = ResolverConfig.getCurrentConfig().servers();
        log.debug("dns_servers is empty; using system resolvers {}", system);
        return new DnsjavaResolver(timeout, system);
    }

    /** Reads {@code dns_servers} and {@code secumail_dns_timeout} from main.cf. */
    public static DnsjavaResolver fromConfig(MainConfig config) {
        return fromConfig(config.list("dns_servers"), config.duration("secumail_dns_timeout"));
    }

    /** The servers queried, in order. */
    public List<InetSocketAddress> servers() {
        return servers.stream().map(SimpleResolver::getAddress).toList();
    }

    public Duration timeout() { return timeout; }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return query(name, Type.A, DnsjavaResolver::addressOf);
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return query(name, Type.AAAA, DnsjavaResolver::addressOf);
    }

    @Override
    public DnsAnswer<MxRecord> mx(String name) {
        return query(name, Type.MX, r -> {
            MXRecord mx = (MXRecord) r;
            // RFC 7505: an exchange of "." (the root) is the null MX, "accepts no mail".
            String exchange = mx.getTarget().equals(Name.root) ? "" : presentation(mx.getTarget());
            return new MxRecord(mx.getPriority(), exchange);
        });
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return query(name, Type.TXT, DnsjavaResolver::txtOf);
    }

    @Override
    public DnsAnswer<String> ns(String name) {
        return query(name, Type.NS, r -> presentation(((NSRecord) r).getTarget()));
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return query(ReverseMap.fromAddress(address), Type.PTR,
                r -> presentation(((PTRRecord) r).getTarget()));
    }

    private <T> DnsAnswer<T> query(String name, int type, Function<Record, T> decode) {
        Name qname;
        try {
            qname = absoluteName(name);
        } catch (TextParseException e) {
            // A name that cannot be written on the wire cannot exist: a permanent "not found".
            log.debug("malformed domain name \"{}\": {}", name, e.getMessage());
            return DnsAnswer.of(DnsStatus.NXDOMAIN);
        }
        return query(qname, type, decode);
    }

    /** Names are absolute: a trailing dot is optional and no search list is applied. */
    static Name absoluteName(String name) throws TextParseException {
        return Name.fromString(name.endsWith(".") ? name : name + ".");
    }

    private <T> DnsAnswer<T> query(Name qname, int type, Function<Record, T> decode) {
        long start = System.nanoTime();
        DnsAnswer<T> a = queryServers(qname, type, decode);
        String t = Type.string(type);
        org.secumail.metrics.Metrics.time("secumail.dns.lookup", java.time.Duration.ofNanos(System.nanoTime() - start), "type", t);
        if (a.status().temporary()) {
            org.secumail.metrics.Metrics.count("secumail.dns.failures", "type", t, "status", a.status().name().toLowerCase(java.util.Locale.ROOT));
        }
        return a;
    }

    private <T> DnsAnswer<T> queryServers(Name qname, int type, Function<Record, T> decode) {
        DnsAnswer<T> last = DnsAnswer.of(DnsStatus.TIMEOUT);
        for (SimpleResolver server : servers) {
            // A fresh message per attempt: each gets its own random ID, and dnsjava may add OPT.
            Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
            Message response;
            try {
                response = server.send(query);
            } catch (SocketTimeoutException e) {
                log.debug("{}/{}: no answer from {} within {}", qname, Type.string(type), server.getAddress(), timeout);
                last = DnsAnswer.of(DnsStatus.TIMEOUT);
                continue;
            } catch (WireParseException e) {
                log.warn("{}/{}: malformed response from {}: {}", qname, Type.string(type), server.getAddress(), e.getMessage());
                last = DnsAnswer.of(DnsStatus.SERVFAIL);
                continue;
            } catch (IOException e) {
                // Unreachable server, refused TCP connection, timeout surfaced as a wrapped cause:
                // in every case no answer was obtained from this server.
                log.debug("{}/{}: query to {} failed: {}", qname, Type.string(type), server.getAddress(), e.toString());
                last = DnsAnswer.of(DnsStatus.TIMEOUT);
                continue;
            }
            last = interpret(qname, type, response, decode);
            if (!last.status().temporary()) return last;
            log.debug("{}/{}: {} from {}", qname, Type.string(type), Rcode.string(response.getRcode()), server.getAddress());
        }
        return last;
    }

    /** Turns one response into an answer; package-private so tests can feed crafted messages. */
    static <T> DnsAnswer<T> interpret(Name qname, int type, Message response, Function<Record, T> decode) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) return new DnsAnswer<>(DnsStatus.NXDOMAIN, List.of(), negativeTtl(response));
        // SERVFAIL, REFUSED, NOTIMP, FORMERR and anything else: the server could not answer.
        if (rcode != Rcode.NOERROR) return DnsAnswer.of(DnsStatus.SERVFAIL);

        List<Record> answer = response.getSection(Section.ANSWER);
        Name current = qname;
        long ttl = Long.MAX_VALUE;
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
            List<T> records = new ArrayList<>();
            long rrsetTtl = Long.MAX_VALUE;
            Name alias = null;
            for (Record r : answer) {
                if (!r.getName().equals(current) || r.getDClass() != DClass.IN) continue;
                if (r.getType() == type) {
                    records.add(decode.apply(r));
                    rrsetTtl = Math.min(rrsetTtl, r.getTTL());
                } else if (r.getType() == Type.CNAME) {
                    alias = ((CNAMERecord) r).getTarget();
                    ttl = Math.min(ttl, r.getTTL());
                }
            }
            if (!records.isEmpty()) return new DnsAnswer<>(DnsStatus.OK, records, Math.min(ttl, rrsetTtl));
            if (alias == null) break;
            current = alias;
        }
        // NOERROR without records of the type at the end of the chain: NODATA (RFC 2308 section 2.2).
        return new DnsAnswer<>(DnsStatus.NODATA, List.of(), negativeTtl(response));
    }

    /** RFC 2308 section 5: the negative TTL is the smaller of the SOA's own TTL and its MINIMUM field. */
    static long negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) return Math.min(soa.getTTL(), soa.getMinimum());
        }
        return DEFAULT_NEGATIVE_TTL;
    }

    private static InetAddress addressOf(Record r) {
        byte[] bytes = r.rdataToWireCanonical();
        try {
            // Built from bytes, without the owner name as "host name", and kept as IPv6 for
            // AAAA even when IPv4-mapped (InetAddress.getByAddress would turn it into IPv4).
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad address length " + bytes.length, e);
        }
    }

    /**
     * RFC 7208 section 3.3: a TXT record's character-strings are concatenated without
     * separator. The raw bytes are decoded as UTF-8 (dnsjava's getStrings() would return
     * master-file escapes such as \" and \092 instead of the bytes themselves).
     */
    private static String txtOf(Record r) {
        StringBuilder sb = new StringBuilder();
        for (byte[] s : ((TXTRecord) r).getStringsAsByteArrays()) {
            sb.append(new String(s, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** Lower case, without the trailing dot. */
    static String presentation(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    static List<InetSocketAddress> parseServers(List<String> servers) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : servers) out.add(parseServer(s.strip()));
        return out;
    }

    /** "host", "host:port", "v6", "[v6]" or "[v6]:port", host being an IP literal. */
    static InetSocketAddress parseServer(String spec) {
        String host = spec;
        int port = SimpleResolver.DEFAULT_PORT;
        if (spec.startsWith("[")) {
            int close = spec.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("bad DNS server \"" + spec + "\": missing ]");
            host = spec.substring(1, close);
            String rest = spec.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new IllegalArgumentException("bad DNS server \"" + spec + "\"");
                port = parsePort(spec, rest.substring(1));
            }
        } else if (spec.indexOf(':') >= 0 && spec.indexOf(':') == spec.lastIndexOf(':')) {
            host = spec.substring(0, spec.indexOf(':'));
            port = parsePort(spec, spec.substring(spec.indexOf(':') + 1));
        }
        InetAddress address;
        try {
            address = Address.getByAddress(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad DNS server \"" + spec + "\": not an IP address", e);
        }
        return new InetSocketAddress(address, port);
    }

    private static int parsePort(String spec, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("bad DNS server \"" + spec + "\": bad port \"" + port + "\"");
    }

    @Override
    public String toString() {
        return "DnsjavaResolver" + servers() + " timeout " + timeout;
    }
}
