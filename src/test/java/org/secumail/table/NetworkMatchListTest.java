// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

class NetworkMatchListTest {
    @TempDir
    Path dir;

    private NetworkMatchList list(String value) { return NetworkMatchList.of(MainConfig.splitList(value), dir); }

    private static InetAddress ip(String s) { return IpAddresses.parse(s).orElseThrow(); }

    @Test
    void debiansDefaultMynetworksWithAnIpv4MappedRange() throws Exception {
        NetworkMatchList l = list("127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128");
        assertThat(l.matches(ip("127.0.0.1"), null)).isTrue();
        assertThat(l.matches(ip("::ffff:127.0.0.2"), null)).isTrue();
        assertThat(l.matches(ip("::1"), null)).isTrue();
        assertThat(l.matches(ip("128.0.0.1"), null)).isFalse();
        assertThat(list("[::ffff:192.0.2.0]/120").matches(ip("192.0.2.77"), null)).isTrue();
    }

    @Test
    void mynetworksStyleAddressesAndNetworks() throws Exception {
        NetworkMatchList l = list("127.0.0.0/8 [::1]/128, 192.0.2.5 [2001:db8::]/32 2001:db8:ff::/48 [fe80::1]");
        assertThat(l.matches(ip("127.0.0.1"), null)).isTrue();
        assertThat(l.matches(ip("::1"), null)).isTrue();
        assertThat(l.matches(ip("192.0.2.5"), null)).isTrue();
        assertThat(l.matches(ip("192.0.2.6"), null)).isFalse();
        assertThat(l.matches(ip("2001:db8:1::1"), null)).isTrue();
        assertThat(l.matches(ip("fe80::1"), null)).isTrue();
        assertThat(l.matches(ip("fe80::2"), null)).isFalse();
        assertThat(l.matches(ip("203.0.113.1"), "unknown")).isFalse();
    }

    @Test
    void negationStopsWithFalse() throws Exception {
        NetworkMatchList l = list("!192.168.1.1, 192.168.0.0/16");
        assertThat(l.matches(ip("192.168.1.1"), null)).isFalse();
        assertThat(l.matches(ip("192.168.1.2"), null)).isTrue();
    }

    @Test
    void hostnamesMatchTheVerifiedName() throws Exception {
        NetworkMatchList l = list("relay.example.com, !bad.example.org example.org");
        assertThat(l.matches(ip("198.51.100.1"), "relay.example.com")).isTrue();
        assertThat(l.matches(ip("198.51.100.1"), "Relay.Example.COM.")).isTrue();
        assertThat(l.matches(ip("198.51.100.1"), "a.example.org")).isTrue();
        assertThat(l.matches(ip("198.51.100.1"), "bad.example.org")).isFalse();
        assertThat(l.matches(ip("198.51.100.1"), "unknown")).isFalse();
        assertThat(l.matches(ip("198.51.100.1"), null)).isFalse();
        NetworkMatchList strict = NetworkMatchList.of(List.of("example.org", ".example.net"), false, dir);
        assertThat(strict.matches(ip("198.51.100.1"), "a.example.org")).isFalse();
        assertThat(strict.matches(ip("198.51.100.1"), "a.example.net")).isTrue();
    }

    @Test
    void tablesAndFiles() throws Exception {
        Files.writeString(dir.resolve("clients.cidr"), "10.0.0.0/8 OK\n[2001:db8::]/32 OK\n");
        Files.writeString(dir.resolve("clients"), "192.0.2.7 OK\n2001:db9::1 OK\n");
        Path f = dir.resolve("nets");
        Files.writeString(f, "# trusted\n198.51.100.0/24,\n  [2001:dba::]/32\n");
        NetworkMatchList l = list("cidr:clients.cidr texthash:clients " + f);
        assertThat(l.matches(ip("10.1.2.3"), null)).isTrue();
        assertThat(l.matches(ip("2001:db8::5"), null)).isTrue();
        assertThat(l.matches(ip("192.0.2.7"), null)).isTrue();
        assertThat(l.matches(ip("2001:db9:0:0:0:0:0:1"), null)).isTrue();
        assertThat(l.matches(ip("198.51.100.77"), null)).isTrue();
        assertThat(l.matches(ip("2001:dba::9"), null)).isTrue();
        assertThat(l.matches(ip("192.0.2.8"), null)).isFalse();
        NetworkMatchList failing = list("fail:clients");
        assertThatThrownBy(() -> failing.matches(ip("192.0.2.8"), null)).isInstanceOf(LookupException.class);
    }

    @Test
    void badTokensAreNamed() {
        assertThatThrownBy(() -> list("192.168.1.1/16")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("\"192.168.1.1/16\"").hasMessageContaining("perhaps you should use \"192.168.0.0/16\"");
        assertThatThrownBy(() -> list("1.2.3.300")).hasMessageContaining("\"1.2.3.300\"");
        assertThatThrownBy(() -> list("1.2.3")).hasMessageContaining("\"1.2.3\"");
        assertThatThrownBy(() -> list("[foo]")).hasMessageContaining("\"[foo]\"");
        assertThatThrownBy(() -> list("10.0.0.0/33")).hasMessageContaining("\"10.0.0.0/33\"");
        assertThatThrownBy(() -> list("host/24")).hasMessageContaining("\"host/24\"");
    }
}
