// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;

/**
 * Verifies every DKIM-Signature of a message (RFC 6376 section 6). Create once and share:
 * instances are thread-safe. {@link #verify} never throws: malformed signatures, bad keys,
 * DNS failures and unreadable bodies all become {@link DkimVerification} values.
 *
 * <p>Order of work: every signature is parsed first (no DNS for a malformed one); the key
 * records of the first {@code maxSignatures} valid-looking signatures are fetched in
 * parallel on virtual threads while the body is read once, feeding one body hasher per
 * distinct (canonicalization, l=) pair; then each signature is checked.
 */
public final class DkimVerifier {
    /** Default of secumail_dkim_max_signatures. */
    public static final int DEFAULT_MAX_SIGNATURES = 10;
    /** Clock skew allowed for t= in the future and x= in the past (section 3.5 says verifiers MAY allow some). */
    public static final long SKEW_SECONDS = 300;

    private final Resolver resolver;
    private final Clock clock;
    private final int maxSignatures;

    /** @param maxSignatures secumail_dkim_max_signatures: signatures beyond it get "policy" without DNS work */
    public DkimVerifier(Resolver resolver, Clock clock, int maxSignatures) {
        this.resolver = resolver;
        this.clock = clock;
        this.maxSignatures = maxSignatures;
    }

    public List<DkimVerification> verify(RawMessage msg) {
        List<HeaderField> fields = msg.all("DKIM-Signature");
        List<DkimVerification> out = new ArrayList<>(fields.size());
        List<Check> checks = new ArrayList<>();
        long now = clock.instant().getEpochSecond();
        for (int n = 0; n < fields.size(); n++) {
            HeaderField f = fields.get(n);
            Check c = new Check(n + 1, f);
            checks.add(c);
            c.trace.add("signature " + c.number + ": " + TagList.clip(f.value()));
            if (n >= maxSignatures) {
                c.done(DkimResult.POLICY, "too many signatures (secumail_dkim_max_signatures=" + maxSignatures + ")");
                continue;
            }
            try {
                c.sig = DkimSignature.parse(f.value());
                DkimSignature s = c.sig;
                c.trace.add("d=" + s.domain() + " s=" + s.selector() + " a=" + s.algorithm() + " c=" + s.headerCanon().keyword()
                        + "/" + s.bodyCanon().keyword() + (s.length() >= 0 ? " l=" + s.length() : "") + " h=" + String.join(":", s.headers()));
                if (s.expires() >= 0 && s.expires() + SKEW_SECONDS < now) throw new DkimException(DkimResult.FAIL, "signature expired");
                // 3.5 t=: verifiers MAY ignore signatures dated in the future; like dkimpy and Stalwart we only note it
                if (s.timestamp() > now + SKEW_SECONDS) c.trace.add("note: t=" + s.timestamp() + " is in the future");
            } catch (DkimException e) {
                c.done(e.result(), e.getMessage());
            }
        }
        Map<String, Future<DnsAnswer<String>>> lookups = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Check c : checks) {
                if (c.result != null) continue;
                String name = c.sig.selector() + "._domainkey." + c.sig.domain();
                lookups.computeIfAbsent(name, k -> pool.submit(() -> resolver.txt(k)));
            }
            Map<String, byte[]> bodyHashes = new HashMap<>();
            Map<String, Long> bodyLengths = new HashMap<>();
            String bodyError = hashBodies(msg, checks, bodyHashes, bodyLengths);
            for (Check c : checks) {
                if (c.result != null) continue;
                try {
                    check(c, msg, lookups, bodyHashes, bodyLengths, bodyError);
                } catch (DkimException e) {
                    c.done(e.result(), e.getMessage());
                } catch (RuntimeException e) {
                    c.done(DkimResult.PERMERROR, "internal error: " + e.getClass().getSimpleName());
                }
            }
        }
        for (Check c : checks) out.add(c.toVerification());
        return out;
    }

    private static String bodyKey(DkimSignature s) { return s.bodyCanon() + "/" + s.length(); }

    /** One pass over the body for every (canonicalization, l=) needed; null or an error text. */
    private static String hashBodies(RawMessage msg, List<Check> checks, Map<String, byte[]> hashes, Map<String, Long> lengths) {
        Map<String, BodyHasher> hashers = new LinkedHashMap<>();
        for (Check c : checks) {
            if (c.result == null) hashers.computeIfAbsent(bodyKey(c.sig), k -> new BodyHasher(c.sig.bodyCanon(), c.sig.length()));
        }
        if (hashers.isEmpty()) return null;
        try (InputStream in = msg.openBody()) {
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) for (BodyHasher h : hashers.values()) h.update(buf, 0, n);
        } catch (IOException e) {
            return "cannot read the message body: " + e.getMessage();
        }
        hashers.forEach((k, h) -> {
            hashes.put(k, h.finish());
            lengths.put(k, h.canonicalLength());
        });
        return null;
    }

    private void check(Check c, RawMessage msg, Map<String, Future<DnsAnswer<String>>> lookups,
                       Map<String, byte[]> bodyHashes, Map<String, Long> bodyLengths, String bodyError) throws DkimException {
        DkimSignature s = c.sig;
        String name = s.selector() + "._domainkey." + s.domain();
        DkimKeyRecord key = KeyLookup.fetch(name, lookups.get(name), c.trace);
        c.testing = key.testing();
        key.checkAlgorithm(s.algorithm());
        if (key.strict()) {
            // t=s: the i= domain must be d= itself, no subdomain (3.6.1)
            String idom = s.identity().substring(s.identity().lastIndexOf('@') + 1);
            if (!idom.equalsIgnoreCase(s.domain())) throw DkimException.perm("key has t=s but i= is a subdomain of d=");
        }
        if (bodyError != null) throw new DkimException(DkimResult.TEMPERROR, bodyError);
        byte[] data = SignedHeaders.data(msg.headers(), s.headers(), s.headerCanon(), c.field, c.trace);
        boolean ok = Signatures.verify(s.algorithm(), key.key(), data, s.b());
        c.trace.add("header signature (" + s.algorithm() + ", " + key.bits() + "-bit key): " + (ok ? "verified" : "did not verify"));
        if (!ok) throw new DkimException(DkimResult.FAIL, "signature did not verify");
        byte[] bh = bodyHashes.get(bodyKey(s));
        long len = bodyLengths.get(bodyKey(s));
        boolean match = MessageDigest.isEqual(bh, s.bh());
        c.trace.add("body hash (" + s.bodyCanon().keyword() + ", " + len + " canonical bytes" + (s.length() >= 0 ? ", l=" + s.length() : "")
                + "): computed " + Base64.getEncoder().encodeToString(bh) + (match ? " = " : " != ") + "bh=" + s.tags().compact("bh"));
        if (!match) throw new DkimException(DkimResult.FAIL, "body hash did not verify");
        if (s.length() >= 0 && len > s.length()) {
            c.limited = true;
            c.trace.add("body longer than l=" + s.length() + ": " + (len - s.length()) + " unsigned canonical bytes at the end");
        }
        c.done(DkimResult.PASS, null);
    }

    /** Working state for one signature. */
    private static final class Check {
        final int number;
        final HeaderField field;
        final List<String> trace = new ArrayList<>();
        DkimSignature sig;
        DkimResult result;
        String reason;
        boolean testing, limited;

        Check(int number, HeaderField field) { this.number = number; this.field = field; }

        void done(DkimResult r, String why) {
            result = r;
            reason = why;
            trace.add("result: " + r.keyword() + (why == null ? "" : " (" + why + ")"));
        }

        DkimVerification toVerification() {
            String why = reason;
            if (result == DkimResult.PASS && limited) why = "body length limited by l=; unsigned content follows";
            if (result == DkimResult.PASS && testing) why = why == null ? "key in testing mode (t=y)" : why + "; key in testing mode (t=y)";
            return sig == null
                    ? new DkimVerification(result, null, null, null, null, false, false, why, null, trace)
                    : new DkimVerification(result, sig.domain(), sig.selector(), sig.identity(), sig.algorithm(), limited, testing,
                            why, sig.bText(), trace);
        }
    }
}
