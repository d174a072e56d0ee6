// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.BodyHasher;
import org.secumail.dkim.Canonicalization;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimSignOptions;
import org.secumail.dkim.SignedHeaders;
import org.secumail.dkim.Signatures;

/**
 * Adds an ARC set to a message we forward (RFC 8617 section 5.1): ARC-Authentication-Results,
 * ARC-Message-Signature and ARC-Seal for instance N+1. The caller validates the incoming
 * chain first ({@link ArcVerifier}) and passes its result as cv=; with cv=fail the seal covers
 * only the new set (the broken chain is not vouched for, as dkimpy does). The message is not
 * changed: {@link #seal} returns the three fields to prepend, seal first. Thread-safe.
 *
 * <p>Fields are written with tags in alphabetical order and b= on lines of its own, as the
 * ValiMail suite's reference signer writes them, so that its expected signatures are
 * reproduced bit for bit (RSA PKCS#1 v1.5 is deterministic).
 */
public final class ArcSealer {
    private static final int WIDTH = 76;
    private final Clock clock;

    public ArcSealer(Clock clock) { this.clock = clock; }

    /**
     * @param authservId  our authserv-id (RFC 8601 section 2.5), e.g. myhostname
     * @param authResults the results to record, without the authserv-id:
     *                    "arc=pass; spf=pass smtp.mailfrom=...; dkim=pass header.d=..."
     * @param chain       the validation result of the incoming chain (cv=)
     * @param signHeaders AMS h= names, or null for OpenDKIM's list plus DKIM-Signature (those present)
     * @return ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results, in that order (top first);
     *         empty when the newest seal already says cv=fail (the chain ended there)
     * @throws IllegalArgumentException when the chain already has 50 sets, or cv= contradicts the sets present
     */
    public List<HeaderField> seal(RawMessage msg, DkimKey key, String authservId, String authResults, ArcResult chain,
                                  List<String> signHeaders) {
        List<HeaderField> headers = msg.headers();
        int max = 0;
        for (HeaderField f : headers) {
            if (ArcChain.isArc(f)) max = Math.max(max, ArcChain.instanceOf(f, f.is(ArcChain.AAR) ? 0 : f.is(ArcChain.AMS) ? 1 : 2));
        }
        int n = max + 1;
        if (n > ArcChain.MAX_INSTANCES) throw new IllegalArgumentException("the ARC chain already has " + max + " sets (limit 50)");
        if (n == 1 && chain != ArcResult.NONE) throw new IllegalArgumentException("no ARC sets present, so cv must be none");
        if (n > 1 && chain == ArcResult.NONE) throw new IllegalArgumentException("ARC sets present, so cv cannot be none");
        if (max > 0 && newestFailed(headers, max)) return List.of();   // the chain ended with cv=fail: never sealed again
        List<ArcChain.ArcSet> prior = List.of();
        if (chain == ArcResult.PASS) {
            try {
                prior = ArcChain.parse(headers).sets();
            } catch (org.secumail.dkim.DkimException e) {
                throw new IllegalArgumentException("cv=pass for a malformed chain: " + e.getMessage());
            }
        }
        long t = clock.instant().getEpochSecond();
        HeaderField aar = HeaderField.of(ArcChain.AAR, "i=" + n + "; " + authservId + "; " + authResults);

        // AMS: a DKIM signature (relaxed/relaxed) whose header selection also sees the new AAR
        List<HeaderField> withAar = new ArrayList<>(headers.size() + 1);
        withAar.add(aar);
        withAar.addAll(headers);
        List<String> h = signHeaders != null ? signHeaders : defaultHeaders(headers);
        BodyHasher body = new BodyHasher(Canonicalization.RELAXED, -1);
        try (InputStream in = msg.openBody()) {
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) body.update(buf, 0, r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the message body", e);
        }
        List<String> amsTags = List.of("a=" + key.algorithm(), "b=", "bh=" + Base64.getEncoder().encodeToString(body.finish()),
                "c=relaxed/relaxed", "d=" + key.domain(), "h=" + String.join(":", h), "i=" + n, "s=" + key.selector(), "t=" + t);
        String amsDraft = fold(ArcChain.AMS, amsTags);
        byte[] amsData = SignedHeaders.data(withAar, h, Canonicalization.RELAXED, field(ArcChain.AMS, amsDraft), null);
        HeaderField ams = field(ArcChain.AMS, withB(amsDraft, Signatures.sign(key.algorithm(), key.privateKey(), amsData)));

        // AS: over the prior sets (none when the chain failed) and this one (section 5.1.1)
        List<String> asTags = List.of("a=" + key.algorithm(), "b=", "cv=" + chain.keyword(), "d=" + key.domain(), "i=" + n,
                "s=" + key.selector(), "t=" + t);
        String asDraft = fold(ArcChain.AS, asTags);
        List<ArcChain.ArcSet> sets = new ArrayList<>(prior);
        sets.add(new ArcChain.ArcSet(n, aar, ams, field(ArcChain.AS, asDraft)));
        byte[] asData = ArcVerifier.sealData(sets, null);
        HeaderField seal = field(ArcChain.AS, withB(asDraft, Signatures.sign(key.algorithm(), key.privateKey(), asData)));
        return List.of(seal, ams, aar);
    }

    /** Whether an ARC-Seal of the newest instance says cv=fail (RFC 8617 section 5.1.2: such a chain is not sealed further). */
    private static boolean newestFailed(List<HeaderField> headers, int max) {
        for (HeaderField f : headers) {
            if (!f.is(ArcChain.AS) || ArcChain.instanceOf(f, 2) != max) continue;
            try {
                if ("fail".equals(org.secumail.dkim.TagList.parse(f.value()).get("cv"))) return true;
            } catch (org.secumail.dkim.DkimException e) {
                // a malformed seal: the caller's cv decides
            }
        }
        return false;
    }

    /**
     * The results of the Authentication-Results fields with this authserv-id, top first, one
     * per line, for the AAR (the ValiMail suite's "AR consolidation"; dkimpy does the same).
     * Null when there is none.
     */
    public static String authResultsFor(List<HeaderField> headers, String authservId) {
        List<String> results = new ArrayList<>();
        for (HeaderField f : headers) {
            if (!f.is("Authentication-Results")) continue;
            String v = f.value().replaceAll("\\r?\\n", "");
            int semi = v.indexOf(';');
            String id = (semi < 0 ? v : v.substring(0, semi)).strip().split("[ \\t]+")[0];
            if (!id.equalsIgnoreCase(authservId)) continue;
            for (String r : v.substring(semi < 0 ? v.length() : semi + 1).split(";")) if (!r.isBlank()) results.add(r.strip());
        }
        return results.isEmpty() ? null : String.join(";\r\n  ", results);
    }

    private static List<String> defaultHeaders(List<HeaderField> headers) {
        List<String> h = new ArrayList<>();
        for (HeaderField f : headers) {
            String n = f.lowerName();
            if (DkimSignOptions.OPENDKIM_SIGN_HEADERS.contains(n) || n.equals("dkim-signature")) h.add(n);
        }
        return h;
    }

    private static HeaderField field(String name, String text) {
        return new HeaderField(name, (text + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** "Name: tag; tag;" folded at tag boundaries, with "b=" alone on its line (value added later). */
    private static String fold(String name, List<String> tags) {
        StringBuilder sb = new StringBuilder(name).append(':');
        int col = sb.length();
        boolean afterB = false;
        for (int i = 0; i < tags.size(); i++) {
            String t = tags.get(i) + (i < tags.size() - 1 ? ";" : "");
            boolean isB = tags.get(i).equals("b=");
            if (isB || afterB || col + 1 + t.length() > WIDTH) {
                sb.append("\r\n ");
                col = 1;
            } else {
                sb.append(' ');
                col++;
            }
            sb.append(t);
            col += t.length();
            afterB = isB;
        }
        return sb.toString();
    }

    /**
     * The draft with the base64 signature after its "b=", unfolded on its own line (under
     * 700 characters for a 4096-bit key, within RFC 5322's 998). Folds matter here: later
     * seals cover this field with its b= value, and relaxed canonicalization keeps a fold
     * inside the value as one space. The ValiMail suite's reference signer sealed over
     * unfolded b= values (found by checking its expected seals), so we write them that way.
     */
    private static String withB(String draft, byte[] sig) {
        String v = Base64.getEncoder().encodeToString(sig);
        int at = draft.indexOf("\r\n b=") + 5;
        return draft.substring(0, at) + v + draft.substring(at);
    }
}
