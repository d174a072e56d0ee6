// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsStatus;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueueStore;
import org.secumail.queue.QueuedMessage;

/** Aggregate reports (RFC 7489 section 7.2): storage, grouping, the message, 7.1 verification, size limits, queueing. */
class DmarcReporterTest {
    @TempDir Path dir;
    private SqliteDmarcStore store;
    private final FakeDns dns = new FakeDns()
            .txt("bank.example._report._dmarc.reports.example", "v=DMARC1");
    private static final Instant DAY = Instant.parse("2026-12-04T00:00:00Z");
    private static final Instant NEXT_DAY = Instant.parse("2026-12-05T09:00:00Z");

    @BeforeEach
    void open() throws Exception {
        store = SqliteDmarcStore.open(dir.resolve("db/dmarc.sqlite"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private DmarcReporter reporter() {
        DmarcSettings d = DmarcSettings.defaults();
        DmarcSettings s = new DmarcSettings(true, DmarcPolicy.REJECT, true, "hold", true, Set.of(), false, "", true,
                d.reportDatabase(), Duration.ofDays(1), "Receiver Org", "dmarc-noreply@rx.example", "https://rx.example/dmarc", "rx.example");
        return new DmarcReporter(store, dns, PublicSuffixList.bundled(), s);
    }

    private static DmarcEvaluation eval(Instant t, String ip, String record, boolean dkimPass, DmarcPolicy dis) {
        return new DmarcEvaluation(t, ip, "bank.example", "bulk.example", "bank.example", DmarcRecord.parse(record).record(),
                dis, dkimPass, false, "", "pass", "bulk.example", "mfrom",
                List.of(new DkimOutcome("bank.example", "sel1", dkimPass ? "pass" : "fail")));
    }

    private static final String RECORD = "v=DMARC1; p=reject; pct=100; rua=mailto:agg@bank.example,mailto:dmarc@reports.example,"
            + "mailto:x@stranger.example,https://bank.example/r";

    @Test
    void oneGzippedReportPerDomainWithRecordsGroupedAndCounted() throws Exception {
        store.record(eval(DAY.plusSeconds(10), "192.0.2.1", RECORD, false, DmarcPolicy.REJECT));
        store.record(eval(DAY.plusSeconds(20), "192.0.2.1", RECORD, false, DmarcPolicy.REJECT));
        store.record(eval(DAY.plusSeconds(30), "198.51.100.2", RECORD, true, DmarcPolicy.NONE));
        store.record(new DmarcEvaluation(DAY.plusSeconds(40), "2001:db8::5", "news.bank.example", "", "bank.example",
                DmarcRecord.parse(RECORD).record(), DmarcPolicy.QUARANTINE, false, false, "sampled_out", "none",
                "mx.sender.example", "helo", List.of()));
        store.record(eval(NEXT_DAY.minusSeconds(60), "192.0.2.1", RECORD, false, DmarcPolicy.REJECT));   // current period: not yet
        List<ReportMessage> due = reporter().due(NEXT_DAY);
        assertThat(due).hasSize(1);
        ReportMessage r = due.get(0);
        assertThat(r.recipients()).containsExactly("agg@bank.example", "dmarc@reports.example");
        assertThat(r.notes()).anyMatch(n -> n.contains("stranger.example") && n.contains("not verified"));
        assertThat(r.notes()).anyMatch(n -> n.contains("not a mailto"));
        assertThat(r.sender()).isEqualTo("dmarc-noreply@rx.example");

        RawMessage m = RawMessage.of(r.message());
        assertThat(m.first("Subject").value()).isEqualTo("Report Domain: bank.example Submitter: rx.example Report-ID: <"
                + r.reportId() + ">");
        assertThat(m.first("Content-Type").value()).startsWith("multipart/mixed");
        String text = new String(r.message(), StandardCharsets.US_ASCII);
        assertThat(text).contains("filename=\"rx.example!bank.example!" + DAY.getEpochSecond() + "!" + (DAY.getEpochSecond() + 86399) + ".xml.gz\"");
        assertThat(text).contains("Content-Type: application/gzip");

        List<byte[]> docs = ReportFiles.xmlDocuments(r.message());
        assertThat(docs).hasSize(1);
        validate(docs.get(0));
        AggregateReport rep = AggregateReport.parse(docs.get(0));
        assertThat(rep.orgName()).isEqualTo("Receiver Org");
        assertThat(rep.email()).isEqualTo("dmarc-noreply@rx.example");
        assertThat(rep.contact()).isEqualTo("https://rx.example/dmarc");
        assertThat(rep.reportId()).isEqualTo(r.reportId());
        assertThat(rep.begin()).isEqualTo(DAY.getEpochSecond());
        assertThat(rep.end()).isEqualTo(DAY.getEpochSecond() + 86399);
        assertThat(rep.policy()).isEqualTo(new AggregateReport.Published("bank.example", "r", "r", "reject", "reject", "100", "0"));
        assertThat(rep.records()).hasSize(3);
        assertThat(rep.messages()).isEqualTo(4);
        AggregateReport.Row sampled = rep.records().get(2);
        assertThat(sampled.sourceIp()).isEqualTo("2001:db8:0:0:0:0:0:5");
        assertThat(sampled.reasons()).containsExactly("sampled_out");
        assertThat(sampled.envelopeFrom()).isEmpty();
        assertThat(sampled.spfResults()).containsExactly(new AggregateReport.Auth("mx.sender.example", "helo", "none"));
        AggregateReport.Row fail = rep.records().get(0);
        assertThat(fail.sourceIp()).isEqualTo("192.0.2.1");
        assertThat(fail.count()).isEqualTo(2);
        assertThat(fail.disposition()).isEqualTo("reject");
        assertThat(fail.dkim()).isEqualTo("fail");
        assertThat(fail.headerFrom()).isEqualTo("bank.example");
        assertThat(fail.envelopeFrom()).isEqualTo("bulk.example");
        assertThat(fail.dkimResults()).containsExactly(new AggregateReport.Auth("bank.example", "sel1", "fail"));
        assertThat(fail.spfResults()).containsExactly(new AggregateReport.Auth("bulk.example", "mfrom", "pass"));
        assertThat(rep.records().get(1).dkim()).isEqualTo("pass");

        reporter().markSent(r);
        assertThat(store.count()).isEqualTo(1);   // the current period's row stays
        assertThat(reporter().due(NEXT_DAY)).isEmpty();
    }

    /** Validates against RFC 7489 appendix C's schema, without its target namespace (see SOURCE.md). */
    static void validate(byte[] xml) throws Exception {
        String xsd = new String(DmarcReporterTest.class.getResourceAsStream("/dmarc/rfc7489-rua-schema.xsd").readAllBytes(),
                StandardCharsets.UTF_8).replaceFirst("targetNamespace=\"[^\"]*\"", "");
        javax.xml.validation.Schema schema = javax.xml.validation.SchemaFactory.newInstance(javax.xml.XMLConstants.W3C_XML_SCHEMA_NS_URI)
                .newSchema(new javax.xml.transform.stream.StreamSource(new java.io.StringReader(xsd)));
        schema.newValidator().validate(new javax.xml.transform.stream.StreamSource(new java.io.ByteArrayInputStream(xml)));
    }

    @Test
    void theSchemaCheckCatchesAMissingElement() throws Exception {
        byte[] noEnvelopeFrom = ("<feedback><version>1.0</version><report_metadata><org_name>o</org_name><email>e</email>"
                + "<report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata>"
                + "<policy_published><domain>d</domain><p>none</p><pct>100</pct><fo>0</fo></policy_published>"
                + "<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition>"
                + "<dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>d</header_from></identifiers>"
                + "<auth_results><spf><domain>d</domain><scope>mfrom</scope><result>none</result></spf></auth_results></record></feedback>")
                .getBytes(StandardCharsets.US_ASCII);
        org.junit.jupiter.api.Assertions.assertThrows(org.xml.sax.SAXException.class, () -> validate(noEnvelopeFrom));
    }

    @Test
    void aSizeLimitTooSmallDropsThatAddress() throws Exception {
        store.record(eval(DAY, "192.0.2.1", "v=DMARC1; p=none; rua=mailto:small@bank.example!200,mailto:big@bank.example!1m", false, DmarcPolicy.NONE));
        ReportMessage r = reporter().due(NEXT_DAY).get(0);
        assertThat(r.recipients()).containsExactly("big@bank.example");
        assertThat(r.notes()).anyMatch(n -> n.contains("exceeds the limit of 200"));
        assertThat(new String(r.message(), StandardCharsets.US_ASCII)).doesNotContain("small@");
    }

    @Test
    void aTemporaryDnsFailureKeepsTheReportForLater() throws Exception {
        dns.fail("bank.example._report._dmarc.slow.example", DnsStatus.TIMEOUT);
        store.record(eval(DAY, "192.0.2.1", "v=DMARC1; p=none; rua=mailto:a@slow.example", false, DmarcPolicy.NONE));
        ReportMessage r = reporter().due(NEXT_DAY).get(0);
        assertThat(r.recipients()).isEmpty();
        assertThat(r.retryLater()).isTrue();
        DmarcReportQueuer q = new DmarcReportQueuer(reporter(), new QueueStore(dir.resolve("queue")), () -> { },
                Clock.fixed(NEXT_DAY, ZoneOffset.UTC));
        assertThat(q.runOnce()).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void theQueuerPutsReportsIntoOurQueueAndForgetsThem() throws Exception {
        store.record(eval(DAY, "192.0.2.1", RECORD, false, DmarcPolicy.REJECT));
        // another policy domain whose rua= destination is not verified (7.1): dropped, not queued
        store.record(new DmarcEvaluation(DAY, "192.0.2.9", "shop.example", "", "shop.example",
                DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:r@nowhere.example").record(), DmarcPolicy.NONE, false, false,
                "", "none", "mx.shop.example", "helo", List.of()));
        QueueStore queue = new QueueStore(dir.resolve("queue"));
        int[] wakes = {0};
        DmarcReportQueuer q = new DmarcReportQueuer(reporter(), queue, () -> wakes[0]++, Clock.fixed(NEXT_DAY, ZoneOffset.UTC));
        List<QueueId> ids = q.runOnce();
        assertThat(ids).hasSize(1);
        assertThat(wakes[0]).isEqualTo(1);
        List<Path> incoming = queue.list(QueueStore.INCOMING);
        assertThat(incoming).hasSize(1);
        QueuedMessage msg = queue.load(incoming.get(0));
        assertThat(msg.envelope().sender()).isEqualTo("dmarc-noreply@rx.example");
        assertThat(msg.envelope().recipients()).contains("agg@bank.example");
        assertThat(msg.envelope().attributes()).containsEntry("protocol", "dmarc-report");
        assertThat(store.count()).isZero();
    }

    @Test
    void storedRowsSurviveAReopen() throws Exception {
        DmarcEvaluation e = eval(DAY, "2001:db8::1", RECORD, true, DmarcPolicy.NONE);
        store.record(e);
        store.close();
        store = SqliteDmarcStore.open(dir.resolve("db/dmarc.sqlite"));
        DmarcEvaluation back = store.rowsBefore("bank.example", NEXT_DAY).get(0).evaluation();
        assertThat(back.sourceIp()).isEqualTo("2001:db8::1");
        assertThat(back.dkim()).isEqualTo(e.dkim());
        assertThat(back.record().rua()).isEqualTo(e.record().rua());
        assertThat(back.time()).isEqualTo(DAY);
        assertThat(Files.exists(dir.resolve("db/dmarc.sqlite"))).isTrue();
    }
}
