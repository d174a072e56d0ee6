// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.cli.SecumailCommand;
import org.secumail.dns.TestDnsServer;
import picocli.CommandLine;

/** "secumail dmarc report" and "secumail dmarc check", with DNS from a loopback test server. */
class DmarcCommandTest {
    @TempDir Path dir;

    private static String run(int expectedRc, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isEqualTo(expectedRc);
        return out.toString();
    }

    private Path copy(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, DmarcReportReaderTest.resource(name));
        return p;
    }

    @Test
    void reportSummarisesXmlAndMails() throws Exception {
        String out = run(0, "dmarc", "report", copy("001.xml").toString(), copy("100.eml").toString());
        assertThat(out).contains("report 3v98abbp8ya9n3va8yr8oa3ya from Sample Reporter <report_sender@example-reporter.com>");
        assertThat(out).contains("policy: example.com p=quarantine sp=none adkim=- aspf=- pct=-");
        assertThat(out).contains("messages: 123 (dmarc pass 123, fail 0; aligned dkim pass 123, aligned spf pass 0)");
        assertThat(out).containsPattern("192\\.168\\.4\\.4 +123  quarantine +pass +fail +example\\.com");
        assertThat(out).contains("100.eml: report ").contains("from google.com");
    }

    @Test
    void pendingListsStoredEvaluations() throws Exception {
        Files.writeString(dir.resolve("main.cf"), "data_directory = " + dir + "\n");
        assertThat(run(0, "dmarc", "pending", "-c", dir.toString())).contains("no report database");
        try (SqliteDmarcStore store = SqliteDmarcStore.open(dir.resolve("dmarc.sqlite"))) {
            store.record(new DmarcEvaluation(java.time.Instant.parse("2026-12-01T10:00:00Z"), "192.0.2.1", "bank.example", "",
                    "bank.example", DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:a@bank.example").record(), DmarcPolicy.NONE,
                    false, false, "", "none", "h.example", "helo", java.util.List.of()));
        }
        assertThat(run(0, "dmarc", "pending", "-c", dir.toString()))
                .contains("bank.example: 1 evaluations since 2026-12-01T10:00:00Z, rua=[mailto:a@bank.example]")
                .contains("total: 1");
    }

    @Test
    void aFileWithoutAReportIsAnError() throws Exception {
        Path junk = dir.resolve("junk.txt");
        Files.writeString(junk, "Subject: nothing\r\n\r\nhello\r\n");
        assertThat(run(1, "dmarc", "report", junk.toString())).contains("no aggregate report found");
    }

    @Test
    void checkPrintsEachStep() throws Exception {
        Path msg = dir.resolve("m.eml");
        Files.writeString(msg, "From: CEO <ceo@bank.example>\r\nSubject: pay\r\n\r\nnow\r\n");
        Files.writeString(dir.resolve("main.cf"), "myhostname = mx.rx.example\n");
        try (TestDnsServer dns = TestDnsServer.start("""
                _dmarc.bank.example TXT "v=DMARC1; p=reject; " "rua=mailto:d@bank.example"
                evil.example TXT "v=spf1 ip4:192.0.2.66 -all"
                bank.example TXT "v=spf1 -all"
                """)) {
            String c = dir.toString();
            String fail = run(1, "dmarc", "check", msg.toString(), "--ip", "192.0.2.66", "--mail-from", "x@evil.example",
                    "--dns-server", dns.serverSpec(), "-c", c);
            assertThat(fail).contains("spf: pass for mail from evil.example");
            assertThat(fail).contains("TXT _dmarc.bank.example -> OK");
            assertThat(fail).contains("Authentication-Results: mx.rx.example; dmarc=fail (p=reject dis=reject) header.from=bank.example");
            assertThat(fail).contains("disposition: reject (550 5.7.1 rejected by DMARC policy for bank.example)");
            String pass = run(0, "dmarc", "check", msg.toString(), "--ip", "192.0.2.66", "--mail-from", "x@evil.example",
                    "--dkim-pass", "mail.bank.example", "--dns-server", dns.serverSpec(), "-c", c);
            assertThat(pass).contains("DKIM: d=mail.bank.example pass: aligned (relaxed)");
            assertThat(pass).contains("dmarc=pass (p=reject dis=none)");
        }
        assertThat(run(64, "dmarc", "check", msg.toString(), "--ip", "not-an-ip", "--mail-from", "")).contains("bad --ip");
    }
}
