// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.AntivirusCheck.ErrorAction;
import org.secumail.antivirus.AntivirusCheck.InfectedAction;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.secumail.smtpd.LogCapture;

/** The check's actions over a fake scanner that returns a fixed verdict. */
class AntivirusCheckTest {
    @TempDir
    Path dir;

    private static Scanner fake(ScanResult r) {
        return new Scanner() {
            @Override public String name() { return "fake"; }
            @Override public ScanResult scan(Source s) {
                try (var in = s.open()) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());   // reads the message like a real scanner
                } catch (java.io.IOException e) {
                    return ScanResult.error(e.getMessage(), List.of());
                }
                return r;
            }
        };
    }

    private static ContentResult run(ScanResult r, InfectedAction ia, ErrorAction ea) throws Exception {
        return new AntivirusCheck(fake(r), ia, ea, true, "mx.example.test").check(TestMessages.context("QID1"), RawMessage.of(TestMessages.plain("s", "b\r\n")));
    }

    @Test
    void infectedActions() throws Exception {
        ScanResult inf = ScanResult.infected("Win.Test.EICAR_HDB-1", "part 2", false, List.of());
        ContentResult rej = run(inf, InfectedAction.REJECT, ErrorAction.TEMPFAIL);
        assertThat(rej.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(rej.code() + " " + rej.enhanced() + " " + rej.text()).isEqualTo("554 5.7.1 Message rejected: infected (Win.Test.EICAR_HDB-1)");
        ContentResult dis = run(inf, InfectedAction.DISCARD, ErrorAction.TEMPFAIL);
        assertThat(dis.action()).isEqualTo(ContentResult.Action.DISCARD);
        assertThat(dis.text()).isEqualTo("infected (Win.Test.EICAR_HDB-1)");
        ContentResult q = run(inf, InfectedAction.QUARANTINE, ErrorAction.TEMPFAIL);
        assertThat(q.action()).isEqualTo(ContentResult.Action.QUARANTINE);
        assertThat(q.addHeaders().get(0).value()).isEqualTo("SecuMail built-in scanner at mx.example.test; infected (Win.Test.EICAR_HDB-1)");
    }

    @Test
    void errorActionsAndTheLogLine() throws Exception {
        ScanResult err = ScanResult.error("inet:127.0.0.1:3310: Connection refused", List.of());
        try (LogCapture log = new LogCapture("secumail.antivirus")) {
            ContentResult t = run(err, InfectedAction.REJECT, ErrorAction.TEMPFAIL);
            assertThat(t.action()).isEqualTo(ContentResult.Action.TEMPFAIL);
            assertThat(t.code()).isEqualTo(451);
            assertThat(t.enhanced()).isEqualTo("4.7.1");
            assertThat(log.lines()).anyMatch(l -> l.matches("QID1: antivirus: error \\(inet:127.0.0.1:3310: Connection refused\\), scanner=fake, \\d+ ms"));
        }
        ContentResult a = run(err, InfectedAction.REJECT, ErrorAction.ACCEPT);
        assertThat(a.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(a.addHeaders().get(0).value()).endsWith("; not scanned, scanner error");
    }

    @Test
    void aScannerThatThrowsIsATempfailNotAnAccept() throws Exception {
        Scanner broken = new Scanner() {
            @Override public String name() { return "broken"; }
            @Override public ScanResult scan(Source s) { throw new IllegalStateException("bug"); }
        };
        ContentResult r = new AntivirusCheck(broken, InfectedAction.REJECT, ErrorAction.TEMPFAIL, true, "")
                .check(TestMessages.context("Q"), RawMessage.of(TestMessages.plain("s", "b")));
        assertThat(r.action()).isEqualTo(ContentResult.Action.TEMPFAIL);
    }

    @Test
    void signatureNamesFromTheSocketAreSanitised() {
        assertThat(AntivirusCheck.safe("Bad\r\nName\u0000X")).isEqualTo("BadNameX");
        assertThat(AntivirusCheck.safe("x".repeat(500))).hasSize(100);
    }

    @Test
    void configuration() {
        assertThat(AntivirusCheck.fromConfig(MainConfig.fromText("", "main.cf", dir))).isEmpty();
        assertThatThrownBy(() -> AntivirusCheck.fromConfig(MainConfig.fromText("secumail_antivirus_scanner = sophos\n", "main.cf", dir)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("secumail_antivirus_scanner");
        assertThatThrownBy(() -> AntivirusCheck.fromConfig(MainConfig.fromText(
                "secumail_antivirus_scanner = clamd\nsecumail_clamd_servers = unix:/x\nsecumail_antivirus_infected_action = bounce\n", "main.cf", dir)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("secumail_antivirus_infected_action");
        var c = AntivirusCheck.fromConfig(MainConfig.fromText("secumail_antivirus_scanner = clamd\nsecumail_clamd_servers = unix:/x\n", "main.cf", dir));
        assertThat(c).isPresent();
        assertThat(c.get().scanner().name()).isEqualTo("clamd:unix:/x");
    }
}
