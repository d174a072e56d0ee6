// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.Locale;

/**
 * What DMARC needs of one verified DKIM signature (RFC 7489 section 3.1.1 and appendix C
 * DKIMAuthResultType): the signing domain d=, the selector s=, and the verifier's result
 * ("pass", "fail", "neutral", "policy", "temperror", "permerror", "none"). Only "pass" counts
 * for alignment. This keeps the dmarc package independent of the DKIM verifier: the caller
 * translates its own results into these.
 *
 * @param domain   the d= tag, as signed
 * @param selector the s= tag, or "" when not known
 * @param result   the result keyword, lower case
 */
public record DkimOutcome(String domain, String selector, String result) {
    public DkimOutcome {
        domain = domain == null ? "" : domain.strip();
        selector = selector == null ? "" : selector;
        result = result == null ? "none" : result.strip().toLowerCase(Locale.ROOT);
    }

    /** A passing signature of this domain (tests, --dkim-pass). */
    public static DkimOutcome pass(String domain) { return new DkimOutcome(domain, "", "pass"); }

    public boolean pass() { return result.equals("pass"); }
}
