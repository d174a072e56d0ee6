// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes one aggregate report (RFC 7489 section 7.2 and the appendix C schema): the report
 * metadata, the policy published, and one record per distinct (source IP, evaluation,
 * identifiers, authentication results) with its count. Only elements of the RFC 7489 schema
 * are written (the envelope-from domain appears as the SPF domain for scope mfrom).
 */
public final class AggregateReportWriter {
    private AggregateReportWriter() { }

    /**
     * The report's metadata.
     *
     * @param orgName  org_name
     * @param email    email (the report sender)
     * @param contact  extra_contact_info, or "" for none
     * @param reportId report_id
     * @param begin    date_range begin
     * @param end      date_range end (inclusive, as reporters write it)
     */
    public record Metadata(String orgName, String email, String contact, String reportId, Instant begin, Instant end) { }

    /** The key rows are grouped by: everything but the time. */
    private record Key(String sourceIp, String disposition, boolean dkim, boolean spf, String reason, String headerFrom,
                       String spfDomain, String spfScope, String spfResult, List<DkimOutcome> sigs) { }

    /** The XML text, gzip'ed (7.2.1.1: the report is sent compressed with gzip). */
    public static byte[] gzip(Metadata meta, String policyDomain, DmarcRecord policy, List<DmarcEvaluation> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(xml(meta, policyDomain, policy, rows));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);   // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /** The XML text, UTF-8. */
    public static byte[] xml(Metadata meta, String policyDomain, DmarcRecord policy, List<DmarcEvaluation> rows) {
        Map<Key, Integer> counts = new LinkedHashMap<>();
        for (DmarcEvaluation e : rows) {
            Key k = new Key(e.sourceIp(), e.disposition().keyword(), e.dkimAligned(), e.spfAligned(), e.reason(),
                    e.headerFrom(), e.spfDomain(), e.spfScope(), e.spfResult(), e.dkim());
            counts.merge(k, 1, Integer::sum);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("feedback");
            w.writeStartElement("report_metadata");
            text(w, "org_name", meta.orgName());
            text(w, "email", meta.email());
            if (!meta.contact().isEmpty()) text(w, "extra_contact_info", meta.contact());
            text(w, "report_id", meta.reportId());
            w.writeStartElement("date_range");
            text(w, "begin", Long.toString(meta.begin().getEpochSecond()));
            text(w, "end", Long.toString(meta.end().getEpochSecond()));
            w.writeEndElement();
            w.writeEndElement();

            w.writeStartElement("policy_published");
            text(w, "domain", policyDomain);
            text(w, "adkim", policy.strictDkim() ? "s" : "r");
            text(w, "aspf", policy.strictSpf() ? "s" : "r");
            text(w, "p", policy.policy().keyword());
            text(w, "sp", policy.subdomainPolicyOrP().keyword());
            text(w, "pct", Integer.toString(policy.pct()));
            text(w, "fo", policy.fo());
            w.writeEndElement();

            for (Map.Entry<Key, Integer> en : counts.entrySet()) {
                Key k = en.getKey();
                w.writeStartElement("record");
                w.writeStartElement("row");
                text(w, "source_ip", k.sourceIp());
                text(w, "count", Integer.toString(en.getValue()));
                w.writeStartElement("policy_evaluated");
                text(w, "disposition", k.disposition());
                text(w, "dkim", k.dkim() ? "pass" : "fail");
                text(w, "spf", k.spf() ? "pass" : "fail");
                if (!k.reason().isEmpty()) {
                    w.writeStartElement("reason");
                    text(w, "type", k.reason());
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
                w.writeStartElement("identifiers");
                text(w, "header_from", k.headerFrom());
                w.writeEndElement();
                w.writeStartElement("auth_results");
                for (DkimOutcome d : k.sigs()) {
                    w.writeStartElement("dkim");
                    text(w, "domain", d.domain());
                    if (!d.selector().isEmpty()) text(w, "selector", d.selector());
                    text(w, "result", dkimResult(d.result()));
                    w.writeEndElement();
                }
                // the schema wants one spf element (minOccurs 1)
                w.writeStartElement("spf");
                text(w, "domain", k.spfDomain());
                text(w, "scope", k.spfScope());
                text(w, "result", k.spfResult());
                w.writeEndElement();
                w.writeEndElement();
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write a DMARC report: " + e.getMessage(), e);
        }
        // a line after each end tag, for people who read reports with zcat (text content is escaped: no "<" in it)
        return out.toString(StandardCharsets.UTF_8).replaceAll("(</[^>]+>)<", "$1\n<").getBytes(StandardCharsets.UTF_8);
    }

    /** DKIMResultType of appendix C; anything else a verifier says counts as permerror. */
    private static String dkimResult(String r) {
        return switch (r) {
            case "none", "pass", "fail", "policy", "neutral", "temperror", "permerror" -> r;
            default -> "permerror";
        };
    }

    private static void text(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(value == null ? "" : value.replaceAll("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]", "?"));
        w.writeEndElement();
    }
}
