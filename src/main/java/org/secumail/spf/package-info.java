// SPDX-License-Identifier: Apache-2.0
/**
 * Sender Policy Framework checks.
 *
 * <h2>NAME</h2>
 * org.secumail.spf - RFC 7208 SPF evaluator for the MAIL FROM and HELO identities
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * SpfEvaluator spf = new SpfEvaluator(resolver);
 * SpfResult r = spf.check(clientAddress, "user@example.com", heloName);
 * SpfResult h = spf.checkHelo(clientAddress, heloName);
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.spf.SpfEvaluator} is the check_host() function of RFC 7208. It asks
 * DNS only through {@link org.secumail.dns.Resolver} and never throws for DNS or record
 * problems: every outcome is a {@link org.secumail.spf.SpfResult} with
 * <ul>
 * <li>the result, one of {@link org.secumail.spf.SpfResultCode}: none, neutral, pass, fail,
 *     softfail, temperror, permerror;</li>
 * <li>for fail, the explanation: the exp= text expanded, or
 *     {@link org.secumail.spf.SpfEvaluator#DEFAULT_EXPLANATION};</li>
 * <li>the term that decided ("-all", "include:_spf.example.net", "default" when nothing
 *     matched, or the reason for none, temperror and permerror);</li>
 * <li>the domain checked and every DNS query made, in order, as
 *     "TYPE name -&gt; STATUS [records]".</li>
 * </ul>
 * The MAIL FROM identity is the sender's domain; a null sender is checked as
 * postmaster@HELO and a sender without local-part with local-part "postmaster" (RFC 7208
 * 2.4, 4.3). An IPv4-mapped IPv6 client address is checked as IPv4.
 *
 * <h2>WHAT IS FOLLOWED</h2>
 * <dl>
 * <dt>4.3 Initial processing</dt><dd>A malformed domain (empty label, label over 63
 *     characters, a single label, a domain literal) gives none without any query.</dd>
 * <dt>4.4, 4.5 Record lookup and selection</dt><dd>TXT only (type SPF is not asked).
 *     Records starting "v=spf1" followed by a space or the end are SPF records; none of them
 *     gives none, more than one permerror. SERVFAIL or a timeout gives temperror.</dd>
 * <dt>4.6 Record evaluation</dt><dd>The whole record is parsed first; any syntax error
 *     (unknown mechanism, bad CIDR length, bad address, bad macro, a domain-spec without a
 *     valid top label, non-ASCII or control characters, duplicate redirect= or exp=) is
 *     permerror. Mechanisms are tried left to right; the first match decides with its
 *     qualifier (+ pass, - fail, ~ softfail, ? neutral); no match is neutral.</dd>
 * <dt>5 Mechanisms</dt><dd>all, include (pass matches; fail, softfail, neutral do not;
 *     none is permerror), a and mx with dual CIDR lengths ("/24//64"), ptr (validated
 *     names, deprecated but supported), ip4, ip6, exists (always an A query). A DNS
 *     failure while evaluating a, mx, include, exists or redirect gives temperror; a DNS
 *     failure of a PTR query only makes ptr not match.</dd>
 * <dt>6 Modifiers</dt><dd>redirect= when no mechanism matched (its target without a
 *     record is permerror); exp= for a fail of the record that failed, never of an
 *     included one; unknown modifiers are checked for syntax and ignored.</dd>
 * <dt>7 Macros</dt><dd>s l o d i p v h, and c r t in explanation text only; digit and "r"
 *     transformers, the delimiters . - + , / _ =; %% %_ %-; upper-case macros URL-escaped;
 *     an expanded name over 253 characters loses labels from the left.</dd>
 * </dl>
 *
 * <h2>LIMITS (RFC 7208 4.6.4)</h2>
 * <dl>
 * <dt>10 DNS-querying terms</dt><dd>include, a, mx, ptr, exists and redirect across the
 *     whole check, includes and redirects counted; the eleventh is permerror.</dd>
 * <dt>2 void lookups</dt><dd>answers with NXDOMAIN or no records for a, mx, ptr and
 *     exists; the third is permerror.</dd>
 * <dt>10 MX names</dt><dd>per mx mechanism; more is permerror.</dd>
 * <dt>10 PTR names</dt><dd>per ptr mechanism or %{p}; the rest are ignored.</dd>
 * </dl>
 *
 * <h2>CONFORMANCE</h2>
 * All 203 tests of the OpenSPF RFC 7208 suite and all 191 of the RFC 4408 suite pass
 * (SpfConformanceTest, data in src/test/resources/spf/).
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * Used by {@link org.secumail.spf.CheckSpf} (the check_spf restriction):
 * secumail_spf_reject_results (fail: 550 5.7.23), secumail_spf_defer_results (temperror:
 * 451 4.7.24), secumail_spf_helo_reject_results (fail), secumail_spf_helo_defer_results
 * (empty); myhostname is the %{r} receiver and appears in Received-SPF and
 * Authentication-Results. "secumail spf" runs the evaluator from the command line.
 *
 * <h2>NOT BUILT YET</h2>
 * The benchmark against pyspf, and the SPF part of "secumail policyd" (server side).
 *
 * <h2>SEE ALSO</h2>
 * RFC 7208 (SPF), RFC 7505 (null MX: skipped by mx), RFC 5952 (the %{c} form of IPv6),
 * {@link org.secumail.dns}.
 */
package org.secumail.spf;
