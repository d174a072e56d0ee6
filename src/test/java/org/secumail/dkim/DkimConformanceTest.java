// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.secumail.dkim.DkimTestSupport.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.secumail.content.RawMessage;

/** RFC 8463 appendix A, Stalwart's samples and dkimpy's test data (src/test/resources/dkim/SOURCE.md). */
class DkimConformanceTest {
    static final long STALWART_TIME = 1667843664L;

    @Test
    void rfc8463BothSignaturesPass() {
        MapResolver dns = new MapResolver();
        for (String line : text("rfc8463/dns-records.txt").split("\n")) {
            int sp = line.indexOf(' ');
            dns.put(line.substring(0, sp), line.substring(sp + 1));
        }
        List<DkimVerification> v = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(msg("rfc8463/signed.eml"));
        assertThat(v).hasSize(2);
        assertThat(results(v)).containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(v).extracting(DkimVerification::algorithm).containsExactlyInAnyOrder("ed25519-sha256", "rsa-sha256");
        assertThat(v.get(0).toAuthResult().format()).startsWith("dkim=pass header.d=football.example.com header.s=");
    }

    @TestFactory
    Stream<DynamicTest> stalwartSamplesAllPass() {
        return Stream.of("001", "002", "003", "004", "005", "006").map(n -> DynamicTest.dynamicTest(n, () -> {
            byte[] file = crlf(read("stalwart-mail-auth/" + n + ".txt"));
            String s = new String(file, StandardCharsets.ISO_8859_1);
            int split = s.indexOf("\r\n\r\n");
            MapResolver dns = new MapResolver();
            for (String line : s.substring(0, split).split("\r\n")) {
                int sp = line.indexOf(' ');
                dns.put(line.substring(0, sp), line.substring(sp + 1));
            }
            RawMessage m = RawMessage.of(s.substring(split + 4).getBytes(StandardCharsets.ISO_8859_1));
            List<DkimVerification> v = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(m);
            assertThat(v).isNotEmpty();
            for (DkimVerification x : v) assertThat(x.result()).as(n + " " + x.domain() + " " + x.reason() + " " + x.trace()).isEqualTo(DkimResult.PASS);
        }));
    }

    private static MapResolver dkimpyDns(String testRecord) {
        return new MapResolver().put("test._domainkey.example.com", testRecord)
                .put("test._domainkey.football.example.com", text("dkimpy/test.txt"))
                .put("brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }

    private static List<DkimVerification> signAndVerify(String message, String keyFile, String domain, String selector, MapResolver dns,
                                                        Canonicalization hc, Canonicalization bc) throws Exception {
        RawMessage m = msg(message);
        DkimKey key = new DkimKey(domain, selector, DkimKeys.parse(text(keyFile)));
        var sig = new DkimSigner(at(STALWART_TIME)).sign(m, key, DkimSignOptions.defaults().withCanon(hc, bc));
        return new DkimVerifier(dns, at(STALWART_TIME), 10).verify(prepend(m, sig));
    }

    /** dkimpy test_verifies / test_implicit_k / test_bad_version / test_unknown_k / test_catch_bad_key (test_bad.txt). */
    @TestFactory
    Stream<DynamicTest> dkimpyKeyRecords() {
        List<DynamicTest> t = new ArrayList<>();
        String[][] cases = {{"test.txt", "PASS"}, {"test2.txt", "PASS"}, {"badversion.txt", "PERMERROR"}, {"badk.txt", "PERMERROR"}, {"test_bad.txt", "PERMERROR"}};
        for (String[] c : cases) {
            for (Canonicalization hc : Canonicalization.values()) {
                for (Canonicalization bc : Canonicalization.values()) {
                    t.add(DynamicTest.dynamicTest(c[0] + " " + hc.keyword() + "/" + bc.keyword(), () -> {
                        List<DkimVerification> v = signAndVerify("dkimpy/test.message", "dkimpy/test.private", "example.com", "test",
                                dkimpyDns(text("dkimpy/" + c[0])), hc, bc);
                        assertThat(v.get(0).result()).as(v.get(0).trace().toString()).isEqualTo(DkimResult.valueOf(c[1]));
                    }));
                }
            }
        }
        return t.stream();
    }

    @Test
    void dkimpyRfc6376SignedEd25519PassesAndSurvivesASecondSignature() throws Exception {
        MapResolver dns = dkimpyDns(text("dkimpy/test.txt"));
        RawMessage m = msg("dkimpy/rfc6376.signed.msg");
        List<DkimVerification> before = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(m);
        assertThat(before).isNotEmpty().allSatisfy(x -> assertThat(x.result()).isEqualTo(DkimResult.PASS));
        assertThat(before).extracting(DkimVerification::selector).contains("brisbane");
        DkimKey key = new DkimKey("football.example.com", "test", DkimKeys.parse(text("dkimpy/test.private")));
        RawMessage both = prepend(m, new DkimSigner(at(STALWART_TIME)).sign(m, key, DkimSignOptions.defaults()));
        List<DkimVerification> after = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(both);
        assertThat(after).hasSize(before.size() + 1).allSatisfy(x -> assertThat(x.result()).isEqualTo(DkimResult.PASS));
    }

    @Test
    void dkimpyCorruptPublishedKeyFails() {
        // dkimpy dnsfunc6: the test key with one character missing from its p=
        MapResolver dns = new MapResolver().put("test._domainkey.football.example.com", "k=rsa; "
                + "p=MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52Tb/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==")
                .put("brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        List<DkimVerification> v = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(msg("dkimpy/rfc6376.signed.rsa.msg"));
        assertThat(v).isNotEmpty();
        assertThat(v).filteredOn(x -> "test".equals(x.selector())).isNotEmpty()
                .allSatisfy(x -> assertThat(x.result()).isIn(DkimResult.PERMERROR, DkimResult.FAIL));
    }

    @Test
    void dkimpyBadDomainFails() {
        MapResolver dns = new MapResolver().put("test._domainkey.legitimate.com(.attacker.com", text("dkimpy/test.txt"));
        List<DkimVerification> v = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(msg("dkimpy/test.message.baddomain"));
        assertThat(results(v)).containsExactly(DkimResult.PERMERROR);
        assertThat(v.get(0).reason()).contains("bad domain");
        assertThat(dns.queries.get()).isZero();
    }

    @Test
    void dkimpyWindows1258BodyDoesNotCrash() throws Exception {
        for (Canonicalization hc : Canonicalization.values()) {
            for (Canonicalization bc : Canonicalization.values()) {
                List<DkimVerification> v = signAndVerify("dkimpy/rfc6376.w1258.msg", "dkimpy/test.private", "football.example.com", "test",
                        dkimpyDns(text("dkimpy/test.txt")), hc, bc);
                // we hash bytes, not characters: unlike dkimpy 1.1 (which fails it), the signature verifies
                assertThat(v.get(0).result()).isEqualTo(DkimResult.PASS);
            }
        }
    }

    @Test
    void dkimpyEd25519SignAndEximSample() throws Exception {
        MapResolver dns = new MapResolver().put("test._domainkey.example.net", "v=DKIM1; " + text("dkimpy/ed25519test.dns"))
                .put("sed._domainkey.test.ex", text("dkimpy/eximtest.dns"));
        for (Canonicalization hc : Canonicalization.values()) {
            for (Canonicalization bc : Canonicalization.values()) {
                assertThat(signAndVerify("dkimpy/ed25519test.msg", "dkimpy/ed25519test.key", "example.net", "test", dns, hc, bc).get(0).result())
                        .isEqualTo(DkimResult.PASS);
            }
        }
        List<DkimVerification> exim = new DkimVerifier(dns, at(STALWART_TIME), 10).verify(msg("dkimpy/ed25519test2.msg"));
        assertThat(results(exim)).containsExactly(DkimResult.PASS);
    }

    @TestFactory
    Stream<DynamicTest> dkimpyKeyFormats() {
        String[][] cases = {{"1024_testkey.key", "1024_testkey_wo_markers.pub.txt"}, {"1024_testkey.key", "1024_testkey_wo_markers.pub.rsa.txt"},
            {"2048_testkey.key", "2048_testkey_wo_markers.pub.txt"}, {"2048_testkey.key", "2048_testkey_wo_markers.pub.rsa.txt"},
            {"2048_testkey_PKCS8.key", "2048_testkey_PKCS8.key.pub.txt"}};
        return Stream.of(cases).map(c -> DynamicTest.dynamicTest(c[0] + " + " + c[1], () -> {
            MapResolver dns = new MapResolver().put("test._domainkey.example.com", text("dkimpy/" + c[1]));
            List<DkimVerification> v = signAndVerify("dkimpy/test.message", "dkimpy/" + c[0], "example.com", "test", dns,
                    Canonicalization.RELAXED, Canonicalization.SIMPLE);
            assertThat(v.get(0).result()).as(v.get(0).trace().toString()).isEqualTo(DkimResult.PASS);
        }));
    }

    @Test
    void dkimpyNoFromRefusedBySigner() throws Exception {
        DkimKey key = new DkimKey("example.com", "test", DkimKeys.parse(text("dkimpy/test.private")));
        assertThatThrownBy(() -> new DkimSigner(at(STALWART_TIME)).sign(msg("dkimpy/test_nofrom.message"), key, DkimSignOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a From");
    }

    @Test
    void dkimpyTlsrptServiceKeyIsNotForEmail() throws Exception {
        List<DkimVerification> v = signAndVerify("dkimpy/test.message", "dkimpy/test.private", "example.com", "test",
                new MapResolver().put("test._domainkey.example.com", text("dkimpy/test_tlsrpt.txt")), Canonicalization.RELAXED, Canonicalization.RELAXED);
        assertThat(v.get(0).result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(v.get(0).reason()).contains("not for email");
    }

    @Test
    void dkimpyMboxSignedWithExtraHeadersVerifies() throws Exception {
        for (String f : List.of("dkimpy/message.mbox", "dkimpy/test_extra.message", "dkimpy/test2.message")) {
            List<DkimVerification> v = signAndVerify(f, "dkimpy/test.private", "example.com", "test",
                    dkimpyDns(text("dkimpy/test.txt")), Canonicalization.RELAXED, Canonicalization.RELAXED);
            assertThat(v.get(0).result()).as(f + " " + v.get(0).trace()).isEqualTo(DkimResult.PASS);
        }
    }
}
