// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One aggregate report ready for the queue: the envelope and the whole message (RFC 7489
 * section 7.2.1.1), or, with no recipients, a report that goes nowhere and why.
 *
 * @param policyDomain the domain the report is about
 * @param reportId     report_id, also in the Subject: and the file name
 * @param end          the end of the period covered (exclusive); {@link DmarcReporter#markSent}
 *                     forgets the evaluations before it
 * @param sender       the envelope sender (secumail_dmarc_report_sender)
 * @param recipients   the rua= mailboxes that passed verification and the size limits
 * @param message      the message, CRLF line ends, or an empty array without recipients
 * @param notes        why rua= addresses were left out, one line each
 * @param retryLater   true when an address was left out for a temporary DNS failure and no
 *                     address remains: keep the evaluations and try again at the next run
 */
public record ReportMessage(String policyDomain, String reportId, Instant end, String sender, List<String> recipients,
                            byte[] message, List<String> notes, boolean retryLater) {
    public ReportMessage {
        recipients = List.copyOf(recipients);
        notes = List.copyOf(notes);
    }

    /** The file name of 7.2.1.1: receiver "!" policy-domain "!" begin "!" end ".xml.gz". */
    public static String fileName(String receiver, String policyDomain, Instant begin, Instant endInclusive) {
        return receiver + "!" + policyDomain + "!" + begin.getEpochSecond() + "!" + endInclusive.getEpochSecond() + ".xml.gz";
    }

    /**
     * The message of 7.2.1.1: Subject "Report Domain: D Submitter: S Report-ID: &lt;ID&gt;",
     * multipart/mixed with a short text part and the gzip'ed report as an application/gzip
     * attachment, base64 in lines of 76.
     */
    public static byte[] build(String from, List<String> to, String policyDomain, String submitter, String reportId,
                               String fileName, byte[] gz, Instant now) {
        String boundary = "=_dmarc_" + Long.toHexString(now.toEpochMilli()) + "_" + Integer.toHexString(reportId.hashCode());
        String date = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).format(now.atZone(ZoneOffset.UTC));
        StringBuilder m = new StringBuilder();
        m.append("From: ").append(from).append("\r\n");
        m.append("To: ").append(String.join(",\r\n ", to)).append("\r\n");
        m.append("Date: ").append(date).append("\r\n");
        m.append("Subject: Report Domain: ").append(policyDomain).append(" Submitter: ").append(submitter)
                .append(" Report-ID: <").append(reportId).append(">\r\n");
        m.append("Message-ID: <").append(reportId.replace("@", ".")).append('.').append(now.getEpochSecond())
                .append("@").append(submitter).append(">\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n");
        m.append("\r\n");
        m.append("This is a DMARC aggregate report (RFC 7489) in MIME format.\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.append("This is an aggregate report from ").append(submitter).append(" about mail claiming to be from\r\n")
                .append(policyDomain).append(", as its DMARC record asks (rua=).\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: application/gzip; name=\"").append(fileName).append("\"\r\n");
        m.append("Content-Transfer-Encoding: base64\r\n");
        m.append("Content-Disposition: attachment; filename=\"").append(fileName).append("\"\r\n\r\n");
        String b64 = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(gz);
        m.append(b64).append("\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
