// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.util.Locale;

/**
 * A DMARC policy (the p= and sp= values, RFC 7489 section 6.3) and, in the same words, the
 * disposition applied to a message (appendix C, DispositionType), in order of strictness.
 */
public enum DmarcPolicy {
    NONE, QUARANTINE, REJECT;

    /** The word as records and reports write it: "none", "quarantine", "reject". */
    public String keyword() { return name().toLowerCase(Locale.ROOT); }

    /** The tag value (case-insensitive), or null when it is none of the three. */
    public static DmarcPolicy parse(String value) {
        if (value == null) return null;
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "quarantine" -> QUARANTINE;
            case "reject" -> REJECT;
            default -> null;
        };
    }

    /**
     * The next less strict policy, applied to the messages that pct= samples out (RFC 7489
     * section 6.6.4: reject becomes quarantine, quarantine becomes none).
     */
    public DmarcPolicy weaker() {
        return switch (this) {
            case REJECT -> QUARANTINE;
            case QUARANTINE, NONE -> NONE;
        };
    }
}
