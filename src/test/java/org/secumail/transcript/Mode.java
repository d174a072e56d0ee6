// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a reply line is compared with a transcript pattern. */
public enum Mode {
    /** The whole line must match the glob: for SecuMail, whose wording we control. */
    STRICT,
    /**
     * Only the 3-digit reply code (RFC 5321 section 4.2) and, when the pattern has one,
     * the RFC 3463 enhanced status code right after it are compared: for Postfix, whose
     * wording may differ from ours in detail. A pattern that does not start with a code
     * (e.g. "*") is compared as a glob, as in STRICT.
     */
    CODES;

    /** Pattern start: a code (digits or '?'), a separator, and maybe an enhanced code. */
    private static final Pattern PATTERN_CODES = Pattern.compile("^([0-9?]{3})(?:$|[ \\-*?](?:([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?=$|[ *?]))?)");
    private static final Pattern LINE_CODES = Pattern.compile("^([0-9]{3})(?:$|[ \\-](?:([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?=$|\\s))?)");

    public boolean matches(String pattern, String line) {
        if (this == STRICT) return Glob.matches(pattern, line);
        Matcher pm = PATTERN_CODES.matcher(pattern);
        if (!pm.find()) return Glob.matches(pattern, line);
        Matcher lm = LINE_CODES.matcher(line);
        if (!lm.find()) return false;
        if (!Glob.matches(pm.group(1), lm.group(1))) return false;
        String enhanced = pm.group(2);
        return enhanced == null || enhanced.equals(lm.group(2));
    }

    /** What this mode compares, for failure messages. */
    public String describe(String pattern) {
        if (this == STRICT) return "whole line";
        Matcher pm = PATTERN_CODES.matcher(pattern);
        if (!pm.find()) return "whole line (pattern has no reply code)";
        return "reply code " + pm.group(1) + (pm.group(2) == null ? "" : ", enhanced status " + pm.group(2));
    }
}
