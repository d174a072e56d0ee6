// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import java.util.List;

/**
 * What a content check knows of the transaction besides the message: the SMTP envelope and
 * client as smtpd saw them, and the results of checks from earlier phases.
 *
 * @param queueId        the queue ID (for log lines: "QID: dkim: ...")
 * @param clientAddress  the client IP address as text
 * @param clientName     the verified client name or "unknown"
 * @param helo           the HELO/EHLO argument, or "" when none
 * @param sender         the MAIL FROM address, "" for the null sender
 * @param recipients     the accepted RCPT TO addresses
 * @param saslUser       the authenticated SASL login name, or null
 * @param trusted        true when the client is in mynetworks or authenticated: mail we
 *                       originate (signed, not verified against DMARC by default)
 * @param spf            the SPF result smtpd already computed for MAIL FROM (check_spf), or
 *                       null when SPF was not evaluated
 * @param earlier        results of the checks of earlier phases, in run order
 */
public record ContentContext(String queueId, String clientAddress, String clientName, String helo,
                             String sender, List<String> recipients, String saslUser, boolean trusted,
                             org.secumail.spf.SpfResult spf, List<ContentResult> earlier) {
    public ContentContext {
        recipients = List.copyOf(recipients);
        earlier = List.copyOf(earlier);
    }

    /** A copy that also carries these results of an earlier phase. */
    public ContentContext withEarlier(List<ContentResult> more) {
        List<ContentResult> all = new java.util.ArrayList<>(earlier);
        all.addAll(more);
        return new ContentContext(queueId, clientAddress, clientName, helo, sender, recipients, saslUser, trusted, spf, all);
    }

    /**
     * smtpd's SPF result, or else the one an "spf" check of an earlier phase computed (for
     * DMARC when check_spf is not in the restrictions), or null.
     */
    @Override
    public org.secumail.spf.SpfResult spf() {
        if (spf != null) return spf;
        ContentResult r = earlier("spf");
        return r != null && r.detail() instanceof org.secumail.spf.SpfResult s ? s : null;
    }

    /** The first earlier result of the named check, or null. */
    public ContentResult earlier(String checkName) {
        for (ContentResult r : earlier) if (r.check().equals(checkName)) return r;
        return null;
    }
}
