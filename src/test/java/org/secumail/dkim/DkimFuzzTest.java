// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.dkim.DkimTestSupport.*;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.secumail.arc.ArcResult;
import org.secumail.arc.ArcSealer;
import org.secumail.arc.ArcValidation;
import org.secumail.arc.ArcVerifier;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * Hostile input by mutation: a DKIM-signed and ARC-sealed message, damaged at random (bytes
 * flipped, inserted, deleted, the message cut short) a thousand times. Verification must
 * always return values, never throw; a damaged signature field never passes.
 */
class DkimFuzzTest {
    @Test
    void mutatedMessagesNeverThrow() throws Exception {
        KeyPair rsa = DkimKeys.generate("rsa", 1024);
        KeyPair ed = DkimKeys.generate("ed25519", 0);
        MapResolver dns = new MapResolver().put("r._domainkey.example.com", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(rsa.getPublic()))
                .put("e._domainkey.example.com", "v=DKIM1; k=ed25519; p=" + DkimKeys.publicKeyValue(ed.getPublic()));
        String text = "From: a@example.com\r\nTo: b@example.net\r\nSubject: fuzz\r\n\r\nline one\r\n\r\nline  two \r\n";
        RawMessage m = msg(text, true);
        DkimSigner signer = new DkimSigner(java.time.Clock.systemUTC());
        HeaderField s1 = signer.sign(m, new DkimKey("example.com", "r", rsa.getPrivate()), DkimSignOptions.defaults().withBodyLength(true));
        HeaderField s2 = signer.sign(m, new DkimKey("example.com", "e", ed.getPrivate()), DkimSignOptions.defaults());
        RawMessage signed = prepend(prepend(m, s1), s2);
        List<HeaderField> arc = new ArcSealer(java.time.Clock.systemUTC()).seal(signed, new DkimKey("example.com", "r", rsa.getPrivate()),
                "mx.example.com", "dkim=pass header.d=example.com", ArcResult.NONE, null);
        for (int i = arc.size() - 1; i >= 0; i--) signed = prepend(signed, arc.get(i));
        byte[] good = signed.openMessage().readAllBytes();
        DkimVerifier verifier = new DkimVerifier(dns, java.time.Clock.systemUTC(), 10);
        ArcVerifier arcVerifier = new ArcVerifier(dns, java.time.Clock.systemUTC());
        assertThat(results(verifier.verify(RawMessage.of(good)))).containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(arcVerifier.validate(RawMessage.of(good)).result()).isEqualTo(ArcResult.PASS);
        Random rnd = new Random(20261205);
        int passes = 0;
        for (int round = 0; round < 1000; round++) {
            byte[] b = mutate(good, rnd);
            RawMessage bad = RawMessage.of(b);
            List<DkimVerification> v = verifier.verify(bad);
            ArcValidation a = arcVerifier.validate(bad);
            assertThat(a.result()).isNotNull();
            for (DkimVerification x : v) {
                assertThat(x.result()).isNotNull();
                assertThat(x.trace()).last().asString().startsWith("result: ");
                assertThat(x.toAuthResult().format()).startsWith("dkim=");
                if (x.result() == DkimResult.PASS) passes++;
            }
            // a signature field whose canonical form changed can never verify
            List<HeaderField> fields = bad.all("DKIM-Signature");
            for (int idx = 0; idx < fields.size() && idx < v.size(); idx++) {
                String canon = canon(fields.get(idx));
                if (!canon.equals(canon(s1)) && !canon.equals(canon(s2))) {
                    assertThat(v.get(idx).result()).as(fields.get(idx).toString()).isNotEqualTo(DkimResult.PASS);
                }
            }
        }
        // most mutations land in unsigned places or in the l=-limited tail only sometimes: some passes are expected
        assertThat(passes).isGreaterThan(0);
    }

    /** What a relaxed signature covers of its own field, plus the b= bytes (whitespace inside b= is ignored, 3.5). */
    static String canon(HeaderField f) {
        String b;
        try {
            b = TagList.parse(f.value()).compact("b");
        } catch (DkimException e) {
            b = "unparsable";
        }
        return new String(Canonicalization.RELAXED.header(SignedHeaders.withoutB(f.raw()), true), StandardCharsets.ISO_8859_1) + "|" + b;
    }

    static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> {
                for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            case 1 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            case 2 -> {
                int at = rnd.nextInt(b.length);
                byte[] ins = ";=:\r\n \tb=h=i=@.-\u0000".getBytes(StandardCharsets.ISO_8859_1);
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = ins[rnd.nextInt(ins.length)];
                System.arraycopy(b, at, out, at + 1, b.length - at);
                b = out;
            }
            default -> {
                int at = rnd.nextInt(b.length);
                byte[] out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
                b = out;
            }
        }
        return b;
    }
}
