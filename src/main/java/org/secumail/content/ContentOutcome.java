// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;

/**
 * The merged result of every content check of one message: what smtpd does at end of DATA.
 *
 * @param action     the strongest action (reject > tempfail > quarantine > discard > accept)
 * @param decidedBy  the check whose result gave the action, or "" for accept
 * @param code       reply code for REJECT/TEMPFAIL
 * @param enhanced   enhanced status code for REJECT/TEMPFAIL
 * @param text       reply text (REJECT/TEMPFAIL) or reason (QUARANTINE/DISCARD)
 * @param message    the message with its final header section (our Authentication-Results,
 *                   added headers, signatures; forged Authentication-Results removed), or
 *                   null when the header section is unchanged
 * @param results    every check's own result, in configuration order
 */
public record ContentOutcome(ContentResult.Action action, String decidedBy, int code, String enhanced, String text,
                             RawMessage message, List<ContentResult> results) {
    public ContentOutcome {
        results = List.copyOf(results);
    }
}
