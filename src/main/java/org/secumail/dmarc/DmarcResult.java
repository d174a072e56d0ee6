// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.Locale;

/** The result of a DMARC evaluation as Authentication-Results spells it (RFC 7489 section 11.2). */
public enum DmarcResult {
    /** an aligned SPF or DKIM identifier passed */
    PASS,
    /** a policy was found and no aligned identifier passed */
    FAIL,
    /** no policy published (or several records: RFC 7489 section 6.6.3 step 4) */
    NONE,
    /** the policy could not be fetched (DNS SERVFAIL or timeout) */
    TEMPERROR,
    /** the policy record or the From: field is unusable */
    PERMERROR;

    public String keyword() { return name().toLowerCase(Locale.ROOT); }
}
