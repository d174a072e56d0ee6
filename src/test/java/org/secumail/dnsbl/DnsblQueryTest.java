// SPDX-License-Identifier: Apache-2.0
package org.secumail.dnsbl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.secumail.config.ConfigException;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;

class DnsblQueryTest {
    @Test
    void queryNamesForIpv4Ipv6AndDomains() throws Exception {
        DnsblQuery q = new DnsblQuery("zen.example.test.");
        assertThat(q.nameFor(InetAddress.getByName("192.0.2.7"))).isEqualTo("7.2.0.192.zen.example.test");
        assertThat(q.nameFor(InetAddress.getByName("2001:db8::1")))
                .isEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example.test");
        assertThat(q.nameFor("Bad.Example.")).isEqualTo("bad.example.zen.example.test");
    }

    @Test
    void filtersRangesSetsAndErrorCodes() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(String.join("\n",
                "2.0.0.127.l.test A 127.0.0.2", "3.0.0.127.l.test A 127.0.0.4", "4.0.0.127.l.test A 127.0.0.12",
                "5.0.0.127.l.test A 127.255.255.252", "6.0.0.127.l.test SERVFAIL", ""))) {
            var r = new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofSeconds(1));
            DnsblQuery range = new DnsblQuery("l.test=127.0.0.[2..11]");
            DnsblQuery set = new DnsblQuery("l.test=127.0.0.[4;12]");
            DnsblQuery any = new DnsblQuery("l.test");
            assertThat(range.lookup(r, "2.0.0.127.l.test").listed()).isTrue();
            assertThat(range.lookup(r, "4.0.0.127.l.test").listed()).isFalse();
            assertThat(set.lookup(r, "3.0.0.127.l.test").listed()).isTrue();
            assertThat(set.lookup(r, "2.0.0.127.l.test").listed()).isFalse();
            var refused = any.lookup(r, "5.0.0.127.l.test");
            assertThat(refused.listed()).isFalse();
            assertThat(refused.warning()).contains("127.255.255.252").contains("not a listing");
            var failed = any.lookup(r, "6.0.0.127.l.test");
            assertThat(failed.listed()).isFalse();
            assertThat(failed.tempfail()).isTrue();
            assertThat(any.lookup(r, "7.0.0.127.l.test").listed()).isFalse();
        }
    }

    @Test
    void badFiltersStopStartup() {
        assertThatThrownBy(() -> new DnsblQuery("l.test=127.0.0")).isInstanceOf(ConfigException.class).hasMessageContaining("d.d.d.d");
        assertThatThrownBy(() -> new DnsblQuery("l.test=127.0.0.[2-4]")).isInstanceOf(ConfigException.class).hasMessageContaining("octet");
    }
}
