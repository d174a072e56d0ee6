// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.secumail.config.MainConfig;

class DnsjavaResolverTest {
    private static final String ZONE = """
            ; the example.test zone: negative TTL is min(SOA TTL 300, MINIMUM 120) = 120
            example.test 300 SOA ns.example.test hostmaster.example.test 1 3600 600 86400 120
            example.test 300 NS ns.example.test
            example.test 300 MX 10 Mail.Example.Test.
            example.test 300 MX 20 backup.example.test
            example.test 200 TXT "v=spf1 " "ip4:192.0.2.0/24" " -all"
            example.test TXT "quote\\" and backslash\\\\ kept"
            mail.example.test 300 A 192.0.2.25
            mail.example.test 100 A 192.0.2.26
            mail.example.test 300 AAAA 2001:db8::25
            www.example.test 50 CNAME mail.example.test
            chain.example.test 400 CNAME www.example.test
            dangling.example.test CNAME nowhere.example.test
            nomail.example.test MX 0 .
            deep.sub.example.test A 192.0.2.1
            25.2.0.192.in-addr.arpa. 600 PTR Mail.Example.Test.
            5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mail6.example.test.
            broken.example.test SERVFAIL
            closed.example.test REFUSED
            slow.example.test TIMEOUT
            # no SOA above this one: negative answers get the default TTL
            host.other.test A 192.0.2.99
            """;

    private static TestDnsServer server;
    private static DnsjavaResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        StringBuilder zone = new StringBuilder(ZONE);
        // 40 TXT records of 60 bytes: over the 1232-byte EDNS limit, so the answer comes by TCP.
        for (int i = 0; i < 40; i++) zone.append("big.example.test TXT \"").append(String.format("%02d", i)).append("x".repeat(58)).append("\"\n");
        server = TestDnsServer.start(zone.toString());
        resolver = new DnsjavaResolver(List.of(server.serverSpec()), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static InetAddress ip(String literal) throws Exception { return InetAddress.getByName(literal); }

    @Test
    void aRecordsWithTheSmallestTtlOfTheRrset() throws Exception {
        DnsAnswer<InetAddress> a = resolver.a("mail.example.test");
        assertThat(a.status()).isEqualTo(DnsStatus.OK);
        assertThat(a.records()).containsExactlyInAnyOrder(ip("192.0.2.25"), ip("192.0.2.26"));
        assertThat(a.ttl()).isEqualTo(100);
    }

    @Test
    void namesAreCaseInsensitiveAndTheTrailingDotIsOptional() throws Exception {
        assertThat(resolver.a("MAIL.Example.TEST.").records()).contains(ip("192.0.2.25"));
    }

    @Test
    void aaaaGivesIpv6Addresses() throws Exception {
        DnsAnswer<InetAddress> a = resolver.aaaa("mail.example.test");
        assertThat(a.status()).isEqualTo(DnsStatus.OK);
        assertThat(a.records()).containsExactly(ip("2001:db8::25"));
        assertThat(a.records().get(0)).isInstanceOf(Inet6Address.class);
    }

    @Test
    void mxLowerCaseWithoutTrailingDot() {
        DnsAnswer<MxRecord> mx = resolver.mx("example.test");
        assertThat(mx.status()).isEqualTo(DnsStatus.OK);
        assertThat(mx.records()).containsExactlyInAnyOrder(
                new MxRecord(10, "mail.example.test"), new MxRecord(20, "backup.example.test"));
        assertThat(mx.ttl()).isEqualTo(300);
    }

    @Test
    void nullMxHasAnEmptyExchange() {
        DnsAnswer<MxRecord> mx = resolver.mx("nomail.example.test");
        assertThat(mx.status()).isEqualTo(DnsStatus.OK);
        assertThat(mx.records()).containsExactly(new MxRecord(0, ""));
    }

    @Test
    void txtStringsOfOneRecordAreConcatenatedAndBytesKeptAsIs() {
        DnsAnswer<String> txt = resolver.txt("example.test");
        assertThat(txt.status()).isEqualTo(DnsStatus.OK);
        assertThat(txt.records()).containsExactlyInAnyOrder(
                "v=spf1 ip4:192.0.2.0/24 -all", "quote\" and backslash\\ kept");
        assertThat(txt.ttl()).isEqualTo(200);
    }

    @Test
    void cnameChainIsFollowedAndItsTtlCounts() throws Exception {
        DnsAnswer<InetAddress> a = resolver.a("chain.example.test");
        assertThat(a.status()).isEqualTo(DnsStatus.OK);
        assertThat(a.records()).containsExactlyInAnyOrder(ip("192.0.2.25"), ip("192.0.2.26"));
        assertThat(a.ttl()).isEqualTo(50);
    }

    @Test
    void cnameToANameWithoutTheTypeIsNodata() {
        DnsAnswer<String> txt = resolver.txt("www.example.test");
        assertThat(txt.status()).isEqualTo(DnsStatus.NODATA);
        assertThat(txt.records()).isEmpty();
    }

    @Test
    void cnameToAMissingNameIsNxdomain() {
        assertThat(resolver.a("dangling.example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
    }

    @Test
    void nxdomainWithTheSoaMinimumAsTtl() {
        DnsAnswer<InetAddress> a = resolver.a("nope.example.test");
        assertThat(a.status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(a.ok()).isFalse();
        assertThat(a.ttl()).isEqualTo(120);
    }

    @Test
    void nodataForAnExistingNameWithoutTheType() {
        DnsAnswer<InetAddress> a = resolver.aaaa("example.test");
        assertThat(a.status()).isEqualTo(DnsStatus.NODATA);
        assertThat(a.ttl()).isEqualTo(120);
    }

    @Test
    void emptyNonTerminalIsNodataNotNxdomain() {
        assertThat(resolver.a("sub.example.test").status()).isEqualTo(DnsStatus.NODATA);
    }

    @Test
    void negativeAnswerWithoutSoaGetsTheDefaultTtl() {
        DnsAnswer<InetAddress> a = resolver.a("nope.other.test");
        assertThat(a.status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(a.ttl()).isEqualTo(DnsjavaResolver.DEFAULT_NEGATIVE_TTL);
    }

    @Test
    void servfailAndRefusedAreBothServfail() {
        DnsAnswer<MxRecord> broken = resolver.mx("broken.example.test");
        assertThat(broken.status()).isEqualTo(DnsStatus.SERVFAIL);
        assertThat(broken.status().temporary()).isTrue();
        assertThat(resolver.a("closed.example.test").status()).isEqualTo(DnsStatus.SERVFAIL);
    }

    @Test
    void noAnswerInTimeIsTimeout() {
        DnsjavaResolver quick = new DnsjavaResolver(List.of(server.serverSpec()), Duration.ofMillis(300));
        long start = System.nanoTime();
        DnsAnswer<InetAddress> a = quick.a("slow.example.test");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(a.status()).isEqualTo(DnsStatus.TIMEOUT);
        assertThat(elapsedMillis).isBetween(250L, 3000L);
    }

    @Test
    void ptrOfIpv4AndIpv6Addresses() throws Exception {
        DnsAnswer<String> v4 = resolver.ptr(ip("192.0.2.25"));
        assertThat(v4.status()).isEqualTo(DnsStatus.OK);
        assertThat(v4.records()).containsExactly("mail.example.test");
        assertThat(v4.ttl()).isEqualTo(600);
        assertThat(resolver.ptr(ip("2001:db8::25")).records()).containsExactly("mail6.example.test");
        assertThat(resolver.ptr(ip("192.0.2.77")).status()).isEqualTo(DnsStatus.NXDOMAIN);
    }

    @Test
    void truncatedUdpAnswerIsRetriedOverTcp() {
        int before = server.queryCount("big.example.test");
        DnsAnswer<String> txt = resolver.txt("big.example.test");
        assertThat(txt.status()).isEqualTo(DnsStatus.OK);
        assertThat(txt.records()).hasSize(40).allMatch(s -> s.length() == 60);
        // One UDP query answered with TC, then the same query over TCP.
        assertThat(server.queryCount("big.example.test") - before).isEqualTo(2);
    }

    @Test
    void namesAreAbsoluteWithoutSearchList() {
        int before = server.queryCount("mail.");
        assertThat(resolver.a("mail").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(server.queryCount("mail.") - before).isEqualTo(1);
    }

    @Test
    void malformedNameIsNxdomainWithoutAQuery() {
        int before = server.queryCount();
        assertThat(resolver.a("a".repeat(64) + ".example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(resolver.a("a..b").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(server.queryCount()).isEqualTo(before);
    }

    @Test
    void addressesCombinesAAndAaaa() throws Exception {
        DnsAnswer<InetAddress> all = resolver.addresses("mail.example.test");
        assertThat(all.records()).containsExactlyInAnyOrder(ip("192.0.2.25"), ip("192.0.2.26"), ip("2001:db8::25"));
        assertThat(resolver.addresses("nope.example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
    }

    @Test
    void nextServerIsTriedAfterServfailOrTimeout() throws Exception {
        try (TestDnsServer failing = TestDnsServer.start("a.test SERVFAIL\nb.test TIMEOUT\n");
             TestDnsServer good = TestDnsServer.start("a.test A 192.0.2.1\nb.test A 192.0.2.2\n")) {
            DnsjavaResolver r = new DnsjavaResolver(List.of(failing.serverSpec(), good.serverSpec()), Duration.ofMillis(300));
            assertThat(r.a("a.test").records()).containsExactly(ip("192.0.2.1"));
            assertThat(r.a("b.test").records()).containsExactly(ip("192.0.2.2"));
            assertThat(failing.queryCount()).isEqualTo(2);
        }
    }

    @Test
    void nxdomainFromTheFirstServerIsFinal() throws Exception {
        try (TestDnsServer first = TestDnsServer.start("other.test A 192.0.2.1\n");
             TestDnsServer second = TestDnsServer.start("a.test A 192.0.2.1\n")) {
            DnsjavaResolver r = new DnsjavaResolver(List.of(first.serverSpec(), second.serverSpec()), Duration.ofSeconds(2));
            assertThat(r.a("a.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
            assertThat(second.queryCount()).isZero();
        }
    }

    @Test
    void manyVirtualThreadsAtOnce() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<DnsAnswer<MxRecord>>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) results.add(pool.submit(() -> resolver.mx("example.test")));
            for (Future<DnsAnswer<MxRecord>> f : results) assertThat(f.get().records()).hasSize(2);
        }
    }

    @Test
    void serverSpecifications() throws Exception {
        assertThat(DnsjavaResolver.parseServer("192.0.2.1")).isEqualTo(new InetSocketAddress(ip("192.0.2.1"), 53));
        assertThat(DnsjavaResolver.parseServer("192.0.2.1:5353")).isEqualTo(new InetSocketAddress(ip("192.0.2.1"), 5353));
        assertThat(DnsjavaResolver.parseServer("[::1]:53")).isEqualTo(new InetSocketAddress(ip("::1"), 53));
        assertThat(DnsjavaResolver.parseServer("[2001:db8::1]")).isEqualTo(new InetSocketAddress(ip("2001:db8::1"), 53));
        assertThat(DnsjavaResolver.parseServer("2001:db8::1")).isEqualTo(new InetSocketAddress(ip("2001:db8::1"), 53));
        assertThatThrownBy(() -> DnsjavaResolver.parseServer("dns.example.test")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsjavaResolver.parseServer("192.0.2.1:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsjavaResolver.parseServer("[::1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsjavaResolver(List.of(), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsjavaResolver(List.of("127.0.0.1"), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyServerListMeansTheSystemResolvers() {
        DnsjavaResolver system = DnsjavaResolver.fromConfig(List.of(), Duration.ofSeconds(5));
        assertThat(system.servers()).isNotEmpty();
        DnsjavaResolver explicit = DnsjavaResolver.fromConfig(List.of(server.serverSpec()), Duration.ofSeconds(3));
        assertThat(explicit.servers()).containsExactly(new InetSocketAddress("127.0.0.1", server.port()));
        assertThat(explicit.timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void parametersFromMainCf() throws Exception {
        MainConfig cfg = MainConfig.fromText("dns_servers = 127.0.0.1:5353, [::1]\nsecumail_dns_timeout = 2s\n",
                "main.cf", Path.of("/etc/secumail"));
        DnsjavaResolver r = DnsjavaResolver.fromConfig(cfg);
        assertThat(r.servers()).containsExactly(
                new InetSocketAddress(ip("127.0.0.1"), 5353), new InetSocketAddress(ip("::1"), 53));
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(2));
        MainConfig defaults = MainConfig.fromText("", "main.cf", Path.of("/etc/secumail"));
        assertThat(DnsjavaResolver.fromConfig(defaults).timeout()).isEqualTo(Duration.ofSeconds(5));
    }
}
