// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * An incoming aggregate report (RFC 7489 appendix C), as read by {@link #parse}: the fields a
 * summary needs. Unknown elements are ignored, as are XML namespaces (DMARCbis reports carry
 * one); missing elements read as "" (or 0).
 *
 * @param orgName  report_metadata/org_name
 * @param email    report_metadata/email
 * @param contact  report_metadata/extra_contact_info
 * @param reportId report_metadata/report_id
 * @param begin    date_range/begin (seconds since the epoch)
 * @param end      date_range/end
 * @param errors   report_metadata/error
 * @param policy   policy_published
 * @param records  the record elements, in order
 */
public record AggregateReport(String orgName, String email, String contact, String reportId, long begin, long end,
                              List<String> errors, Published policy, List<Row> records) {
    public AggregateReport {
        errors = List.copyOf(errors);
        records = List.copyOf(records);
    }

    /** policy_published; values as written, lower case ("" when absent). */
    public record Published(String domain, String adkim, String aspf, String p, String sp, String pct, String fo) { }

    /** One authentication result of auth_results (dkim or spf): domain, selector or scope, result. */
    public record Auth(String domain, String selectorOrScope, String result) { }

    /**
     * One record.
     *
     * @param reasons policy_evaluated/reason/type values
     */
    public record Row(String sourceIp, long count, String disposition, String dkim, String spf, List<String> reasons,
                      String headerFrom, String envelopeFrom, String envelopeTo, List<Auth> dkimResults, List<Auth> spfResults) {
        public Row {
            reasons = List.copyOf(reasons);
            dkimResults = List.copyOf(dkimResults);
            spfResults = List.copyOf(spfResults);
        }
    }

    /** The total of the counts. */
    public long messages() { return records.stream().mapToLong(Row::count).sum(); }

    /**
     * Parses one XML document. DTDs and external entities are refused (the document comes from
     * strangers).
     *
     * @throws IOException when it is not well-formed XML or not a "feedback" document
     */
    public static AggregateReport parse(byte[] xml) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(xml));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("not a well-formed XML report: " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        if (!"feedback".equals(local(root))) throw new IOException("not a DMARC aggregate report (root element " + local(root) + ")");
        Element meta = child(root, "report_metadata");
        Element range = child(meta, "date_range");
        List<String> errors = new ArrayList<>();
        for (Element e : children(meta, "error")) errors.add(e.getTextContent().strip());
        Element pp = child(root, "policy_published");
        Published pub = new Published(text(pp, "domain"), lower(pp, "adkim"), lower(pp, "aspf"), lower(pp, "p"),
                lower(pp, "sp"), text(pp, "pct"), text(pp, "fo"));
        List<Row> rows = new ArrayList<>();
        for (Element rec : children(root, "record")) {
            Element row = child(rec, "row");
            Element pe = child(row, "policy_evaluated");
            List<String> reasons = new ArrayList<>();
            for (Element r : children(pe, "reason")) reasons.add(lower(r, "type"));
            Element ids = child(rec, "identifiers");
            Element ar = child(rec, "auth_results");
            List<Auth> dkim = new ArrayList<>();
            for (Element d : children(ar, "dkim")) dkim.add(new Auth(text(d, "domain"), text(d, "selector"), lower(d, "result")));
            List<Auth> spf = new ArrayList<>();
            for (Element s : children(ar, "spf")) spf.add(new Auth(text(s, "domain"), lower(s, "scope"), lower(s, "result")));
            rows.add(new Row(text(row, "source_ip"), number(text(row, "count")), lower(pe, "disposition"), lower(pe, "dkim"),
                    lower(pe, "spf"), reasons, text(ids, "header_from"), text(ids, "envelope_from"), text(ids, "envelope_to"), dkim, spf));
        }
        return new AggregateReport(text(meta, "org_name"), text(meta, "email"), text(meta, "extra_contact_info"),
                text(meta, "report_id"), number(text(range, "begin")), number(text(range, "end")), errors, pub, rows);
    }

    private static String local(Node n) {
        return n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent == null) return out;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(local(e))) out.add(e);
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> c = children(parent, name);
        return c.isEmpty() ? null : c.get(0);
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? "" : e.getTextContent().strip();
    }

    private static String lower(Element parent, String name) {
        return text(parent, name).toLowerCase(java.util.Locale.ROOT);
    }

    private static long number(String s) {
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
