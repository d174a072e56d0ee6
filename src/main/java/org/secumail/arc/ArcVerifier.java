// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.BodyHasher;
import org.secumail.dkim.Canonicalization;
import org.secumail.dkim.DkimException;
import org.secumail.dkim.DkimKeyRecord;
import org.secumail.dkim.DkimSignature;
import org.secumail.dkim.KeyLookup;
import org.secumail.dkim.SignedHeaders;
import org.secumail.dkim.Signatures;
import org.secumail.dkim.TagList;
import org.secumail.dns.Resolver;

/**
 * Validates the ARC chain of a message (RFC 8617 section 5.2). Thread-safe; never throws:
 * every problem is a fail with a reason. Steps, in the RFC's order:
 * <ol>
 * <li>no ARC header field: none;</li>
 * <li>structure: every instance 1..N (N at most 50) has exactly one AAR, AMS and AS;</li>
 * <li>the newest seal says cv=fail: fail (the chain was already broken);</li>
 * <li>cv= of instance 1 must be none, of every later instance pass;</li>
 * <li>the newest AMS must verify over the message, like a DKIM signature;</li>
 * <li>every seal, newest first, must verify over the ARC sets 1..i (section 5.1.1);</li>
 * <li>older AMSs are verified, newest first, for oldest-pass (only reported).</li>
 * </ol>
 * Key records are DKIM key records (RFC 8617 section 4.1.3 uses RFC 6376's).
 */
public final class ArcVerifier {
    private final Resolver resolver;
    private final Clock clock;

    /** @param clock only for the trace: ARC has no x=, so a seal's t= in the future is noted, never held against it */
    public ArcVerifier(Resolver resolver, Clock clock) {
        this.resolver = resolver;
        this.clock = clock;
    }

    public ArcVerifier(Resolver resolver) { this(resolver, Clock.systemUTC()); }

    public ArcValidation validate(RawMessage msg) {
        List<String> trace = new ArrayList<>();
        List<HeaderField> headers = msg.headers();
        if (!ArcChain.present(headers)) {
            trace.add("no ARC header fields");
            return new ArcValidation(ArcResult.NONE, 0, 0, null, trace);
        }
        ArcChain chain;
        int n = 0;
        try {
            chain = ArcChain.parse(headers);
            n = chain.max();
            trace.add("ARC sets: " + n);
            String newest = chain.cv(n);
            if ("fail".equals(newest)) throw DkimException.perm("ARC-Seal i=" + n + " says cv=fail: the chain was already broken");
            for (int i = 1; i <= n; i++) {
                String cv = chain.cv(i);
                String want = i == 1 ? "none" : "pass";
                if (!want.equals(cv)) throw DkimException.perm("ARC-Seal i=" + i + " has cv=" + cv + ", expected " + want);
            }
            verifyAms(msg, chain.get(n), trace);
            for (int i = n; i >= 1; i--) verifySeal(chain, i, trace);
        } catch (DkimException e) {
            trace.add("result: fail (" + e.getMessage() + ")");
            return new ArcValidation(ArcResult.FAIL, n, 0, e.getMessage(), trace);
        } catch (RuntimeException e) {
            trace.add("result: fail (internal error " + e + ")");
            return new ArcValidation(ArcResult.FAIL, n, 0, "internal error: " + e.getClass().getSimpleName(), trace);
        }
        int oldest = 0;
        for (int i = n - 1; i >= 1; i--) {
            try {
                verifyAms(msg, chain.get(i), trace);
            } catch (DkimException | RuntimeException e) {
                oldest = i + 1;
                break;
            }
        }
        trace.add("result: pass, oldest-pass=" + oldest);
        return new ArcValidation(ArcResult.PASS, n, oldest, null, trace);
    }

    /** The AMS is a DKIM signature with i= the instance (RFC 8617 section 4.1.2). */
    private void verifyAms(RawMessage msg, ArcChain.ArcSet set, List<String> trace) throws DkimException {
        DkimSignature s = DkimSignature.parse(set.ams().value(), true);
        DkimKeyRecord key = key(s.selector(), s.domain(), s.algorithm(), trace);
        byte[] data = SignedHeaders.data(msg.headers(), s.headers(), s.headerCanon(), set.ams(), trace);
        if (!Signatures.verify(s.algorithm(), key.key(), data, s.b())) throw DkimException.perm("ARC-Message-Signature i=" + set.instance() + " did not verify");
        BodyHasher body = new BodyHasher(s.bodyCanon(), s.length());
        try (InputStream in = msg.openBody()) {
            byte[] buf = new byte[16 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) body.update(buf, 0, r);
        } catch (IOException e) {
            throw DkimException.perm("cannot read the body: " + e.getMessage());
        }
        if (!MessageDigest.isEqual(body.finish(), s.bh())) throw DkimException.perm("ARC-Message-Signature i=" + set.instance() + " body hash did not verify");
        trace.add("AMS i=" + set.instance() + " (d=" + s.domain() + " s=" + s.selector() + "): verified");
    }

    /** The seal of instance i over the sets 1..i (RFC 8617 section 5.1.1), relaxed header canonicalization. */
    private void verifySeal(ArcChain chain, int i, List<String> trace) throws DkimException {
        HeaderField seal = chain.get(i).seal();
        TagList t = TagList.parse(seal.value());
        for (String req : new String[] {"i", "a", "b", "cv", "d", "s"}) {
            if (!t.has(req)) throw DkimException.perm("ARC-Seal i=" + i + " lacks " + req + "=");
        }
        if (t.has("h")) throw DkimException.perm("ARC-Seal i=" + i + " has h=, which section 4.1.3 forbids");
        String a = t.get("a");
        if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) throw DkimException.perm("ARC-Seal i=" + i + " has unsupported a=" + TagList.clip(a));
        String cv = t.get("cv");
        if (!cv.equals("none") && !cv.equals("pass") && !cv.equals("fail")) throw DkimException.perm("ARC-Seal i=" + i + " has bad cv=");
        String d = t.get("d");
        String s = t.get("s");
        if (d.isEmpty() || s.isEmpty()) throw DkimException.perm("ARC-Seal i=" + i + " has empty d= or s=");
        if (t.has("t") && !t.get("t").matches("[0-9]{1,18}")) throw DkimException.perm("ARC-Seal i=" + i + " has bad t=");
        byte[] b;
        try {
            b = java.util.Base64.getDecoder().decode(t.compact("b"));
        } catch (IllegalArgumentException e) {
            throw DkimException.perm("ARC-Seal i=" + i + " has bad base64 in b=");
        }
        if (b.length == 0) throw DkimException.perm("ARC-Seal i=" + i + " has empty b=");
        DkimKeyRecord key = key(s, d.toLowerCase(java.util.Locale.ROOT), a, trace);
        if (!Signatures.verify(a, key.key(), sealData(chain.sets().subList(0, i), null), b)) {
            throw DkimException.perm("ARC-Seal i=" + i + " did not verify");
        }
        trace.add("AS i=" + i + " (d=" + d + " s=" + s + ", cv=" + cv + "): verified");
        if (t.has("t") && Long.parseLong(t.get("t")) > clock.instant().getEpochSecond() + org.secumail.dkim.DkimVerifier.SKEW_SECONDS) {
            trace.add("note: ARC-Seal i=" + i + " t=" + t.get("t") + " is in the future");
        }
    }

    /**
     * What a seal signs: for each set in order its AAR, AMS and AS, relaxed, the last seal
     * with b= empty and no final CRLF. {@code ownSeal} replaces the last set's seal when sealing.
     */
    static byte[] sealData(List<ArcChain.ArcSet> sets, HeaderField ownSeal) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Canonicalization c = Canonicalization.RELAXED;
        for (int k = 0; k < sets.size(); k++) {
            ArcChain.ArcSet set = sets.get(k);
            out.writeBytes(c.header(set.aar().raw(), true));
            out.writeBytes(c.header(set.ams().raw(), true));
            boolean last = k == sets.size() - 1;
            HeaderField seal = last && ownSeal != null ? ownSeal : set.seal();
            out.writeBytes(last ? c.header(SignedHeaders.withoutB(seal.raw()), false) : c.header(seal.raw(), true));
        }
        return out.toByteArray();
    }

    private DkimKeyRecord key(String selector, String domain, String algorithm, List<String> trace) throws DkimException {
        DkimKeyRecord key = KeyLookup.fetch(resolver, selector + "._domainkey." + domain, trace);
        key.checkAlgorithm(algorithm);
        return key;
    }
}
