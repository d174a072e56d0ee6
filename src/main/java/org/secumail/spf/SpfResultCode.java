// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.util.Locale;

/** The seven results of an SPF check (RFC 7208 section 2.6). */
public enum SpfResultCode {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The result's name as RFC 7208 and Received-SPF headers spell it ("softfail"). */
    public String keyword() { return name().toLowerCase(Locale.ROOT); }

    /** The result a qualifier gives when its mechanism matches (RFC 7208 section 4.6.2). */
    static SpfResultCode ofQualifier(char qualifier) {
        return switch (qualifier) {
            case '+' -> PASS;
            case '-' -> FAIL;
            case '~' -> SOFTFAIL;
            case '?' -> NEUTRAL;
            default -> throw new IllegalArgumentException("not an SPF qualifier: " + qualifier);
        };
    }
}
