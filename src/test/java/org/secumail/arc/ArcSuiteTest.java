// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The ValiMail ARC validation suite (171 tests, src/test/resources/arc/SOURCE.md). The three
 * tests whose expected cv is the empty string (a chain whose newest seal already says
 * cv=fail: upstream's runner expects no output) are held to "fail" here, as documented in
 * docs/dkim.md.
 */
class ArcSuiteTest {
    static final Path SUITE = Path.of("src/test/resources/arc/valimail-arc-test-suite");

    /** TXT answers from a map, NXDOMAIN otherwise. */
    record MapResolver(Map<String, String> txt) implements Resolver {
        @Override public DnsAnswer<String> txt(String name) {
            String r = txt.get(name.toLowerCase());
            return r == null ? DnsAnswer.of(DnsStatus.NXDOMAIN) : new DnsAnswer<>(DnsStatus.OK, List.of(r), 300);
        }
        @Override public DnsAnswer<InetAddress> a(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<MxRecord> mx(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> scenarios(String file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(true);     // as PyYAML, upstream's loader: the last duplicate wins
        try (InputStream in = Files.newInputStream(SUITE.resolve(file))) {
            for (Object doc : new Yaml(o).loadAll(in)) if (doc != null) out.add((Map<String, Object>) doc);
        }
        return out;
    }

    static Resolver dns(Map<String, Object> scenario) {
        Map<String, String> txt = new HashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> recs = (Map<String, Object>) scenario.get("txt-records");
        if (recs != null) recs.forEach((k, v) -> txt.put(k.toLowerCase(), String.valueOf(v)));
        return new MapResolver(txt);
    }

    /** YAML block literals have LF line ends: SMTP gives CRLF. */
    static RawMessage message(Object text) {
        String s = text == null ? "" : String.valueOf(text);
        return RawMessage.of(s.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    static Clock clock() { return Clock.fixed(Instant.ofEpochSecond(1_500_000_000L), ZoneOffset.UTC); }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> validation() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> sc : scenarios("arc-draft-validation-tests.yml")) {
            Resolver dns = dns(sc);
            ((Map<String, Map<String, Object>>) sc.get("tests")).forEach((name, t) -> tests.add(DynamicTest.dynamicTest(name, () -> {
                String cv = String.valueOf(t.get("cv"));
                ArcResult want = cv.isEmpty() ? ArcResult.FAIL : ArcResult.valueOf(cv.toUpperCase());
                ArcValidation v = new ArcVerifier(dns).validate(message(t.get("message")));
                assertThat(v.result()).as(name + ": " + t.get("description") + " " + v.trace()).isEqualTo(want);
            })));
        }
        return tests.stream();
    }

    @Test
    void suiteHasTheAdvertisedCounts() throws IOException {
        int validation = 0;
        for (Map<String, Object> sc : scenarios("arc-draft-validation-tests.yml")) validation += ((Map<?, ?>) sc.get("tests")).size();
        int signing = 0;
        for (Map<String, Object> sc : scenarios("arc-draft-sign-tests.yml")) signing += ((Map<?, ?>) sc.get("tests")).size();
        assertThat(validation).isEqualTo(171);
        assertThat(signing).isEqualTo(17);
    }
}
