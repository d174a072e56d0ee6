// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 6376 section 3.4 canonicalization and 3.2 tag lists, with the RFC's own examples (3.4.5). */
class DkimCanonicalizationTest {
    private static String body(Canonicalization c, String in, long limit) {
        BodyHasher h = new BodyHasher(c, limit);
        byte[] b = in.getBytes(StandardCharsets.ISO_8859_1);
        h.update(b, 0, b.length);
        return Base64.getEncoder().encodeToString(h.finish());
    }

    private static String sha(String s) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void emptyBodies() {
        // the well-known hashes of "\r\n" (simple, 3.4.3) and of nothing (relaxed, 3.4.4)
        assertThat(body(Canonicalization.SIMPLE, "", -1)).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(body(Canonicalization.RELAXED, "", -1)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(body(Canonicalization.SIMPLE, "\r\n\r\n\r\n", -1)).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(body(Canonicalization.RELAXED, " \r\n\t\r\n", -1)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    @Test
    void rfcExampleBodies() throws Exception {
        // RFC 6376 section 3.4.5
        String in = " C \r\nD \t E\r\n\r\n\r\n";
        assertThat(body(Canonicalization.RELAXED, in, -1)).isEqualTo(sha(" C\r\nD E\r\n"));
        assertThat(body(Canonicalization.SIMPLE, in, -1)).isEqualTo(sha(" C \r\nD \t E\r\n"));
    }

    @Test
    void missingFinalCrlfBareLfAndLimit() throws Exception {
        assertThat(body(Canonicalization.SIMPLE, "abc", -1)).isEqualTo(sha("abc\r\n"));
        assertThat(body(Canonicalization.RELAXED, "abc  ", -1)).isEqualTo(sha("abc\r\n"));
        assertThat(body(Canonicalization.SIMPLE, "a\nb\n\n", -1)).isEqualTo(sha("a\r\nb\r\n"));
        assertThat(body(Canonicalization.SIMPLE, "a\rb\r\n", -1)).isEqualTo(sha("a\rb\r\n"));
        assertThat(body(Canonicalization.SIMPLE, "hello\r\nworld\r\n", 7)).isEqualTo(sha("hello\r\n"));
        assertThat(body(Canonicalization.SIMPLE, "hello\r\n", 0)).isEqualTo(sha(""));
        BodyHasher h = new BodyHasher(Canonicalization.RELAXED, 3);
        h.update("x  y\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, 8);
        h.finish();
        assertThat(h.canonicalLength()).isEqualTo(5);
    }

    @Test
    void rfcExampleHeaders() {
        byte[] a = "A: X\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "B : Y\t\r\n\tZ  \r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(Canonicalization.RELAXED.header(a, true), StandardCharsets.US_ASCII)).isEqualTo("a:X\r\n");
        assertThat(new String(Canonicalization.RELAXED.header(b, true), StandardCharsets.US_ASCII)).isEqualTo("b:Y Z\r\n");
        assertThat(Canonicalization.SIMPLE.header(b, true)).isEqualTo(b);
        // a lone CR is not a line end: relaxed keeps it (found by DkimFuzzTest; dkimpy does the same)
        assertThat(new String(Canonicalization.RELAXED.header("X: a\r\tb\r\n".getBytes(StandardCharsets.US_ASCII), true), StandardCharsets.US_ASCII))
                .isEqualTo("x:a\r b\r\n");
        assertThat(new String(Canonicalization.SIMPLE.header("X: y\n".getBytes(StandardCharsets.US_ASCII), false), StandardCharsets.US_ASCII)).isEqualTo("X: y");
    }

    @Test
    void bValueRemovedButNotBh() {
        String f = "DKIM-Signature: v=1; bh=abc=; b=Zm9v\r\n\tYmFy;\r\n";
        assertThat(new String(SignedHeaders.withoutB(f.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII))
                .isEqualTo("DKIM-Signature: v=1; bh=abc=; b=;\r\n");
        String last = "DKIM-Signature: v=1; bh=abc=;\r\n b=Zm9v\r\n";
        assertThat(new String(SignedHeaders.withoutB(last.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII))
                .isEqualTo("DKIM-Signature: v=1; bh=abc=;\r\n b=\r\n");
    }

    @Test
    void tagLists() throws Exception {
        TagList t = TagList.parse(" v=1;\r\n\ta = rsa-sha256 ; b=ab\r\n cd; ");
        assertThat(t.get("a")).isEqualTo("rsa-sha256");
        assertThat(t.compact("b")).isEqualTo("abcd");
        assertThatThrownBy(() -> TagList.parse("a=1; a=2")).isInstanceOf(DkimException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> TagList.parse("a=1; junk")).isInstanceOf(DkimException.class).hasMessageContaining("without '='");
        assertThatThrownBy(() -> TagList.parse("a=1;; b=2")).isInstanceOf(DkimException.class);
        assertThatThrownBy(() -> TagList.parse("1a=1")).isInstanceOf(DkimException.class).hasMessageContaining("bad tag name");
    }
}
