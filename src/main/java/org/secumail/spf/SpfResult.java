// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.util.List;

/**
 * The outcome of one SPF check.
 *
 * @param code        the result
 * @param explanation for {@link SpfResultCode#FAIL}: the expanded exp= text of the record that
 *                    failed, or {@link SpfEvaluator#DEFAULT_EXPLANATION}; otherwise empty. Its
 *                    characters come from DNS: callers that put it into an SMTP reply must
 *                    still keep it to printable ASCII (it always is: non-ASCII text falls
 *                    back to the default)
 * @param mechanism   the term that decided the result as written in the record ("-all",
 *                    "include:_spf.example.com", "redirect=..."), "default" when no mechanism
 *                    matched, or the reason for NONE/TEMPERROR/PERMERROR
 * @param domain      the domain of the identity checked (the sender's domain, or the HELO
 *                    name for a null sender and for checkHelo)
 * @param queries     every DNS query made, in order, as "TYPE name -> STATUS [records]"
 */
public record SpfResult(SpfResultCode code, String explanation, String mechanism, String domain,
                        List<String> queries) {
    public SpfResult {
        queries = List.copyOf(queries);
    }
}
