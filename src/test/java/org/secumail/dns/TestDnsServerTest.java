// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The test server itself: raw responses, so other tests can rely on what it sends. */
class TestDnsServerTest {
    private static Message ask(TestDnsServer dns, String name, int type) throws Exception {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", dns.port()));
        r.setTimeout(Duration.ofSeconds(2));
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    @Test
    void rawRcodesFlagsAndNegativeSoaTtl() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start("""
                example.test SOA ns.example.test hostmaster.example.test 1 3600 600 86400 90
                www.example.test 120 A 192.0.2.1
                closed.example.test REFUSED
                broken.example.test SERVFAIL
                """)) {
            Message ok = ask(dns, "www.example.test.", Type.A);
            assertThat(ok.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(ok.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(ok.getHeader().getFlag(Flags.RD)).isTrue();
            assertThat(ok.getSection(Section.ANSWER)).hasSize(1);
            assertThat(ok.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(120);

            Message nx = ask(dns, "nope.example.test.", Type.A);
            assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            // RFC 2308 section 3: min(SOA TTL 3600 by default, MINIMUM 90).
            assertThat(nx.getSection(Section.AUTHORITY)).singleElement().satisfies(r -> {
                assertThat(r.getType()).isEqualTo(Type.SOA);
                assertThat(r.getTTL()).isEqualTo(90);
            });

            assertThat(ask(dns, "closed.example.test.", Type.MX).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ask(dns, "broken.example.test.", Type.MX).getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(dns.queryCount()).isEqualTo(4);
            assertThat(dns.queryCount("WWW.example.test")).isEqualTo(1);
        }
    }

    @Test
    void classicUdpAnswerOver512BytesIsTruncated() throws Exception {
        StringBuilder zone = new StringBuilder();
        for (int i = 0; i < 10; i++) zone.append("big.test TXT \"").append("y".repeat(100)).append("\"\n");
        try (TestDnsServer dns = TestDnsServer.start(zone.toString());
             DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(2000);
            byte[] q = Message.newQuery(Record.newRecord(Name.fromString("big.test."), Type.TXT, DClass.IN)).toWire();
            client.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", dns.port())));
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            client.receive(p);
            assertThat(p.getLength()).isLessThanOrEqualTo(512);
            Message m = new Message(Arrays.copyOf(p.getData(), p.getLength()));
            assertThat(m.getHeader().getFlag(Flags.TC)).isTrue();
        }
    }

    @Test
    void zoneFromAFileWithCommentsAndClass(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("test.zone");
        Files.writeString(file, """
                # a comment line
                host.test. 60 IN A 192.0.2.9 ; trailing comment
                host.test TXT "semi;colon in quotes"
                """);
        try (TestDnsServer dns = TestDnsServer.start(file)) {
            Resolver r = new DnsjavaResolver(List.of(dns.serverSpec()), Duration.ofSeconds(2));
            assertThat(r.a("host.test").ttl()).isEqualTo(60);
            assertThat(r.txt("host.test").records()).containsExactly("semi;colon in quotes");
        }
    }

    @Test
    void badZoneLinesAreReportedWithTheirNumber() {
        assertThatThrownBy(() -> TestDnsServer.start("ok.test A 192.0.2.1\nbad.test BOGUS x\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> TestDnsServer.start("bad.test A not-an-address\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
        assertThatThrownBy(() -> TestDnsServer.start("x.test CNAME y.test\nx.test A 192.0.2.1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CNAME");
    }

    @Test
    void closedServerNoLongerAnswers() throws Exception {
        TestDnsServer dns = TestDnsServer.start("a.test A 192.0.2.1\n");
        String spec = dns.serverSpec();
        dns.close();
        Resolver r = new DnsjavaResolver(List.of(spec), Duration.ofMillis(300));
        assertThat(r.a("a.test").status()).isEqualTo(DnsStatus.TIMEOUT);
    }
}
