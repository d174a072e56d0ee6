// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachingResolverTest {
    /** A resolver whose answers the test sets, counting how often each name+type is asked. */
    private static final class ScriptedResolver implements Resolver {
        final Map<String, DnsAnswer<?>> answers = new HashMap<>();
        final Map<String, Integer> calls = new HashMap<>();

        void set(String type, String name, DnsAnswer<?> answer) { answers.put(type + " " + name, answer); }

        int calls(String type, String name) { return calls.getOrDefault(type + " " + name, 0); }

        @SuppressWarnings("unchecked")
        private <T> DnsAnswer<T> answer(String type, String name) {
            calls.merge(type + " " + name, 1, Integer::sum);
            DnsAnswer<?> a = answers.get(type + " " + name);
            return a == null ? DnsAnswer.of(DnsStatus.NXDOMAIN) : (DnsAnswer<T>) a;
        }

        @Override public DnsAnswer<InetAddress> a(String name) { return answer("A", name); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return answer("AAAA", name); }
        @Override public DnsAnswer<MxRecord> mx(String name) { return answer("MX", name); }
        @Override public DnsAnswer<String> txt(String name) { return answer("TXT", name); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return answer("PTR", address.getHostAddress()); }
    }

    private final ScriptedResolver backend = new ScriptedResolver();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final CachingResolver cache = new CachingResolver(backend, 3, Duration.ofHours(1), now::get);

    private static <T> DnsAnswer<T> ok(long ttl, List<T> records) { return new DnsAnswer<>(DnsStatus.OK, records, ttl); }

    private void advanceSeconds(long s) { now.addAndGet(s * 1000); }

    @Test
    void hitWithinTtlThenMissAfterExpiry() {
        backend.set("TXT", "example.test", ok(60, List.of("v=spf1 -all")));
        assertThat(cache.txt("example.test").records()).containsExactly("v=spf1 -all");
        advanceSeconds(20);
        DnsAnswer<String> hit = cache.txt("example.test");
        assertThat(hit.records()).containsExactly("v=spf1 -all");
        assertThat(hit.ttl()).as("remaining TTL").isEqualTo(40);
        assertThat(backend.calls("TXT", "example.test")).isEqualTo(1);

        advanceSeconds(40);
        cache.txt("example.test");
        assertThat(backend.calls("TXT", "example.test")).isEqualTo(2);
    }

    @Test
    void keyIsCaseInsensitiveAndIgnoresTheTrailingDotButSeparatesTypes() {
        backend.set("MX", "Example.Test", ok(300, List.of(new MxRecord(10, "mx.example.test"))));
        cache.mx("Example.Test");
        assertThat(cache.mx("example.test.").records()).containsExactly(new MxRecord(10, "mx.example.test"));
        assertThat(backend.calls("MX", "Example.Test")).isEqualTo(1);
        assertThat(backend.calls("MX", "example.test.")).isZero();

        cache.txt("example.test");
        assertThat(backend.calls("TXT", "example.test")).isEqualTo(1);
    }

    @Test
    void ttlIsCappedByTheMaximum() {
        backend.set("A", "long.test", ok(7 * 86400, List.of(InetAddress.getLoopbackAddress())));
        assertThat(cache.a("long.test").ttl()).isEqualTo(3600);
        advanceSeconds(3600);
        cache.a("long.test");
        assertThat(backend.calls("A", "long.test")).isEqualTo(2);
    }

    @Test
    void negativeAnswersAreCachedForTheirTtl() {
        backend.set("A", "nx.test", new DnsAnswer<>(DnsStatus.NXDOMAIN, List.of(), 30));
        backend.set("AAAA", "nodata.test", new DnsAnswer<>(DnsStatus.NODATA, List.of(), 30));
        assertThat(cache.a("nx.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(cache.aaaa("nodata.test").status()).isEqualTo(DnsStatus.NODATA);
        advanceSeconds(29);
        assertThat(cache.a("nx.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(cache.aaaa("nodata.test").status()).isEqualTo(DnsStatus.NODATA);
        assertThat(backend.calls("A", "nx.test")).isEqualTo(1);
        assertThat(backend.calls("AAAA", "nodata.test")).isEqualTo(1);
        advanceSeconds(1);
        cache.a("nx.test");
        assertThat(backend.calls("A", "nx.test")).isEqualTo(2);
    }

    @Test
    void temporaryFailuresAreNeverCached() {
        backend.set("MX", "broken.test", new DnsAnswer<>(DnsStatus.SERVFAIL, List.of(), 300));
        backend.set("MX", "slow.test", new DnsAnswer<>(DnsStatus.TIMEOUT, List.of(), 300));
        for (int i = 0; i < 3; i++) {
            assertThat(cache.mx("broken.test").status()).isEqualTo(DnsStatus.SERVFAIL);
            assertThat(cache.mx("slow.test").status()).isEqualTo(DnsStatus.TIMEOUT);
        }
        assertThat(backend.calls("MX", "broken.test")).isEqualTo(3);
        assertThat(backend.calls("MX", "slow.test")).isEqualTo(3);
        assertThat(cache.size()).isZero();
    }

    @Test
    void aZeroTtlIsNotCached() {
        backend.set("TXT", "zero.test", ok(0, List.of("x")));
        cache.txt("zero.test");
        cache.txt("zero.test");
        assertThat(backend.calls("TXT", "zero.test")).isEqualTo(2);
    }

    @Test
    void leastRecentlyUsedEntryIsEvictedBeyondTheBound() {
        for (String n : List.of("a.test", "b.test", "c.test")) backend.set("A", n, ok(600, List.of(InetAddress.getLoopbackAddress())));
        backend.set("A", "d.test", ok(600, List.of(InetAddress.getLoopbackAddress())));
        cache.a("a.test");
        cache.a("b.test");
        cache.a("c.test");
        cache.a("a.test"); // a is now the most recently used; b the least
        cache.a("d.test");
        assertThat(cache.size()).isEqualTo(3);
        cache.a("a.test");
        cache.a("c.test");
        cache.a("d.test");
        assertThat(backend.calls("A", "a.test")).isEqualTo(1);
        assertThat(backend.calls("A", "c.test")).isEqualTo(1);
        assertThat(backend.calls("A", "d.test")).isEqualTo(1);
        cache.a("b.test");
        assertThat(backend.calls("A", "b.test")).isEqualTo(2);
    }

    @Test
    void ptrIsCachedPerAddress() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        backend.set("PTR", v6.getHostAddress(), ok(300, List.of("host.example.test")));
        cache.ptr(v6);
        assertThat(cache.ptr(InetAddress.getByName("2001:db8:0::1")).records()).containsExactly("host.example.test");
        assertThat(backend.calls("PTR", v6.getHostAddress())).isEqualTo(1);
    }

    @Test
    void overTheTestServerOnlyTheFirstQueryGoesOut() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start("""
                example.test 300 SOA ns.example.test hostmaster.example.test 1 3600 600 86400 60
                example.test 300 MX 10 mx.example.test
                broken.example.test SERVFAIL
                """)) {
            Resolver r = new CachingResolver(new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofSeconds(2)),
                    100, Duration.ofDays(1), now::get);
            for (int i = 0; i < 3; i++) {
                assertThat(r.mx("example.test").records()).containsExactly(new MxRecord(10, "mx.example.test"));
                assertThat(r.mx("nx.example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
                assertThat(r.mx("broken.example.test").status()).isEqualTo(DnsStatus.SERVFAIL);
            }
            assertThat(dns.queryCount("example.test")).isEqualTo(1);
            assertThat(dns.queryCount("nx.example.test")).isEqualTo(1);
            assertThat(dns.queryCount("broken.example.test")).isEqualTo(3);
            advanceSeconds(60);
            r.mx("nx.example.test");
            assertThat(dns.queryCount("nx.example.test")).isEqualTo(2);
        }
    }
}
