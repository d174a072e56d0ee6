// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * Signs a message (RFC 6376 section 5): one call gives one DKIM-Signature field, to be
 * prepended by the caller. The message is not changed, so signing twice (rsa and ed25519,
 * RFC 8463 section 4) gives two signatures over the same fields, neither covering the other.
 * Thread-safe.
 *
 * <p>The field is written as OpenDKIM writes it: "v=1; a=; c=; d=; s=; t=; bh=; h=; b=",
 * folded with CRLF TAB before ~76 columns, b= last.
 */
public final class DkimSigner {
    static final int WIDTH = 76;
    private final Clock clock;

    public DkimSigner(Clock clock) { this.clock = clock; }

    /** @throws IllegalArgumentException when the message has no From field (section 5.4: From must be signed) */
    public HeaderField sign(RawMessage msg, DkimKey key, DkimSignOptions opt) {
        if (msg.first("From") == null) throw new IllegalArgumentException("cannot DKIM-sign a message without a From: header field (RFC 6376 section 5.4)");
        BodyHasher body = new BodyHasher(opt.bodyCanon(), -1);
        try (InputStream in = msg.openBody()) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) body.update(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the message body", e);
        }
        byte[] bh = body.finish();
        List<String> h = headerList(msg.headers(), opt);
        List<String> tags = new ArrayList<>();
        tags.add("v=1");
        tags.add("a=" + key.algorithm());
        tags.add("c=" + opt.headerCanon().keyword() + "/" + opt.bodyCanon().keyword());
        tags.add("d=" + key.domain());
        tags.add("s=" + key.selector());
        if (opt.identity() != null) tags.add("i=" + opt.identity());
        long now = clock.instant().getEpochSecond();
        if (opt.timestamp()) tags.add("t=" + now);
        if (opt.expiry() != null) tags.add("x=" + (now + opt.expiry().toSeconds()));
        if (opt.bodyLength()) tags.add("l=" + body.canonicalLength());
        tags.add("bh=" + Base64.getEncoder().encodeToString(bh));
        tags.add("h=" + String.join(":", h));
        return signField("DKIM-Signature", tags, key, msg.headers(), h, opt.headerCanon());
    }

    /**
     * Folds the tags, signs the field with an empty b= over the selected headers, and
     * appends the folded b= value. Shared with ARC (AMS and AS).
     */
    public static HeaderField signField(String name, List<String> tags, DkimKey key, List<HeaderField> headers,
                                        List<String> h, Canonicalization canon) {
        StringBuilder sb = new StringBuilder(name).append(':');
        int col = sb.length();
        List<String> all = new ArrayList<>(tags);
        all.add("b=");
        for (int i = 0; i < all.size(); i++) {
            String t = all.get(i) + (i < all.size() - 1 ? ";" : "");
            for (String piece : pieces(t)) {
                if (col + 1 + piece.length() > WIDTH) {
                    sb.append("\r\n\t");
                    col = 8;
                } else if (!piece.startsWith(":")) {
                    sb.append(' ');
                    col++;
                }
                sb.append(piece);
                col += piece.length();
            }
        }
        String unsigned = sb.toString();
        HeaderField draft = new HeaderField(name, (unsigned + "\r\n").getBytes(StandardCharsets.UTF_8));
        // the same bytes a verifier hashes: the selected fields, then this field with b= empty (3.7)
        byte[] data = SignedHeaders.data(headers, h, canon, draft, null);
        String b = Base64.getEncoder().encodeToString(Signatures.sign(key.algorithm(), key.privateKey(), data));
        StringBuilder out = new StringBuilder(unsigned);
        // the b= value continues the last line, then goes on in full lines (whitespace inside b= is ignored, 3.5)
        int pos = 0;
        int room = Math.max(WIDTH - col, 8);
        while (pos < b.length()) {
            int end = Math.min(b.length(), pos + room);
            if (pos > 0) out.append("\r\n\t ");
            out.append(b, pos, end);
            pos = end;
            room = WIDTH - 9;
        }
        return new HeaderField(name, (out + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A tag split where it may be folded: h= at its colons, long base64 values in chunks. */
    private static List<String> pieces(String tag) {
        List<String> out = new ArrayList<>();
        if (tag.startsWith("h=")) {
            String[] names = tag.split(":");
            out.add(names[0]);
            for (int i = 1; i < names.length; i++) out.add(":" + names[i]);
            return out;
        }
        if (tag.length() > WIDTH - 9 && (tag.startsWith("bh=") || tag.startsWith("b="))) {
            for (int i = 0; i < tag.length(); i += WIDTH - 9) out.add(tag.substring(i, Math.min(tag.length(), i + WIDTH - 9)));
            return out;
        }
        out.add(tag);
        return out;
    }

    /** h=: every present field named in the sign list, in message order; then the oversigned names once more. */
    static List<String> headerList(List<HeaderField> headers, DkimSignOptions opt) {
        List<String> h = new ArrayList<>();
        for (HeaderField f : headers) {
            String n = f.lowerName();
            if (opt.signHeaders().contains(n) || opt.oversign().contains(n)) h.add(n);
        }
        if (!h.contains("from")) h.add(0, "from");
        for (String n : opt.oversign()) h.add(n.toLowerCase(Locale.ROOT));
        return h;
    }
}
