// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;
import org.secumail.spf.SpfResult;
import org.secumail.spf.SpfResultCode;
import org.junit.jupiter.api.Assertions;

/** The content check: local policy over the verdict, the reply, the detail and the history. */
class DmarcCheckTest {
    @TempDir Path dir;

    private final FakeDns dns = new FakeDns()
            .txt("_dmarc.bank.example", "v=DMARC1; p=reject; rua=mailto:agg@bank.example")
            .txt("_dmarc.shop.example", "v=DMARC1; p=quarantine; pct=10");
    private final List<DmarcEvaluation> stored = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-05T09:00:00Z"), ZoneOffset.UTC);

    private DmarcCheck check(DmarcSettings s, int random) {
        return new DmarcCheck(s, new DmarcEvaluator(dns, PublicSuffixList.bundled(), DmarcEvaluatorTest.fixed(random)),
                ctx -> List.of(new DkimOutcome("bulk.example", "s1", "pass")), stored::add, clock);
    }

    private static DmarcSettings settings(String action, boolean pct, String target, Set<String> ignore, boolean required) {
        DmarcSettings d = DmarcSettings.defaults();
        return new DmarcSettings(true, DmarcPolicy.parse(action), pct, target, true, ignore, required, "", true,
                d.reportDatabase(), d.reportInterval(), "org", "postmaster@rx.example", "", "rx.example");
    }

    private static ContentContext ctx(boolean trusted, SpfResult spf) {
        return new ContentContext("4QID", "192.0.2.7", "unknown", "mx.bulk.example", "x@bulk.example",
                List.of("u@rx.example"), null, trusted, spf, List.of());
    }

    private static RawMessage msg(String from) {
        return RawMessage.of(("From: " + from + "\r\nSubject: t\r\n\r\nhi\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static final SpfResult SPF_PASS = new SpfResult(SpfResultCode.PASS, "", "+all", "bulk.example", List.of());

    @Test
    void forgedRejectDomainGets550AndIsRecordedForReports() {
        ContentResult r = check(settings("reject", true, "hold", Set.of(), false), 0).check(ctx(false, SPF_PASS), msg("ceo@bank.example"));
        assertThat(r.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.enhanced()).isEqualTo("5.7.1");
        assertThat(r.text()).isEqualTo("rejected by DMARC policy for bank.example");
        assertThat(r.authResults()).extracting(a -> a.format()).containsExactly("dmarc=fail (p=reject dis=reject) header.from=bank.example");
        assertThat(((DmarcCheck.Detail) r.detail()).verdict().result()).isEqualTo(DmarcResult.FAIL);
        assertThat(stored).hasSize(1);
        DmarcEvaluation e = stored.get(0);
        assertThat(e.sourceIp()).isEqualTo("192.0.2.7");
        assertThat(e.envelopeFrom()).isEqualTo("bulk.example");
        assertThat(e.spfScope()).isEqualTo("mfrom");
        assertThat(e.dkim()).extracting(DkimOutcome::domain).containsExactly("bulk.example");
        assertThat(e.time()).isEqualTo(clock.instant());
    }

    @Test
    void rejectActionQuarantineHoldsInstead() {
        ContentResult r = check(settings("quarantine", true, "Junk", Set.of(), false), 0).check(ctx(false, SPF_PASS), msg("ceo@bank.example"));
        assertThat(r.action()).isEqualTo(ContentResult.Action.QUARANTINE);
        assertThat(r.text()).isEqualTo("quarantined by DMARC policy for bank.example");
        assertThat(((DmarcCheck.Detail) r.detail()).quarantineTarget()).isEqualTo("Junk");
        assertThat(r.authResults().get(0).format()).contains("dis=quarantine");
        assertThat(stored.get(0).reason()).isEqualTo("local_policy");
    }

    @Test
    void pctIsHonouredOrNot() {
        ContentResult sampled = check(settings("reject", true, "hold", Set.of(), false), 50).check(ctx(false, SPF_PASS), msg("a@shop.example"));
        assertThat(sampled.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(sampled.authResults().get(0).format()).isEqualTo("dmarc=fail (p=quarantine dis=none) header.from=shop.example");
        ContentResult forced = check(settings("reject", false, "hold", Set.of(), false), 50).check(ctx(false, SPF_PASS), msg("a@shop.example"));
        assertThat(forced.action()).isEqualTo(ContentResult.Action.QUARANTINE);
        assertThat(((DmarcCheck.Detail) forced.detail()).quarantineTarget()).isEqualTo("hold");
    }

    @Test
    void alignedMailIsAcceptedAndTrustedClientsAreSkipped() {
        DmarcCheck c = check(settings("reject", true, "hold", Set.of(), false), 0);
        ContentResult ok = c.check(ctx(false, SPF_PASS), msg("news@bulk.example"));
        assertThat(ok.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(ok.authResults().get(0).format()).isEqualTo("dmarc=none header.from=bulk.example");
        assertThat(c.appliesTo(ctx(true, SPF_PASS))).isFalse();
        assertThat(c.appliesTo(ctx(false, SPF_PASS))).isTrue();
        assertThat(c.phase()).isEqualTo(1);
    }

    @Test
    void ignoredDomainsAreNotEvaluated() {
        ContentResult r = check(settings("reject", true, "hold", Set.of("bank.example"), false), 0)
                .check(ctx(false, SPF_PASS), msg("a@mail.bank.example"));
        assertThat(r.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(r.authResults()).isEmpty();
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void requiredHeadersRejectsAMessageWithoutFrom() {
        RawMessage noFrom = RawMessage.of("Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        ContentResult strict = check(settings("reject", true, "hold", Set.of(), true), 0).check(ctx(false, SPF_PASS), noFrom);
        assertThat(strict.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(strict.text()).isEqualTo("RFC5322 requirement error: no From field");
        ContentResult lax = check(settings("reject", true, "hold", Set.of(), false), 0).check(ctx(false, SPF_PASS), noFrom);
        assertThat(lax.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(lax.authResults().get(0).format()).isEqualTo("dmarc=permerror");
    }

    @Test
    void withoutSpfAndWithAFailingDkimSourceTheCheckStillAnswers() {
        DmarcCheck c = new DmarcCheck(settings("reject", true, "hold", Set.of(), false),
                new DmarcEvaluator(dns, PublicSuffixList.bundled(), DmarcEvaluatorTest.fixed(0)),
                ctx -> { throw new IllegalStateException("no dkim"); }, e -> { throw new IllegalStateException("disk full"); }, clock);
        ContentResult r = c.check(ctx(false, null), msg("ceo@bank.example"));
        assertThat(r.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(r.trace()).anyMatch(l -> l.contains("not evaluated by smtpd"));
    }

    @Test
    void settingsFromMainCf() throws Exception {
        Path list = dir.resolve("ignore");
        Files.writeString(list, "# partners\nPartner.example\n");
        MainConfig cfg = MainConfig.fromText("mydomain = rx.example\ndata_directory = " + dir + "\nsecumail_dmarc_enable = yes\n"
                + "secumail_dmarc_ignore_domains = a.example, " + list + "\nsecumail_dmarc_reject_action = quarantine\n", "main.cf", dir);
        DmarcSettings s = DmarcSettings.fromConfig(cfg);
        assertThat(s.enable()).isTrue();
        assertThat(s.rejectAction()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(s.ignoreDomains()).containsExactlyInAnyOrder("a.example", "partner.example");
        assertThat(s.reportDatabase()).isEqualTo(dir.resolve("dmarc.sqlite"));
        assertThat(s.reportSender()).isEqualTo("postmaster@rx.example");
        assertThat(s.reportInterval()).hasDays(1);
        Assertions.assertThrows(ConfigException.class, () -> DmarcSettings.fromConfig(
                MainConfig.fromText("secumail_dmarc_reject_action = discard\n", "main.cf", dir)));
        Assertions.assertThrows(ConfigException.class, () -> DmarcSettings.fromConfig(
                MainConfig.fromText("secumail_dmarc_quarantine_target = ../x\n", "main.cf", dir)));
    }
}
