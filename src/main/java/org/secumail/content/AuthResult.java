// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;

/**
 * One "resinfo" of an Authentication-Results header (RFC 8601 section 2.2): a method, its
 * result, an optional reason and the properties, e.g.
 * {@code dkim=pass header.d=example.com header.s=sel header.b=AbCdEf12}.
 *
 * @param method     "spf", "dkim", "dmarc", "arc" ... (RFC 8601 section 2.7)
 * @param result     the result keyword ("pass", "fail", "temperror" ...)
 * @param reason     a short free-text reason, or null; quoted when written
 * @param properties ptype.property=value items in order, already formatted ("header.d=example.com")
 */
public record AuthResult(String method, String result, String reason, List<String> properties) {
    public AuthResult {
        properties = List.copyOf(properties);
    }

    /** The resinfo text as it appears after "; " in the header. */
    public String format() {
        StringBuilder sb = new StringBuilder(method).append('=').append(result);
        if (reason != null && !reason.isEmpty()) {
            sb.append(" reason=\"").append(reason.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        for (String p : properties) sb.append(' ').append(p);
        return sb.toString();
    }
}
