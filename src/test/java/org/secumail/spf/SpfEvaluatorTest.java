// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour the OpenSPF suites do not pin down: limits at their edge, identities, the query log. */
class SpfEvaluatorTest {

    @SuppressWarnings("unchecked")
    private static SpfEvaluator evaluator(String zoneYaml) {
        Map<String, Object> zone = (Map<String, Object>) MiniYaml.documents(zoneYaml).get(0);
        return new SpfEvaluator(new ZoneResolver(zone), "mx.receiver.example",
                Clock.fixed(Instant.ofEpochSecond(1700000000L), ZoneOffset.UTC));
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    /** A chain of n includes, each of a domain that ends in "?all", then "-all". */
    private static String includes(int n) {
        StringBuilder sb = new StringBuilder("example.com:\n  - TXT: \"v=spf1");
        for (int i = 0; i < n; i++) sb.append(" include:i").append(i).append(".example.com");
        sb.append(" -all\"\n");
        for (int i = 0; i < n; i++) sb.append("i").append(i).append(".example.com:\n  - TXT: v=spf1 ?all\n");
        return sb.toString();
    }

    @Test
    void tenDnsTermsAreAllowedEleventhIsPermerror() throws Exception {
        assertThat(evaluator(includes(10)).check(ip("192.0.2.1"), "a@example.com", "h.example.com").code())
                .isEqualTo(SpfResultCode.FAIL);
        SpfResult eleven = evaluator(includes(11)).check(ip("192.0.2.1"), "a@example.com", "h.example.com");
        assertThat(eleven.code()).isEqualTo(SpfResultCode.PERMERROR);
        assertThat(eleven.mechanism()).contains("more than 10 DNS lookups");
    }

    @Test
    void twoVoidLookupsAreAllowedThirdIsPermerror() throws Exception {
        String two = "example.com:\n  - TXT: v=spf1 a:n1.example.com mx:n2.example.com -all\n";
        String three = "example.com:\n  - TXT: v=spf1 a:n1.example.com mx:n2.example.com exists:n3.example.com -all\n";
        assertThat(evaluator(two).check(ip("192.0.2.1"), "a@example.com", "h").code()).isEqualTo(SpfResultCode.FAIL);
        assertThat(evaluator(three).check(ip("192.0.2.1"), "a@example.com", "h").code()).isEqualTo(SpfResultCode.PERMERROR);
    }

    @Test
    void moreThanTenMxNamesIsPermerror() throws Exception {
        StringBuilder zone = new StringBuilder("example.com:\n  - TXT: v=spf1 mx -all\n");
        for (int i = 0; i < 11; i++) zone.append("  - MX: [").append(i).append(", mx").append(i).append(".example.com]\n");
        zone.append("mx10.example.com:\n  - A: 192.0.2.1\n");
        assertThat(evaluator(zone.toString()).check(ip("192.0.2.1"), "a@example.com", "h").code())
                .isEqualTo(SpfResultCode.PERMERROR);
    }

    @Test
    void nullSenderIsPostmasterAtHelo() throws Exception {
        SpfEvaluator spf = evaluator("""
                mail.example.org:
                  - TXT: v=spf1 ip4:192.0.2.0/24 -all
                """);
        SpfResult r = spf.check(ip("192.0.2.7"), "", "mail.example.org");
        assertThat(r.code()).isEqualTo(SpfResultCode.PASS);
        assertThat(r.domain()).isEqualTo("mail.example.org");
        assertThat(r.mechanism()).isEqualTo("ip4:192.0.2.0/24");
        assertThat(spf.checkHelo(ip("198.51.100.1"), "mail.example.org").code()).isEqualTo(SpfResultCode.FAIL);
    }

    @Test
    void ipv4MappedClientIsIpv4() throws Exception {
        SpfEvaluator spf = evaluator("example.com:\n  - TXT: v=spf1 ip4:192.0.2.0/24 -all\n");
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, (byte) 192, 0, 2, 9});
        assertThat(spf.check(mapped, "a@example.com", "h").code()).isEqualTo(SpfResultCode.PASS);
    }

    @Test
    void queriesAreLoggedInOrder() throws Exception {
        SpfEvaluator spf = evaluator("""
                example.com:
                  - TXT: v=spf1 a:www.example.com -all
                www.example.com:
                  - A: 192.0.2.80
                """);
        SpfResult r = spf.check(ip("192.0.2.80"), "a@example.com", "h");
        assertThat(r.code()).isEqualTo(SpfResultCode.PASS);
        assertThat(r.explanation()).isEmpty();
        assertThat(r.queries()).containsExactly(
                "TXT example.com -> OK [v=spf1 a:www.example.com -all]",
                "A www.example.com -> OK [192.0.2.80]");
    }

    @Test
    void explanationUsesReceiverAndTime() throws Exception {
        SpfEvaluator spf = evaluator("""
                example.com:
                  - TXT: v=spf1 -all exp=why.example.com
                why.example.com:
                  - TXT: "%{c} refused by %{r} at %{t} for %{L}"
                """);
        SpfResult r = spf.check(ip("2001:db8::1"), "a b@example.com", "h");
        assertThat(r.code()).isEqualTo(SpfResultCode.FAIL);
        assertThat(r.explanation()).isEqualTo("2001:db8::1 refused by mx.receiver.example at 1700000000 for a%20b");
    }

    @Test
    void failWithoutExpGetsDefaultExplanation() throws Exception {
        SpfResult r = evaluator("example.com:\n  - TXT: v=spf1 -all\n").check(ip("192.0.2.1"), "a@example.com", "h");
        assertThat(r.explanation()).isEqualTo(SpfEvaluator.DEFAULT_EXPLANATION);
    }

    @Test
    void timeoutInsideIncludeIsTemperror() throws Exception {
        SpfEvaluator spf = evaluator("""
                example.com:
                  - TXT: v=spf1 include:slow.example.net -all
                slow.example.net:
                  - TIMEOUT
                """);
        assertThat(spf.check(ip("192.0.2.1"), "a@example.com", "h").code()).isEqualTo(SpfResultCode.TEMPERROR);
    }

    @Test
    void noRecordAndMalformedDomainAreNone() throws Exception {
        SpfEvaluator spf = evaluator("example.com:\n  - TXT: not spf\n");
        assertThat(spf.check(ip("192.0.2.1"), "a@example.com", "h").code()).isEqualTo(SpfResultCode.NONE);
        SpfResult literal = spf.check(ip("192.0.2.1"), "a@[192.0.2.1]", "h");
        assertThat(literal.code()).isEqualTo(SpfResultCode.NONE);
        assertThat(literal.queries()).isEmpty();
    }
}
