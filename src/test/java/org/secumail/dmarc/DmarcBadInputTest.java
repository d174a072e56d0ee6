// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.secumail.spf.SpfResultCode;

/**
 * Property tests over random and hostile input: records, From: fields and reports built from
 * random pieces give a result (or, for report files, an IOException), never another exception.
 */
class DmarcBadInputTest {
    @TempDir Path dir;

    private static final String[] PIECES = {"v=DMARC1", "v=DMARC1;", "p=", "reject", "quarantine", "none", "sp=", "pct=",
            "-1", "101", "99999999999", "rua=", "mailto:", "a@b", "!", "10m", ",", ";", "=", " ", "\t", "adkim=", "s", "\u00e9",
            "\0", "ri=", "fo=", "d:s", "\"", "<", ">", "@", "(", ")", ":", "\\", "example.com", "xn--", ".", "..", "[1.2.3.4]"};

    private static String random(Random r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(PIECES[r.nextInt(PIECES.length)]);
        return b.toString();
    }

    @Test
    void randomRecordsAndFromFieldsNeverThrow() {
        Random r = new Random(7489);
        PublicSuffixList psl = PublicSuffixList.bundled();
        int verdicts = 0;
        for (int i = 0; i < 3000; i++) {
            String rec = random(r, 1 + r.nextInt(12));
            DmarcRecord.Parsed p = DmarcRecord.parse(rec);
            assertThat(p.record() == null).isEqualTo(p.error() != null);
            FakeDns dns = new FakeDns().txt("_dmarc.example.com", rec).txt("_dmarc.example.com", random(r, 3));
            DmarcEvaluator e = new DmarcEvaluator(dns, psl, DmarcEvaluatorTest.fixed(r.nextInt(100)));
            String from = random(r, 1 + r.nextInt(6));
            RawMessage m = RawMessage.of(("From: " + from + "\r\nFrom:" + random(r, 2) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            DmarcVerdict v = e.evaluate(m, SpfResultCode.values()[r.nextInt(7)], random(r, 2), List.of(DkimOutcome.pass(random(r, 2))));
            assertThat(v.result()).isNotNull();
            assertThat(v.toAuthResult().format()).startsWith("dmarc=");
            verdicts++;
            assertThat(psl.organizationalDomain(random(r, 3))).isNotNull();
        }
        assertThat(verdicts).isEqualTo(3000);
    }

    @Test
    void randomReportBytesGiveAnIOExceptionAtWorst() throws Exception {
        Random r = new Random(7);
        byte[] good = DmarcReportReaderTest.resource("101.eml");
        int parsed = 0;
        for (int i = 0; i < 500; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 1 + r.nextInt(20); k++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            try {
                for (byte[] d : ReportFiles.xmlDocuments(b)) {
                    AggregateReport.parse(d);
                    parsed++;
                }
            } catch (IOException expected) {
                // a damaged report is reported as such
            }
        }
        assertThat(parsed).isGreaterThan(0);   // some damage misses the attachment: those still parse
    }

    @Test
    void theCheckFromMainCfAnswersGarbage() throws Exception {
        MainConfig cfg = MainConfig.fromText("mydomain = rx.example\ndata_directory = " + dir + "\n", "main.cf", dir);
        DmarcSettings settings = DmarcSettings.fromConfig(cfg);
        FakeDns dns = new FakeDns().txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:a@example.com");
        try (SqliteDmarcStore store = SqliteDmarcStore.open(settings.reportDatabase())) {
            DmarcCheck check = new DmarcCheck(settings, new DmarcEvaluator(dns, PublicSuffixList.fromSetting(settings.pslFile()),
                    java.util.concurrent.ThreadLocalRandom.current()), ctx -> List.of(), store, Clock.systemUTC());
            ContentContext ctx = new ContentContext("Q", "192.0.2.1", "unknown", "h.example", "", List.of("a@rx.example"), null, false, null, List.of());
            assertThat(check.appliesTo(ctx)).isTrue();   // secumail_dmarc_enable defaults to yes
            ContentResult res = check.check(ctx, RawMessage.of("From: <a@example.com>\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(res.action()).isEqualTo(ContentResult.Action.REJECT);
            assertThat(store.count()).isEqualTo(1);
            for (String from : List.of("(((", "<@>", "\"", "a@b@", ",,,", "x@[", "=?utf-8?q?\u00ff?= <>")) {
                ContentResult odd = check.check(ctx, RawMessage.of(("From: " + from + "\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
                assertThat(odd.action()).as(from).isEqualTo(ContentResult.Action.ACCEPT);
                assertThat(odd.authResults().get(0).format()).as(from).isEqualTo("dmarc=permerror");
            }
        }
        assertThat(dir.resolve("dmarc.sqlite")).exists();
    }
}
