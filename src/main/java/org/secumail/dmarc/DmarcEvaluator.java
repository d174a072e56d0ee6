// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;
import org.secumail.spf.SpfResultCode;

/**
 * DMARC evaluation of one message (RFC 7489 section 6.6): the From: domain, policy discovery,
 * identifier alignment, the result and the disposition after pct= sampling. Local policy
 * (whether to reject, skipped clients, ignored domains) is the caller's ({@link DmarcCheck}).
 *
 * <p>Thread-safe if the resolver and the random generator are. Never throws for bad input: a
 * garbage record, a DNS timeout or a strange From: field gives a verdict.
 */
public final class DmarcEvaluator {
    private final Resolver dns;
    private final PublicSuffixList psl;
    private final RandomGenerator random;

    /**
     * @param random decides pct= sampling: a failing message gets the policy when
     *               {@code random.nextInt(100) < pct} (tests pass a fixed generator)
     */
    public DmarcEvaluator(Resolver dns, PublicSuffixList psl, RandomGenerator random) {
        this.dns = dns;
        this.psl = psl;
        this.random = random;
    }

    public PublicSuffixList psl() { return psl; }

    /**
     * Evaluates a message.
     *
     * @param spf       the SPF result for the identity SPF checked (null counts as none)
     * @param spfDomain that identity's domain: the MAIL FROM domain, or the HELO name for the null
     *                  sender (RFC 7489 section 3.1.2 and 4.1); null or "" when none
     * @param dkim      the outcomes of the message's DKIM signatures
     */
    public DmarcVerdict evaluate(RawMessage message, SpfResultCode spf, String spfDomain, List<DkimOutcome> dkim) {
        FromDomains from;
        try {
            from = FromDomains.of(message);
        } catch (RuntimeException e) {   // a parser bug must not drop the message: permerror
            from = new FromDomains(List.of(), 0, "unreadable From field: " + e);
        }
        if (from.error() != null) {
            // 6.6.1: a message without a usable From: domain cannot be evaluated
            return new DmarcVerdict(DmarcResult.PERMERROR, "", "", null, null, DmarcPolicy.NONE, DmarcPolicy.NONE,
                    false, false, List.of(), spfDomain, from.error(), List.of("From: " + from.error()));
        }
        List<String> prefix = new ArrayList<>();
        if (from.fields() > 1) prefix.add("From: " + from.fields() + " From fields");
        if (from.domains().size() > 1) {
            prefix.add("From: several domains " + from.domains() + ": each is evaluated, the strictest disposition applies");
        }
        // 6.6.1 leaves several From domains to the receiver; like Mail::DMARC, evaluate them all
        // and keep the verdict with the strictest disposition (a failure over a pass among equals)
        DmarcVerdict worst = null;
        for (String d : from.domains()) {
            DmarcVerdict v = evaluate(d, spf, spfDomain, dkim);
            if (worst == null || stricter(v, worst)) worst = v;
        }
        if (prefix.isEmpty()) return worst;
        List<String> t = new ArrayList<>(prefix);
        t.addAll(worst.trace());
        return new DmarcVerdict(worst.result(), worst.fromDomain(), worst.orgDomain(), worst.recordDomain(), worst.record(),
                worst.policy(), worst.disposition(), worst.sampledOut(), worst.spfAligned(), worst.dkimAligned(),
                worst.spfDomain(), worst.reason(), t);
    }

    private static boolean stricter(DmarcVerdict a, DmarcVerdict b) {
        if (a.disposition() != b.disposition()) return a.disposition().compareTo(b.disposition()) > 0;
        return a.result() == DmarcResult.FAIL && b.result() != DmarcResult.FAIL;
    }

    /** Evaluates one RFC5322.From domain. */
    public DmarcVerdict evaluate(String fromDomain, SpfResultCode spf, String spfDomain, List<DkimOutcome> dkim) {
        List<String> trace = new ArrayList<>();
        String from = normal(fromDomain);
        String org = psl.organizationalDomain(from);
        trace.add("From: domain " + from + ", organizational domain " + org);
        Discovery found = discover(from, org, trace);
        if (found.record == null) {
            return new DmarcVerdict(found.result, from, org, null, null, DmarcPolicy.NONE, DmarcPolicy.NONE, false,
                    false, List.of(), spfDomain, found.reason, trace);
        }
        DmarcRecord rec = found.record;
        boolean atFrom = found.domain.equals(from);
        DmarcPolicy policy = atFrom ? rec.policy() : rec.subdomainPolicyOrP();
        trace.add("policy: " + (atFrom ? "p=" : (rec.subdomainPolicy() != null ? "sp=" : "p= (no sp=)")) + policy.keyword()
                + (rec.pAssumed() ? " (assumed: p= missing or invalid, rua= present)" : "")
                + ", adkim=" + (rec.strictDkim() ? "s" : "r") + ", aspf=" + (rec.strictSpf() ? "s" : "r") + ", pct=" + rec.pct());

        // 3.1.2: only an SPF pass can give an aligned SPF identifier
        boolean spfAligned = false;
        String sd = spfDomain == null ? "" : normal(spfDomain);
        if (spf == SpfResultCode.PASS && !sd.isEmpty()) {
            spfAligned = aligned(sd, from, rec.strictSpf());
            trace.add("SPF: pass for " + sd + ": " + (spfAligned ? "aligned" : "not aligned") + " (" + (rec.strictSpf() ? "strict" : "relaxed") + ")");
        } else {
            trace.add("SPF: " + (spf == null ? "none" : spf.keyword()) + (sd.isEmpty() ? "" : " for " + sd) + ": no aligned pass");
        }
        // 3.1.1: the d= of every passing signature
        List<String> dkimAligned = new ArrayList<>();
        for (DkimOutcome o : dkim == null ? List.<DkimOutcome>of() : dkim) {
            String d = normal(o.domain());
            if (!o.pass()) {
                trace.add("DKIM: d=" + d + " " + o.result() + ": not a pass");
            } else if (aligned(d, from, rec.strictDkim())) {
                dkimAligned.add(d);
                trace.add("DKIM: d=" + d + " pass: aligned (" + (rec.strictDkim() ? "strict" : "relaxed") + ")");
            } else {
                trace.add("DKIM: d=" + d + " pass: not aligned");
            }
        }
        if (dkim == null || dkim.isEmpty()) trace.add("DKIM: no signatures");

        if (spfAligned || !dkimAligned.isEmpty()) {
            trace.add("result: pass");
            return new DmarcVerdict(DmarcResult.PASS, from, org, found.domain, rec, policy, DmarcPolicy.NONE, false,
                    spfAligned, dkimAligned, spfDomain, "", trace);
        }
        // 6.6.4: pct= applies the policy to that share of failing messages, the next weaker to the rest
        DmarcPolicy disposition = policy;
        boolean sampledOut = false;
        if (rec.pct() < 100 && random.nextInt(100) >= rec.pct()) {
            disposition = policy.weaker();
            sampledOut = disposition != policy;
        }
        trace.add("result: fail; disposition " + disposition.keyword() + (sampledOut ? " (sampled out by pct=" + rec.pct() + ")" : ""));
        return new DmarcVerdict(DmarcResult.FAIL, from, org, found.domain, rec, policy, disposition, sampledOut,
                false, List.of(), spfDomain, "", trace);
    }

    /** The outcome of policy discovery: a record and where it was found, or the result without one. */
    private record Discovery(DmarcRecord record, String domain, DmarcResult result, String reason) { }

    /** 6.6.3: _dmarc.FROM, then _dmarc.ORG when FROM has no DMARC record and differs from ORG. */
    private Discovery discover(String from, String org, List<String> trace) {
        Discovery d = lookup(from, trace);
        if (d != null) return d;
        if (!org.equals(from) && !org.isEmpty()) {
            d = lookup(org, trace);
            if (d != null) return d;
        }
        return new Discovery(null, null, DmarcResult.NONE, "no DMARC record");
    }

    /** One _dmarc query; null when there is no DMARC record there (try the next name). */
    private Discovery lookup(String domain, List<String> trace) {
        String name = "_dmarc." + ascii(domain);
        DnsAnswer<String> a;
        try {
            a = dns.txt(name);
        } catch (RuntimeException e) {   // resolvers should not throw; if one does, it is a temporary failure
            trace.add("TXT " + name + " -> " + e);
            return new Discovery(null, null, DmarcResult.TEMPERROR, "DNS failure for " + name);
        }
        if (a.status().temporary()) {
            trace.add("TXT " + name + " -> " + a.status());
            return new Discovery(null, null, DmarcResult.TEMPERROR, "DNS " + a.status() + " for " + name);
        }
        List<String> dmarc = new ArrayList<>();
        for (String txt : a.records()) if (DmarcRecord.isDmarc(txt)) dmarc.add(txt);
        trace.add("TXT " + name + " -> " + a.status() + (a.records().isEmpty() ? "" : " " + quoted(a.records())));
        if (dmarc.isEmpty()) return null;
        if (dmarc.size() > 1) {
            // step 4: several records end discovery; DMARC is not applied
            trace.add("several DMARC records at " + name + ": no policy applied");
            return new Discovery(null, null, DmarcResult.NONE, "multiple DMARC records at " + name);
        }
        DmarcRecord.Parsed p = DmarcRecord.parse(dmarc.get(0));
        if (p.record() == null) {
            trace.add("record at " + name + " unusable: " + p.error() + "; no policy applied");
            return new Discovery(null, null, DmarcResult.PERMERROR, p.error() + " at " + name);
        }
        return new Discovery(p.record(), domain, null, "");
    }

    /** 3.1.1 / 3.1.2: strict means equal names, relaxed equal organizational domains. */
    boolean aligned(String identifier, String from, boolean strict) {
        String a = ascii(identifier), f = ascii(from);
        if (strict) return a.equals(f);
        return ascii(psl.organizationalDomain(a)).equals(ascii(psl.organizationalDomain(f)));
    }

    private static String normal(String d) {
        String s = d == null ? "" : d.strip().toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The A-label form of a name for DNS and comparisons; the name itself if it cannot be converted. */
    static String ascii(String d) {
        try {
            return IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return d;
        }
    }

    private static String quoted(List<String> records) {
        StringBuilder b = new StringBuilder();
        for (String r : records) {
            if (b.length() > 0) b.append(' ');
            String s = r.length() > 200 ? r.substring(0, 200) + "..." : r;
            b.append('"').append(s.replaceAll("[^\\x20-\\x7e]", "?")).append('"');
        }
        return b.toString();
    }
}
