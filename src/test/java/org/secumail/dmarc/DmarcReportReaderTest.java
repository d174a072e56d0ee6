// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Incoming aggregate reports: Stalwart's dmarc-feedback samples (bare XML, and report mails with
 * zip and gzip attachments), each compared field by field with Stalwart's expected parse (.json).
 */
class DmarcReportReaderTest {
    static final List<String> SAMPLES = List.of("001.xml", "002.xml", "003.xml", "004.xml", "005.xml",
            "100.eml", "101.eml", "102.eml", "103.eml", "104.eml");

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DmarcReportReaderTest.class.getResourceAsStream("/dmarc/feedback/" + name)) {
            return in.readAllBytes();
        }
    }

    @TestFactory
    Stream<DynamicTest> everySampleMatchesItsExpectedParse() {
        return SAMPLES.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            List<byte[]> docs = ReportFiles.xmlDocuments(resource(name));
            assertThat(docs).as("XML documents in " + name).hasSize(1);
            AggregateReport r = AggregateReport.parse(docs.get(0));
            String json = new String(resource(name.replaceAll("\\.(xml|eml)$", ".json")), StandardCharsets.UTF_8);
            compare(r, (Map<?, ?>) MiniJson.parse(json));
        }));
    }

    @SuppressWarnings("unchecked")
    private static void compare(AggregateReport r, Map<?, ?> j) {
        Map<?, ?> meta = (Map<?, ?>) j.get("report_metadata");
        assertThat(r.orgName()).isEqualTo(meta.get("org_name"));
        assertThat(r.email()).isEqualTo(meta.get("email"));
        assertThat(r.contact()).isEqualTo(str(meta.get("extra_contact_info")));
        assertThat(r.reportId()).isEqualTo(meta.get("report_id"));
        Map<?, ?> range = (Map<?, ?>) meta.get("date_range");
        assertThat(r.begin()).isEqualTo(((Double) range.get("begin")).longValue());
        assertThat(r.end()).isEqualTo(((Double) range.get("end")).longValue());
        assertThat(r.errors()).isEqualTo(meta.get("error"));
        Map<?, ?> pp = (Map<?, ?>) j.get("policy_published");
        assertThat(r.policy().domain()).isEqualTo(pp.get("domain"));
        assertThat(r.policy().p()).isEqualTo(enumValue(pp.get("p")));
        assertThat(r.policy().adkim()).isEqualTo(alignment(pp.get("adkim")));
        assertThat(r.policy().aspf()).isEqualTo(alignment(pp.get("aspf")));
        assertThat(r.policy().fo()).isEqualTo(str(pp.get("fo")));
        if (!r.policy().sp().isEmpty()) assertThat(r.policy().sp()).isEqualTo(enumValue(pp.get("sp")));
        List<Map<?, ?>> recs = (List<Map<?, ?>>) j.get("record");
        assertThat(r.records()).hasSize(recs.size());
        long total = 0;
        for (int i = 0; i < recs.size(); i++) {
            AggregateReport.Row row = r.records().get(i);
            Map<?, ?> jr = recs.get(i);
            Map<?, ?> jrow = (Map<?, ?>) jr.get("row");
            assertThat(row.sourceIp()).isEqualTo(jrow.get("source_ip"));
            assertThat(row.count()).isEqualTo(((Double) jrow.get("count")).longValue());
            total += row.count();
            Map<?, ?> pe = (Map<?, ?>) jrow.get("policy_evaluated");
            assertThat(row.disposition()).isEqualTo(enumValue(pe.get("disposition")));
            assertThat(row.dkim()).isEqualTo(enumValue(pe.get("dkim")));
            assertThat(row.spf()).isEqualTo(enumValue(pe.get("spf")));
            List<String> reasons = new ArrayList<>();
            for (Object o : (List<?>) pe.get("reason")) reasons.add(snake((String) ((Map<?, ?>) o).get("type_")));
            assertThat(row.reasons().stream().map(DmarcReportReaderTest::bisReason).toList()).isEqualTo(reasons);
            Map<?, ?> ids = (Map<?, ?>) jr.get("identifiers");
            assertThat(row.headerFrom()).isEqualTo(ids.get("header_from"));
            assertThat(row.envelopeFrom()).isEqualTo(str(ids.get("envelope_from")));
            assertThat(row.envelopeTo()).isEqualTo(str(ids.get("envelope_to")));
            Map<?, ?> ar = (Map<?, ?>) jr.get("auth_results");
            List<AggregateReport.Auth> dkim = new ArrayList<>();
            for (Object o : (List<?>) ar.get("dkim")) {
                Map<?, ?> d = (Map<?, ?>) o;
                dkim.add(new AggregateReport.Auth((String) d.get("domain"), str(d.get("selector")), enumValue(d.get("result"))));
            }
            assertThat(row.dkimResults()).isEqualTo(dkim);
            List<AggregateReport.Auth> spf = new ArrayList<>();
            for (Object o : (List<?>) ar.get("spf")) {
                Map<?, ?> s = (Map<?, ?>) o;
                spf.add(new AggregateReport.Auth((String) s.get("domain"), scope(s.get("scope")), enumValue(s.get("result"))));
            }
            assertThat(row.spfResults()).isEqualTo(spf);
        }
        assertThat(r.messages()).isEqualTo(total);
    }

    /**
     * Stalwart parses reasons with DMARCbis's PolicyOverrideType, which dropped RFC 7489's
     * "sampled_out" (pct= is gone there) and reads it as "other"; SecuMail keeps RFC 7489's word.
     */
    private static String bisReason(String rfc7489) {
        return rfc7489.equals("sampled_out") ? "other" : rfc7489;
    }

    private static String str(Object o) { return o == null ? "" : (String) o; }

    /** Stalwart's enum names: "Unspecified" for absent, CamelCase otherwise. */
    private static String enumValue(Object o) {
        String s = str(o);
        return s.equals("Unspecified") ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static String alignment(Object o) {
        return switch (str(o)) { case "Relaxed" -> "r"; case "Strict" -> "s"; default -> ""; };
    }

    private static String scope(Object o) {
        return switch (str(o)) { case "MailFrom" -> "mfrom"; case "Helo" -> "helo"; default -> ""; };
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    @Test
    void hostileXmlIsRefusedNotExpanded() {
        String bomb = "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>";
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> AggregateReport.parse(bomb.getBytes(StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> AggregateReport.parse("<html/>".getBytes(StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> AggregateReport.parse("<feedback>".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aMailWithoutAReportHasNoDocuments() throws IOException {
        byte[] mail = "From: a@example.com\r\nSubject: hi\r\n\r\nPlease find nothing attached.\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(ReportFiles.xmlDocuments(mail)).isEmpty();
        // a truncated gzip stream is an error the command reports, not an empty report
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> ReportFiles.xmlDocuments(new byte[] {0x1f, (byte) 0x8b, 1}));
    }
}
