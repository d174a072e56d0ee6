// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check_host() function of RFC 7208 (section 4) for the MAIL FROM and HELO identities.
 * One evaluator is safe for concurrent use: each check keeps its own counters and query log.
 */
public final class SpfEvaluator {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spf");

    /** The explanation of a fail when the record has no usable exp= (section 6.2). */
    public static final String DEFAULT_EXPLANATION = "SPF: sender is not authorized to use this domain";
    /** Section 4.6.4: terms that query DNS (include, a, mx, ptr, exists, redirect). */
    static final int MAX_DNS_TERMS = 10;
    /** Section 4.6.4: lookups answering NXDOMAIN or no records. */
    static final int MAX_VOID_LOOKUPS = 2;
    /** Section 4.6.4: MX names per mx mechanism (more is permerror), PTR names per ptr (more ignored). */
    static final int MAX_NAMES = 10;

    private final Resolver dns;
    private final String receiver;
    private final Clock clock;

    /** An evaluator whose %{r} macro is "unknown" (section 7.3). */
    public SpfEvaluator(Resolver dns) {
        this(dns, "unknown", Clock.systemUTC());
    }

    /**
     * @param receiver this host's name for the explanation macro %{r}
     * @param clock    time source for the explanation macro %{t}
     */
    public SpfEvaluator(Resolver dns, String receiver, Clock clock) {
        this.dns = Objects.requireNonNull(dns);
        this.receiver = Objects.requireNonNull(receiver);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * Checks the MAIL FROM identity. A null (empty) sender is checked as postmaster@helo and a
     * sender without local-part as postmaster@domain (section 2.4, 4.3).
     */
    public SpfResult check(InetAddress ip, String mailFrom, String helo) {
        if (mailFrom == null || mailFrom.isEmpty()) return checkHelo(ip, helo);
        int at = mailFrom.lastIndexOf('@');
        String local = at <= 0 ? "postmaster" : mailFrom.substring(0, at);
        String domain = at < 0 ? mailFrom : mailFrom.substring(at + 1);
        return run(ip, local, domain, helo);
    }

    /** Checks the HELO identity (section 2.3): sender postmaster@helo. */
    public SpfResult checkHelo(InetAddress ip, String helo) {
        String name = helo == null ? "" : helo;
        return run(ip, "postmaster", name, name);
    }

    private SpfResult run(InetAddress ip, String local, String domain, String helo) {
        Check check = new Check(this, dns, unmapped(ip), local, domain, helo == null ? "" : helo);
        SpfResult result;
        if (!SpfLookups.validDomain(domain)) {
            // Section 4.3: a malformed or single-label domain gives none without any query.
            result = new SpfResult(SpfResultCode.NONE, "", "invalid domain", domain, List.of());
        } else {
            try {
                Outcome o = check.checkHost(SpfLookups.stripDot(domain), true);
                result = new SpfResult(o.code(), o.explanation(), o.mechanism(), domain, check.queries);
            } catch (SpfException e) {
                result = new SpfResult(e.code(), "", e.getMessage(), domain, check.queries);
            }
        }
        LOG.debug("spf: ip={} sender={}@{} helo={} result={} ({})", ip.getHostAddress(), local, domain, helo,
                result.code().keyword(), result.mechanism());
        return result;
    }

    /** An IPv4-mapped IPv6 client is an IPv4 client (section 5: ip4 must still match it). */
    private static InetAddress unmapped(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length == 16 && Arrays.equals(Arrays.copyOf(b, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1})) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an address", e);
            }
        }
        return ip;
    }

    /** What check_host() returns for one domain. */
    record Outcome(SpfResultCode code, String mechanism, String explanation) { }

    /** The state of one top-level check: identity, limits and the query log. */
    static final class Check extends SpfLookups {
        private final SpfEvaluator owner;

        Check(SpfEvaluator owner, Resolver dns, InetAddress ip, String local, String domain, String helo) {
            super(dns, ip, local, domain, helo);
            this.owner = owner;
        }

        Outcome checkHost(String domain, boolean wantExplanation) throws SpfException {
            String text = selectRecord(domain);
            if (text == null) return new Outcome(SpfResultCode.NONE, "no SPF record", "");
            SpfRecord record = SpfRecord.parseCached(text);
            for (SpfRecord.Directive d : record.directives()) {
                if (matches(d, domain)) {
                    SpfResultCode code = SpfResultCode.ofQualifier(d.qualifier());
                    String exp = code == SpfResultCode.FAIL && wantExplanation ? explain(record.exp(), domain) : "";
                    return new Outcome(code, d.text(), exp);
                }
            }
            // Section 6.1: redirect applies only when no mechanism matched (so no "all" was seen).
            if (record.redirect() != null) {
                countTerm();
                String target = expandDomain(record.redirect(), domain);
                if (!validDomain(target)) throw SpfException.perm("invalid redirect target: " + target);
                Outcome o = checkHost(target, wantExplanation);
                if (o.code() == SpfResultCode.NONE) throw SpfException.perm("redirect to " + target + " without SPF record");
                return o;
            }
            return new Outcome(SpfResultCode.NEUTRAL, "default", "");
        }

        /** Section 4.5: exactly one "v=spf1" TXT record, else none (zero) or permerror (more). */
        private String selectRecord(String domain) throws SpfException {
            DnsAnswer<String> answer = txt(domain);
            if (answer.status().temporary()) throw SpfException.temp("DNS " + answer.status() + " for TXT " + domain);
            List<String> spf = new ArrayList<>();
            for (String t : answer.records()) if (SpfRecord.isSpf1(t)) spf.add(t);
            if (spf.size() > 1) throw SpfException.perm("more than one SPF record for " + domain);
            return spf.isEmpty() ? null : spf.get(0);
        }

        private boolean matches(SpfRecord.Directive d, String domain) throws SpfException {
            switch (d.name()) {
                case "all" -> { return true; }
                case "ip4", "ip6" -> { return inNetwork(ip, d.network(), d.name().equals("ip4") ? d.cidr4() : d.cidr6()); }
                case "include" -> {
                    countTerm();
                    String target = expandDomain(d.domainSpec(), domain);
                    if (!validDomain(target)) throw SpfException.perm("invalid include target: " + target);
                    // Section 5.2: the included domain's exp= is not used, its result only matches.
                    Outcome o = checkHost(target, false);
                    return switch (o.code()) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case NONE -> throw SpfException.perm("include of " + target + " without SPF record");
                        default -> throw new SpfException(o.code(), "include of " + target);
                    };
                }
                case "a" -> {
                    countTerm();
                    return anyInNetwork(addresses(target(d, domain), true), d);
                }
                case "mx" -> {
                    countTerm();
                    List<MxRecord> mx = mxNames(target(d, domain));
                    for (MxRecord r : mx) {
                        if (r.exchange().isEmpty()) continue; // RFC 7505 null MX
                        if (anyInNetwork(addresses(r.exchange(), false), d)) return true;
                    }
                    return false;
                }
                case "ptr" -> {
                    countTerm();
                    String target = target(d, domain).toLowerCase(Locale.ROOT);
                    for (String name : validatedNames()) {
                        if (name.equals(target) || name.endsWith("." + target)) return true;
                    }
                    return false;
                }
                case "exists" -> {
                    countTerm();
                    // Section 5.7: always an A query, whatever the client's address family.
                    return exists(expandDomain(d.domainSpec(), domain));
                }
                default -> throw new IllegalStateException("parser accepted unknown mechanism " + d.name());
            }
        }

        private String target(SpfRecord.Directive d, String domain) throws SpfException {
            return d.domainSpec() == null ? domain : expandDomain(d.domainSpec(), domain);
        }

        private boolean anyInNetwork(List<InetAddress> addresses, SpfRecord.Directive d) {
            for (InetAddress a : addresses) {
                if (inNetwork(ip, a, a instanceof Inet4Address ? d.cidr4() : d.cidr6())) return true;
            }
            return false;
        }

        /**
         * Section 6.2: the exp= text of the failing record, expanded with c, r and t allowed.
         * Any problem (no name, DNS error, not exactly one TXT, bad macro, non-ASCII) gives the
         * default explanation, never an error result.
         */
        private String explain(String expSpec, String domain) {
            if (expSpec == null) return DEFAULT_EXPLANATION;
            try {
                String target = expandDomain(expSpec, domain);
                DnsAnswer<String> answer = txt(target);
                if (!answer.ok() || answer.records().size() != 1) return DEFAULT_EXPLANATION;
                String text = answer.records().get(0);
                for (int i = 0; i < text.length(); i++) {
                    if (text.charAt(i) < 0x20 || text.charAt(i) > 0x7e) return DEFAULT_EXPLANATION;
                }
                return MacroExpander.expand(text, values(domain), true);
            } catch (SpfException e) {
                return DEFAULT_EXPLANATION;
            }
        }

        @Override
        String receiver() { return owner.receiver; }

        @Override
        long now() { return owner.clock.instant().getEpochSecond(); }
    }
}
