// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.ArrayList;
import java.util.List;
import org.secumail.content.AuthResult;

/**
 * The outcome of verifying one DKIM-Signature field.
 *
 * @param result            the result
 * @param domain            d= (lower case), or null when the field could not be parsed that far
 * @param selector          s=, or null
 * @param identity          i= ("@" + d= when absent), or null
 * @param algorithm         a=, or null
 * @param bodyLengthLimited l= was present and the body is longer: the tail is not signed and
 *                          could be anything (RFC 6376 section 8.2)
 * @param testing           the key record has t=y (section 3.6.1): the result is computed as
 *                          usual, but the domain says not to treat it differently from unsigned mail
 * @param reason            why, for anything but a clean pass; null when nothing to say
 * @param signature         the b= value without whitespace (for header.b), or null
 * @param trace             the steps taken: record fetched, hashes compared
 */
public record DkimVerification(DkimResult result, String domain, String selector, String identity, String algorithm,
                               boolean bodyLengthLimited, boolean testing, String reason, String signature,
                               List<String> trace) {
    public DkimVerification {
        trace = List.copyOf(trace);
    }

    /** The resinfo: {@code dkim=pass header.d=example.com header.s=sel header.i=@example.com header.b=AbCdEf12}. */
    public AuthResult toAuthResult() {
        List<String> props = new ArrayList<>();
        if (domain != null) props.add("header.d=" + domain);
        if (selector != null) props.add("header.s=" + selector);
        if (identity != null) props.add("header.i=" + identity);
        // RFC 6008 section 4: the first 8 characters of b= tell signatures apart
        if (signature != null && !signature.isEmpty()) props.add("header.b=" + signature.substring(0, Math.min(8, signature.length())));
        return new AuthResult("dkim", result.keyword(), reason, props);
    }
}
