// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One server reply (RFC 5321 section 4.2): the code and the raw lines ("250-PIPELINING").
 * {@link #dsn()} is the RFC 3463 enhanced status code of the first line when the server
 * gave one whose class matches the reply code (RFC 2034), else x.0.0.
 */
public record Reply(int code, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("^\\d{3}[ -]([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s|$)");

    public Reply {
        lines = List.copyOf(lines);
    }

    public boolean positive() { return code / 100 == 2; }

    public boolean intermediate() { return code / 100 == 3; }

    public boolean transientFailure() { return code / 100 == 4; }

    public boolean permanentFailure() { return code / 100 == 5; }

    /** The enhanced status code, or the class default (2.0.0, 4.0.0, 5.0.0). */
    public String dsn() {
        char cls = (char) ('0' + code / 100);
        if (cls != '2' && cls != '4' && cls != '5') cls = '4';   // 3xx where 2xx was due: treat as soft
        if (!lines.isEmpty()) {
            Matcher m = ENHANCED.matcher(lines.get(0));
            if (m.find() && m.group(1).charAt(0) == cls) return m.group(1) + "." + m.group(2) + "." + m.group(3);
        }
        return cls + ".0.0";
    }

    /** All lines joined by spaces, as Postfix logs a reply ("550-5.7.1 a 550 5.7.1 b"). */
    public String text() { return String.join(" ", lines); }

    /** The text after "ddd " or "ddd-" of each line: the EHLO keywords. */
    public List<String> texts() {
        return lines.stream().map(l -> l.length() > 4 ? l.substring(4) : "").toList();
    }
}
