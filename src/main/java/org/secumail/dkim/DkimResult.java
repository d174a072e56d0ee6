// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.Locale;

/**
 * The result of verifying one DKIM signature, as the "dkim" method results of RFC 8601
 * section 2.7.1: none, pass, fail, neutral, policy, temperror, permerror.
 */
public enum DkimResult {
    NONE, PASS, FAIL, NEUTRAL, POLICY, TEMPERROR, PERMERROR;

    /** The Authentication-Results keyword ("pass", "permerror" ...). */
    public String keyword() { return name().toLowerCase(Locale.ROOT); }
}
