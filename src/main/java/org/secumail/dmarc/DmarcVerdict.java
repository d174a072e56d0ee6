// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.ArrayList;
import java.util.List;
import org.secumail.content.AuthResult;

/**
 * The outcome of one DMARC evaluation (RFC 7489 section 6.6).
 *
 * @param result        pass, fail, none, temperror or permerror
 * @param fromDomain    the RFC5322.From domain evaluated ("" when none could be found)
 * @param orgDomain     its organizational domain (section 3.2), or ""
 * @param recordDomain  where the policy record was found (the From domain or, 6.6.3 step 3,
 *                      the organizational domain), or null when none was used
 * @param record        the policy record, or null
 * @param policy        the policy requested for this domain: p=, or sp= for a subdomain whose
 *                      record was found at the organizational domain; NONE without a record
 * @param disposition   what is to be done: the policy for a failing message after pct=
 *                      sampling (6.6.4), NONE for every other result
 * @param sampledOut    true when pct= made the disposition weaker than the policy
 * @param spfAligned    the SPF-authenticated domain was aligned with From (3.1.2) and passed
 * @param dkimAligned   the d= domains of passing signatures aligned with From (3.1.1)
 * @param spfDomain     the domain SPF checked (MAIL FROM or HELO), or ""
 * @param reason        a short explanation for temperror/permerror/none, or ""
 * @param trace         the steps taken, one line each
 */
public record DmarcVerdict(DmarcResult result, String fromDomain, String orgDomain, String recordDomain,
                           DmarcRecord record, DmarcPolicy policy, DmarcPolicy disposition, boolean sampledOut,
                           boolean spfAligned, List<String> dkimAligned, String spfDomain, String reason,
                           List<String> trace) {
    public DmarcVerdict {
        dkimAligned = List.copyOf(dkimAligned);
        trace = List.copyOf(trace);
        if (reason == null) reason = "";
        if (spfDomain == null) spfDomain = "";
    }

    /** The same verdict with a different disposition and an extra trace line (the check's local policy). */
    public DmarcVerdict withDisposition(DmarcPolicy d, String why) {
        List<String> t = new ArrayList<>(trace);
        t.add(why);
        return new DmarcVerdict(result, fromDomain, orgDomain, recordDomain, record, policy, d, sampledOut,
                spfAligned, dkimAligned, spfDomain, reason, t);
    }

    /**
     * The Authentication-Results entry in the form OpenDMARC writes it, e.g.
     * {@code dmarc=fail (p=reject dis=reject) header.from=example.com} (RFC 7489 section 11.2,
     * RFC 8601 section 2.7.x). The parenthesised comment is carried as the first property,
     * since it belongs between the result and header.from.
     */
    public AuthResult toAuthResult() {
        List<String> props = new ArrayList<>();
        if (record != null) props.add("(p=" + policy.keyword() + " dis=" + disposition.keyword() + ")");
        if (!fromDomain.isEmpty()) props.add("header.from=" + fromDomain);
        return new AuthResult("dmarc", result.keyword(), null, props);
    }

    /** One log line: "dmarc=fail (p=reject dis=reject) header.from=example.com". */
    @Override public String toString() {
        return toAuthResult().format() + (reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
