// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import java.util.Locale;

/** Chain validation status (RFC 8617 section 4.4): none, pass or fail; also the cv= values. */
public enum ArcResult {
    NONE, PASS, FAIL;

    public String keyword() { return name().toLowerCase(Locale.ROOT); }
}
