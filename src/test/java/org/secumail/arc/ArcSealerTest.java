// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.secumail.arc.ArcSuiteTest.dns;
import static org.secumail.arc.ArcSuiteTest.message;
import static org.secumail.arc.ArcSuiteTest.scenarios;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimKeys;
import org.secumail.dkim.TagList;
import org.secumail.dns.Resolver;

/**
 * The ValiMail ARC signing suite (17 tests): our AAR, AMS and AS must equal the expected ones
 * tag for tag, b= included (RSA PKCS#1 v1.5 signatures are deterministic), and the sealed
 * message must validate. Also Stalwart's two ARC samples and a seal-forward-seal round trip.
 */
class ArcSealerTest {
    static Clock at(long t) { return Clock.fixed(Instant.ofEpochSecond(t), ZoneOffset.UTC); }

    static String squash(String s) { return s.replaceAll("[ \\t\\r\\n]+", " ").strip(); }

    static RawMessage prepend(RawMessage m, List<HeaderField> fields) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : fields) out.writeBytes(f.raw());
        try (var in = m.openMessage()) {
            in.transferTo(out);
        }
        return RawMessage.of(out.toByteArray());
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> signing() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> sc : scenarios("arc-draft-sign-tests.yml")) {
            Resolver dns = dns(sc);
            DkimKey key = new DkimKey(String.valueOf(sc.get("domain")), String.valueOf(sc.get("sel")),
                    DkimKeys.parse(String.valueOf(sc.get("privatekey"))));
            ((Map<String, Map<String, Object>>) sc.get("tests")).forEach((name, t) -> tests.add(DynamicTest.dynamicTest(name, () -> {
                long time = Long.parseLong(String.valueOf(t.get("t")));
                String srv = String.valueOf(t.get("srv-id"));
                RawMessage m = message(t.get("message"));
                ArcValidation incoming = new ArcVerifier(dns).validate(m);
                String ar = ArcSealer.authResultsFor(m.headers(), srv);
                List<String> h = List.of(String.valueOf(t.get("sig-headers")).split(":"));
                if (t.get("AS") == null || String.valueOf(t.get("AS")).isBlank()) {
                    // no_additional_sig: the newest seal says cv=fail, so nothing is added
                    assertThat(incoming.result()).isEqualTo(ArcResult.FAIL);
                    assertThat(new ArcSealer(at(time)).seal(m, key, srv, ar, ArcResult.FAIL, h)).isEmpty();
                    return;
                }
                // the suite stamps the chain status into the newest A-R: our validation must agree with it
                assertThat(ar).contains("arc=" + incoming.result().keyword());
                List<HeaderField> set = new ArcSealer(at(time)).seal(m, key, srv, ar, incoming.result(), h);
                assertThat(set).extracting(HeaderField::name).containsExactly("ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results");
                assertThat(squash(set.get(2).value())).as("AAR").isEqualTo(squash(String.valueOf(t.get("AAR"))));
                assertThat(tags(set.get(1).value())).as("AMS").isEqualTo(tags(t.get("AMS")));
                assertThat(tags(set.get(0).value())).as("AS").isEqualTo(tags(t.get("AS")));
                ArcValidation after = new ArcVerifier(dns).validate(prepend(m, set));
                assertThat(after.result()).as(after.trace().toString())
                        .isEqualTo(incoming.result() == ArcResult.FAIL ? ArcResult.FAIL : ArcResult.PASS);
            })));
        }
        return tests.stream();
    }

    /** Tag map with whitespace removed from values (b=, bh= are folded differently by each signer). */
    static Map<String, String> tags(Object value) throws Exception {
        Map<String, String> out = new HashMap<>();
        TagList.parse(String.valueOf(value)).asMap().forEach((k, v) -> out.put(k, v.replaceAll("[ \\t\\r\\n]+", "")));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> stalwartSamplesPass() {
        return Stream.of("001", "002").map(n -> DynamicTest.dynamicTest(n, () -> {
            String s = new String(Files.readAllBytes(Path.of("src/test/resources/arc/stalwart-mail-auth/" + n + ".txt")), StandardCharsets.ISO_8859_1)
                    .replace("\r\n", "\n").replace("\n", "\r\n");
            int split = s.indexOf("\r\n\r\n");
            Map<String, String> txt = new HashMap<>();
            for (String line : s.substring(0, split).split("\r\n")) {
                int sp = line.indexOf(' ');
                txt.put(line.substring(0, sp).toLowerCase(), line.substring(sp + 1));
            }
            RawMessage m = RawMessage.of(s.substring(split + 4).getBytes(StandardCharsets.ISO_8859_1));
            ArcValidation v = new ArcVerifier(new ArcSuiteTest.MapResolver(txt)).validate(m);
            // 002 seals with ed25519-sha256: accepted on purpose (docs/dkim.md)
            assertThat(v.result()).as(v.trace().toString()).isEqualTo(ArcResult.PASS);
            assertThat(v.toAuthResult("192.0.2.1").format()).isEqualTo("arc=pass smtp.remote-ip=192.0.2.1 header.oldest-pass=" + v.oldestPass());
        }));
    }

    @Test
    void sealForwardModifySeal() throws Exception {
        var rsa = DkimKeys.generate("rsa", 2048);
        var ed = DkimKeys.generate("ed25519", 0);
        Map<String, String> txt = new HashMap<>();
        txt.put("s1._domainkey.list.example", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(rsa.getPublic()));
        txt.put("s2._domainkey.fwd.example", "v=DKIM1; k=ed25519; p=" + DkimKeys.publicKeyValue(ed.getPublic()));
        Resolver dns = new ArcSuiteTest.MapResolver(txt);
        RawMessage m = RawMessage.of("From: a@origin.example\r\nTo: list@list.example\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        ArcVerifier verifier = new ArcVerifier(dns);
        assertThat(verifier.validate(m).result()).isEqualTo(ArcResult.NONE);
        RawMessage one = prepend(m, new ArcSealer(Clock.systemUTC()).seal(m, new DkimKey("list.example", "s1", rsa.getPrivate()),
                "list.example", "spf=pass smtp.mailfrom=origin.example", ArcResult.NONE, null));
        ArcValidation v1 = verifier.validate(one);
        assertThat(v1.result()).isEqualTo(ArcResult.PASS);
        // a receiver whose clock is a day behind: noted, not held against the seal (ARC has no expiry)
        ArcValidation early = new ArcVerifier(dns, at(Instant.now().getEpochSecond() - 86_400)).validate(one);
        assertThat(early.result()).isEqualTo(ArcResult.PASS);
        assertThat(early.trace()).anyMatch(l -> l.contains("is in the future"));
        // a mailing list changes the subject: AMS 1 breaks, the chain still passes once sealed again
        RawMessage changed = RawMessage.of(new String(one.openMessage().readAllBytes(), StandardCharsets.US_ASCII)
                .replace("Subject: hi", "Subject: [list] hi").getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.validate(changed).result()).isEqualTo(ArcResult.FAIL);
        RawMessage two = prepend(changed, new ArcSealer(Clock.systemUTC()).seal(changed, new DkimKey("fwd.example", "s2", ed.getPrivate()),
                "fwd.example", "arc=pass", ArcResult.PASS, null));
        ArcValidation v2 = verifier.validate(two);
        assertThat(v2.result()).as(v2.trace().toString()).isEqualTo(ArcResult.PASS);
        assertThat(v2.instances()).isEqualTo(2);
        assertThat(v2.oldestPass()).isEqualTo(2);
        assertThatThrownBy(() -> new ArcSealer(Clock.systemUTC()).seal(two, new DkimKey("fwd.example", "s2", ed.getPrivate()),
                "fwd.example", "arc=pass", ArcResult.NONE, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fiftyOneSetsAreRefused() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 51; i >= 1; i--) {
            sb.append("ARC-Seal: i=").append(i).append("; a=rsa-sha256; cv=pass; d=x.example; s=s; b=Zm9v\r\n")
              .append("ARC-Message-Signature: i=").append(i).append("; a=rsa-sha256; d=x.example; s=s; h=from; bh=Zm9v; b=Zm9v\r\n")
              .append("ARC-Authentication-Results: i=").append(i).append("; x.example; none\r\n");
        }
        RawMessage m = RawMessage.of((sb + "From: a@b.example\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII));
        ArcValidation v = new ArcVerifier(new ArcSuiteTest.MapResolver(Map.of())).validate(m);
        assertThat(v.result()).isEqualTo(ArcResult.FAIL);
        assertThat(v.reason()).contains("valid i=");
    }
}
