// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.time.Instant;
import java.util.List;

/**
 * What an aggregate report needs to know of one evaluated message (RFC 7489 appendix C, the
 * "record" element), stored by {@link DmarcHistory} when the policy asks for reports (rua=).
 *
 * @param time          when the message was evaluated
 * @param sourceIp      the SMTP client address
 * @param headerFrom    the RFC5322.From domain
 * @param envelopeFrom  the RFC5321.MailFrom domain ("" for the null sender)
 * @param policyDomain  where the policy record was found
 * @param record        the policy record (policy_published, rua)
 * @param disposition   the disposition applied, after local policy
 * @param dkimAligned   the DMARC DKIM result: an aligned signature passed
 * @param spfAligned    the DMARC SPF result: the aligned SPF identifier passed
 * @param reason        the PolicyOverrideType when the disposition differs from the policy
 *                      ("sampled_out", "local_policy", "trusted_forwarder"), or ""
 * @param spfResult     the raw SPF result ("pass", "fail", ...)
 * @param spfDomain     the domain SPF checked
 * @param spfScope      "mfrom" or "helo"
 * @param dkim          every DKIM signature's domain, selector and raw result
 */
public record DmarcEvaluation(Instant time, String sourceIp, String headerFrom, String envelopeFrom, String policyDomain,
                              DmarcRecord record, DmarcPolicy disposition, boolean dkimAligned, boolean spfAligned,
                              String reason, String spfResult, String spfDomain, String spfScope, List<DkimOutcome> dkim) {
    public DmarcEvaluation {
        dkim = List.copyOf(dkim);
        if (reason == null) reason = "";
    }
}
