// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.dkim.DkimTestSupport.*;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/** Verification outcomes for good, tampered and hostile input: never an exception. */
class DkimVerifierTest {
    static final long NOW = 1_700_000_000L;
    static final String MSG = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n"
            + "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob.\r\n\r\nBye.\r\n";
    static KeyPair rsa;
    static KeyPair ed;

    @BeforeAll
    static void keys() throws Exception {
        rsa = DkimKeys.generate("rsa", 2048);
        ed = DkimKeys.generate("ed25519", 0);
    }

    static String record(KeyPair kp, String extra) {
        return "v=DKIM1; k=" + (kp == ed ? "ed25519" : "rsa") + "; " + extra + "p=" + DkimKeys.publicKeyValue(kp.getPublic());
    }

    static HeaderField sig(String message, KeyPair kp, DkimSignOptions o) {
        return new DkimSigner(at(NOW)).sign(msg(message, true), new DkimKey("example.com", "sel", kp.getPrivate()), o);
    }

    static RawMessage signed(String message, KeyPair kp, DkimSignOptions o) throws Exception {
        return prepend(msg(message, true), sig(message, kp, o));
    }

    static List<DkimVerification> verify(RawMessage m, MapResolver dns) {
        return new DkimVerifier(dns, at(NOW), 10).verify(m);
    }

    static MapResolver dns(String rec) { return new MapResolver().put("sel._domainkey.example.com", rec); }

    /** The message with a hand-written DKIM-Signature value prepended. */
    static RawMessage withSig(String value) {
        return msg("DKIM-Signature: " + value + "\r\n" + MSG, true);
    }

    static DkimVerification one(RawMessage m, MapResolver d) {
        List<DkimVerification> v = verify(m, d);
        assertThat(v).hasSize(1);
        return v.get(0);
    }

    @Test
    void passBothAlgorithmsAndAuthResult() throws Exception {
        for (KeyPair kp : List.of(rsa, ed)) {
            DkimVerification v = one(signed(MSG, kp, DkimSignOptions.defaults()), dns(record(kp, "")));
            assertThat(v.result()).isEqualTo(DkimResult.PASS);
            assertThat(v.reason()).isNull();
            assertThat(v.trace()).anyMatch(t -> t.startsWith("key: TXT sel._domainkey.example.com -> OK"))
                    .anyMatch(t -> t.startsWith("body hash (relaxed") && t.contains(" = bh="));
            assertThat(v.toAuthResult().format()).isEqualTo("dkim=pass header.d=example.com header.s=sel header.i=@example.com header.b="
                    + v.signature().substring(0, 8));
        }
    }

    @Test
    void tamperedBodyAndHeaderFail() throws Exception {
        String s = new String(sig(MSG, rsa, DkimSignOptions.defaults()).raw(), StandardCharsets.US_ASCII);
        DkimVerification body = one(msg(s + MSG.replace("Bye.", "Bye!"), true), dns(record(rsa, "")));
        assertThat(body.result()).isEqualTo(DkimResult.FAIL);
        assertThat(body.reason()).isEqualTo("body hash did not verify");
        DkimVerification head = one(msg(s + MSG.replace("Subject: hello", "Subject: hellO"), true), dns(record(rsa, "")));
        assertThat(head.result()).isEqualTo(DkimResult.FAIL);
        assertThat(head.reason()).isEqualTo("signature did not verify");
        // an added From (oversigned) breaks it too (RFC 6376 8.15)
        DkimVerification added = one(msg(s + "From: mallory@evil.example\r\n" + MSG, true), dns(record(rsa, "")));
        assertThat(added.result()).isEqualTo(DkimResult.FAIL);
    }

    @Test
    void bodyLengthTailIsReportedAndNeverTrusted() throws Exception {
        HeaderField f = sig(MSG, rsa, DkimSignOptions.defaults().withBodyLength(true));
        String s = new String(f.raw(), StandardCharsets.US_ASCII);
        DkimVerification exact = one(msg(s + MSG, true), dns(record(rsa, "")));
        assertThat(exact.result()).isEqualTo(DkimResult.PASS);
        assertThat(exact.bodyLengthLimited()).isFalse();
        DkimVerification tail = one(msg(s + MSG + "Click http://evil.example/\r\n", true), dns(record(rsa, "")));
        assertThat(tail.result()).isEqualTo(DkimResult.PASS);
        assertThat(tail.bodyLengthLimited()).isTrue();
        assertThat(tail.reason()).contains("l=");
        assertThat(tail.toAuthResult().format()).contains("reason=");
    }

    @Test
    void expiryWithSkew() throws Exception {
        RawMessage m = signed(MSG, rsa, DkimSignOptions.defaults().withExpiry(Duration.ofSeconds(60)));
        assertThat(new DkimVerifier(dns(record(rsa, "")), at(NOW + 300), 10).verify(m).get(0).result()).isEqualTo(DkimResult.PASS);
        DkimVerification late = new DkimVerifier(dns(record(rsa, "")), at(NOW + 3600), 10).verify(m).get(0);
        assertThat(late.result()).isEqualTo(DkimResult.FAIL);
        assertThat(late.reason()).isEqualTo("signature expired");
    }

    @Test
    void keyRecordFlags() throws Exception {
        DkimVerification testing = one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(record(rsa, "t=y; ")));
        assertThat(testing.result()).isEqualTo(DkimResult.PASS);
        assertThat(testing.testing()).isTrue();
        DkimSignOptions sub = new DkimSignOptions(Canonicalization.RELAXED, Canonicalization.RELAXED, DkimSignOptions.OPENDKIM_SIGN_HEADERS,
                DkimSignOptions.DEFAULT_OVERSIGN, true, null, false, "@mail.example.com");
        DkimVerification strict = one(signed(MSG, rsa, sub), dns(record(rsa, "t=s; ")));
        assertThat(strict.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(one(signed(MSG, rsa, sub), dns(record(rsa, ""))).result()).isEqualTo(DkimResult.PASS);
        assertThat(one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(record(rsa, "t=s; "))).result()).isEqualTo(DkimResult.PASS);
        assertThat(one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(record(rsa, "h=sha1; "))).reason()).contains("sha256");
        assertThat(one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(record(rsa, "s=email:*; "))).result()).isEqualTo(DkimResult.PASS);
        assertThat(one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(record(ed, ""))).reason()).contains("does not match");
        // a record split in several strings arrives concatenated from the resolver
        String rec = record(rsa, "");
        assertThat(one(signed(MSG, rsa, DkimSignOptions.defaults()), dns(rec.substring(0, 20) + rec.substring(20))).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void badKeyRecords() throws Exception {
        RawMessage m = signed(MSG, rsa, DkimSignOptions.defaults());
        assertThat(one(m, dns("v=DKIM1; k=rsa; p=")).reason()).contains("revoked");
        assertThat(one(m, dns("v=DKIM1; k=rsa; p=!!!notbase64")).result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(one(m, dns("v=DKIM1; k=rsa; p=Zm9vYmFy")).reason()).contains("unparsable");
        assertThat(one(m, dns("this is not a key record")).result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(one(m, dns("k=rsa; v=DKIM1; p=" + DkimKeys.publicKeyValue(rsa.getPublic()))).reason()).contains("not first");
        assertThat(one(m, dns("v=DKIM1; k=rsa; k=rsa; p=x")).result()).isEqualTo(DkimResult.PERMERROR);
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        KeyPair small = g.generateKeyPair();
        DkimVerification shortKey = one(signed(MSG, small, DkimSignOptions.defaults()), dns(record(small, "")));
        assertThat(shortKey.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(shortKey.reason()).contains("512 bits");
    }

    @Test
    void dnsFailures() throws Exception {
        RawMessage m = signed(MSG, ed, DkimSignOptions.defaults());
        assertThat(one(m, dns("!TIMEOUT")).result()).isEqualTo(DkimResult.TEMPERROR);
        assertThat(one(m, dns("!SERVFAIL")).result()).isEqualTo(DkimResult.TEMPERROR);
        assertThat(one(m, dns("!NODATA")).result()).isEqualTo(DkimResult.PERMERROR);
        DkimVerification nx = one(m, new MapResolver());
        assertThat(nx.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(nx.reason()).contains("no key");
    }

    @Test
    void malformedSignatures() {
        String ok = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9v";
        MapResolver d = dns(record(rsa, ""));
        record Case(String value, String reason) { }
        List<Case> cases = List.of(
                new Case(ok + "; d=example.org", "duplicate tag d="),
                new Case(ok.replace("b=Zm9v", "b=%%%"), "bad base64 in b="),
                new Case(ok.replace("bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; ", ""), "missing bh= tag"),
                new Case(ok.replace("v=1; ", ""), "missing v= tag"),
                new Case(ok.replace("v=1", "v=2"), "unsupported version"),
                new Case(ok.replace("h=from:to", "h=to:subject"), "From field not signed"),
                new Case(ok + "; i=user@example.org", "i= domain not within"),
                new Case(ok + "; i=user@sub.example.com", null),
                new Case(ok.replace("rsa-sha256", "rsa-sha1"), "rsa-sha1"),
                new Case(ok.replace("rsa-sha256", "hmac-md5"), "unknown algorithm"),
                new Case(ok.replace("example.com", "exa_mple.com"), "bad domain"),
                new Case(ok + "; c=fancy/simple", "unknown canonicalization"),
                new Case(ok + "; l=-5", "bad l="),
                new Case(ok + "; t=200; x=100", "x= is before t="),
                new Case(ok + "; q=http", "query method"),
                new Case("garbage", "tag without '='"),
                new Case("", "missing v="));
        for (Case c : cases) {
            DkimVerification v = one(withSig(c.value), d);
            if (c.reason == null) {
                assertThat(v.result()).as(c.value).isEqualTo(DkimResult.FAIL);   // well-formed, but b= is not a signature
            } else {
                assertThat(v.result()).as(c.value).isEqualTo(DkimResult.PERMERROR);
                assertThat(v.reason()).as(c.value).contains(c.reason);
            }
        }
    }

    @Test
    void hugeHListIsRefusedWithoutDns() {
        String h = "from" + ":x-a".repeat(5000);
        MapResolver d = dns(record(rsa, ""));
        DkimVerification v = one(withSig("v=1; a=rsa-sha256; d=example.com; s=sel; h=" + h
                + "; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9v"), d);
        assertThat(v.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(d.queries.get()).isZero();
    }

    @Test
    void thousandSignaturesAreBounded() throws Exception {
        HeaderField f = sig(MSG, rsa, DkimSignOptions.defaults());
        String one = new String(f.raw(), StandardCharsets.US_ASCII);
        RawMessage m = msg(one.repeat(1000) + MSG, true);
        MapResolver d = dns(record(rsa, ""));
        long t0 = System.nanoTime();
        List<DkimVerification> v = new DkimVerifier(d, at(NOW), 10).verify(m);
        assertThat(v).hasSize(1000);
        assertThat(v.subList(0, 10)).allSatisfy(x -> assertThat(x.result()).isEqualTo(DkimResult.PASS));
        assertThat(v.subList(10, 1000)).allSatisfy(x -> {
            assertThat(x.result()).isEqualTo(DkimResult.POLICY);
            assertThat(x.reason()).contains("secumail_dkim_max_signatures=10");
        });
        assertThat(d.queries.get()).isEqualTo(1);     // one distinct key name, asked once
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void truncatedAndOddMessages() {
        MapResolver d = dns(record(rsa, ""));
        assertThat(verify(msg("From: a@example.com\r\n", true), d)).isEmpty();
        // a signature header and nothing else: header-only message, body empty
        DkimVerification trunc = one(msg("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9v", true), d);
        assertThat(trunc.result()).isEqualTo(DkimResult.FAIL);
        DkimVerification cut = one(msg("DKIM-Signature: v=1; a=rsa-sha256; d=exa", true), d);
        assertThat(cut.result()).isEqualTo(DkimResult.PERMERROR);
        byte[] binary = new byte[4096];
        new java.util.Random(1).nextBytes(binary);
        RawMessage junk = RawMessage.of(binary);
        assertThat(verify(junk, d)).allSatisfy(x -> assertThat(x.result()).isNotEqualTo(DkimResult.PASS));
    }
}
