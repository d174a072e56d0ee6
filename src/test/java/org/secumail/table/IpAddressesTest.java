// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpAddressesTest {
    private static InetAddress ip(String s) { return IpAddresses.parse(s).orElseThrow(); }

    @Test
    void parsesNumericLiteralsOnly() {
        assertThat(IpAddresses.parse("192.0.2.1")).map(InetAddress::getHostAddress).contains("192.0.2.1");
        assertThat(IpAddresses.parse("2001:db8::1")).isPresent();
        assertThat(IpAddresses.parse("::1")).isPresent();
        // Not literals: these must come back empty, never be resolved through the DNS.
        assertThat(IpAddresses.parse("1.2.3.300")).isEmpty();
        assertThat(IpAddresses.parse("1.2.3")).isEmpty();
        assertThat(IpAddresses.parse("010.1.1.1")).isEmpty();
        assertThat(IpAddresses.parse("example.com")).isEmpty();
        assertThat(IpAddresses.parse("1:2:3")).isEmpty();
        assertThat(IpAddresses.parse("1.2.3.4:25")).isEmpty();
        assertThat(IpAddresses.parse("fe80::1%eth0")).isEmpty();
        assertThat(IpAddresses.parse("")).isEmpty();
    }

    @Test
    void formatsLikeInetNtop() {
        assertThat(IpAddresses.format(ip("2001:0DB8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
        assertThat(IpAddresses.format(ip("0:0:0:0:0:0:0:1"))).isEqualTo("::1");
        assertThat(IpAddresses.format(ip("::"))).isEqualTo("::");
        assertThat(IpAddresses.format(ip("2001:db8:0:1:0:0:0:0"))).isEqualTo("2001:db8:0:1::");
        // A single zero group is not compressed; on a tie the first run is.
        assertThat(IpAddresses.format(ip("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpAddresses.format(ip("1:0:0:2:0:0:3:4"))).isEqualTo("1::2:0:0:3:4");
        assertThat(IpAddresses.format(ip("::ffff:192.0.2.1"))).isEqualTo("192.0.2.1");
        assertThat(IpAddresses.format(ip("::192.0.2.1"))).isEqualTo("::192.0.2.1");
    }

    @Test
    void cidrNetworks() {
        CidrNetwork v4 = CidrNetwork.parse("192.168.0.0/16");
        assertThat(v4.contains(ip("192.168.1.1"))).isTrue();
        assertThat(v4.contains(ip("192.169.1.1"))).isFalse();
        assertThat(v4.contains(ip("::1"))).isFalse();
        assertThat(CidrNetwork.parse("0.0.0.0/0").contains(ip("203.0.113.9"))).isTrue();
        assertThat(CidrNetwork.parse("192.0.2.7").contains(ip("192.0.2.7"))).isTrue();
        assertThat(CidrNetwork.parse("192.0.2.7").contains(ip("192.0.2.8"))).isFalse();
        for (String form : new String[] {"[2001:db8::]/32", "[2001:db8::/32]", "2001:db8::/32"}) {
            CidrNetwork v6 = CidrNetwork.parse(form);
            assertThat(v6.contains(ip("2001:db8:1::5"))).as(form).isTrue();
            assertThat(v6.contains(ip("2001:db9::5"))).as(form).isFalse();
            assertThat(v6).hasToString("2001:db8::/32");
        }
        assertThat(CidrNetwork.parse("[::1]").contains(ip("::1"))).isTrue();
    }

    @Test
    void badCidrPatternsSayWhatIsWrong() {
        assertThatThrownBy(() -> CidrNetwork.parse("192.168.1.1/16"))
                .hasMessage("non-null host address bits in \"192.168.1.1/16\", perhaps you should use \"192.168.0.0/16\" instead");
        assertThatThrownBy(() -> CidrNetwork.parse("1.2.3.0/33")).hasMessageContaining("bad net/mask pattern");
        assertThatThrownBy(() -> CidrNetwork.parse("1.2.3.0/x")).hasMessageContaining("bad net/mask pattern");
        assertThatThrownBy(() -> CidrNetwork.parse("1.2.3")).hasMessageContaining("bad address pattern");
        assertThatThrownBy(() -> CidrNetwork.parse("[::1")).hasMessageContaining("missing ']'");
        assertThatThrownBy(() -> CidrNetwork.parse("[::1]x")).hasMessageContaining("garbage after");
    }
}
