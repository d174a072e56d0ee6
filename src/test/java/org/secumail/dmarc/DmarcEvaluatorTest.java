// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsStatus;
import org.secumail.spf.SpfResultCode;

/** DMARC evaluation (RFC 7489 section 6.6) against a fake DNS, with the bundled PSL. */
class DmarcEvaluatorTest {
    private static final PublicSuffixList PSL = PublicSuffixList.bundled();

    /** A generator whose nextInt(bound) always returns this value. */
    static RandomGenerator fixed(int value) {
        return new RandomGenerator() {
            @Override public long nextLong() { return value; }
            @Override public int nextInt(int bound) { return value; }
        };
    }

    private final FakeDns dns = new FakeDns()
            .txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com")
            .txt("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s")
            .txt("_dmarc.half.example", "v=DMARC1; p=reject; pct=50")
            .txt("_dmarc.none.example", "v=DMARC1; p=none")
            .txt("_dmarc.multi.example", "v=DMARC1; p=reject", "v=DMARC1; p=none")
            .txt("_dmarc.garbage.example", "v=DMARC1; p=whatever")
            .txt("_dmarc.spf-only.example", "v=spf1 -all")
            .fail("_dmarc.slow.example", DnsStatus.TIMEOUT);
    private final DmarcEvaluator eval = new DmarcEvaluator(dns, PSL, fixed(0));

    private static RawMessage msg(String from) {
        return RawMessage.of(("From: " + from + "\r\nSubject: t\r\n\r\nhi\r\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void alignedSpfPasses() {
        DmarcVerdict v = eval.evaluate(msg("a@example.com"), SpfResultCode.PASS, "bounce.example.com", List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.spfAligned()).isTrue();
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(v.toAuthResult().format()).isEqualTo("dmarc=pass (p=reject dis=none) header.from=example.com");
    }

    @Test
    void alignedDkimPassesWhenSpfFails() {
        DmarcVerdict v = eval.evaluate(msg("a@example.com"), SpfResultCode.FAIL, "example.com",
                List.of(new DkimOutcome("other.example", "s1", "pass"), new DkimOutcome("mail.example.com", "s2", "pass")));
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.dkimAligned()).containsExactly("mail.example.com");
        assertThat(v.spfAligned()).isFalse();
    }

    @Test
    void forgedFromFailsWithReject() {
        DmarcVerdict v = eval.evaluate(msg("ceo@example.com"), SpfResultCode.PASS, "attacker.example",
                List.of(new DkimOutcome("example.com", "s", "fail"), DkimOutcome.pass("attacker.example")));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(v.toAuthResult().format()).isEqualTo("dmarc=fail (p=reject dis=reject) header.from=example.com");
        assertThat(v.trace()).anyMatch(l -> l.contains("d=example.com fail"));
    }

    @Test
    void softfailAndNeutralSpfNeverAlign() {
        assertThat(eval.evaluate(msg("a@example.com"), SpfResultCode.SOFTFAIL, "example.com", List.of()).result())
                .isEqualTo(DmarcResult.FAIL);
        assertThat(eval.evaluate(msg("a@example.com"), null, null, null).result()).isEqualTo(DmarcResult.FAIL);
    }

    @Test
    void aSubdomainFallsBackToTheOrganizationalDomainAndGetsSp() {
        DmarcVerdict v = eval.evaluate(msg("a@news.example.com"), SpfResultCode.NONE, "", List.of());
        assertThat(dns.queries).containsExactly("_dmarc.news.example.com", "_dmarc.example.com");
        assertThat(v.recordDomain()).isEqualTo("example.com");
        assertThat(v.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(v.toAuthResult().format()).isEqualTo("dmarc=fail (p=quarantine dis=quarantine) header.from=news.example.com");
    }

    @Test
    void strictAlignmentWantsTheSameName() {
        DmarcVerdict v = eval.evaluate(msg("a@strict.example"), SpfResultCode.PASS, "mail.strict.example",
                List.of(DkimOutcome.pass("sub.strict.example")));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(eval.evaluate(msg("a@strict.example"), SpfResultCode.PASS, "STRICT.example.", List.of()).result())
                .isEqualTo(DmarcResult.PASS);
    }

    @Test
    void relaxedAlignmentUsesThePublicSuffixList() {
        // co.uk is a public suffix: a.co.uk and b.co.uk are different organizations
        FakeDns d = new FakeDns().txt("_dmarc.bank.co.uk", "v=DMARC1; p=reject");
        DmarcEvaluator e = new DmarcEvaluator(d, PSL, fixed(0));
        assertThat(e.evaluate(msg("a@bank.co.uk"), SpfResultCode.PASS, "evil.co.uk", List.of()).result()).isEqualTo(DmarcResult.FAIL);
        assertThat(e.evaluate(msg("a@bank.co.uk"), SpfResultCode.PASS, "smtp.bank.co.uk", List.of()).result()).isEqualTo(DmarcResult.PASS);
    }

    @Test
    void pctSamplesOutToTheNextWeakerPolicy() {
        DmarcVerdict in = new DmarcEvaluator(dns, PSL, fixed(49)).evaluate(msg("a@half.example"), SpfResultCode.FAIL, "half.example", List.of());
        assertThat(in.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(in.sampledOut()).isFalse();
        DmarcVerdict out = new DmarcEvaluator(dns, PSL, fixed(50)).evaluate(msg("a@half.example"), SpfResultCode.FAIL, "half.example", List.of());
        assertThat(out.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(out.sampledOut()).isTrue();
        assertThat(out.toAuthResult().format()).isEqualTo("dmarc=fail (p=reject dis=quarantine) header.from=half.example");
    }

    @Test
    void noRecordMultipleRecordsGarbageAndTimeouts() {
        DmarcVerdict none = eval.evaluate(msg("a@nothing.example"), SpfResultCode.FAIL, "x.example", List.of());
        assertThat(none.result()).isEqualTo(DmarcResult.NONE);
        assertThat(none.toAuthResult().format()).isEqualTo("dmarc=none header.from=nothing.example");
        assertThat(eval.evaluate(msg("a@spf-only.example"), SpfResultCode.FAIL, "", List.of()).result()).isEqualTo(DmarcResult.NONE);
        DmarcVerdict multi = eval.evaluate(msg("a@multi.example"), SpfResultCode.FAIL, "", List.of());
        assertThat(multi.result()).isEqualTo(DmarcResult.NONE);
        assertThat(multi.disposition()).isEqualTo(DmarcPolicy.NONE);
        DmarcVerdict garbage = eval.evaluate(msg("a@garbage.example"), SpfResultCode.FAIL, "", List.of());
        assertThat(garbage.result()).isEqualTo(DmarcResult.PERMERROR);
        assertThat(garbage.disposition()).isEqualTo(DmarcPolicy.NONE);
        DmarcVerdict slow = eval.evaluate(msg("a@slow.example"), SpfResultCode.FAIL, "", List.of());
        assertThat(slow.result()).isEqualTo(DmarcResult.TEMPERROR);
        assertThat(slow.toAuthResult().format()).isEqualTo("dmarc=temperror header.from=slow.example");
    }

    @Test
    void severalFromDomainsGetTheStrictestVerdict() {
        DmarcVerdict v = eval.evaluate(msg("a@none.example, b@example.com"), SpfResultCode.PASS, "none.example", List.of());
        assertThat(v.fromDomain()).isEqualTo("example.com");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(v.trace().get(0)).contains("several domains");
    }

    @Test
    void noFromIsAPermanentErrorWithoutDisposition() {
        RawMessage m = RawMessage.of("Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        DmarcVerdict v = eval.evaluate(m, SpfResultCode.PASS, "example.com", List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.PERMERROR);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(v.toAuthResult().format()).isEqualTo("dmarc=permerror");
    }

    @Test
    void aResolverThatThrowsGivesTemperror() {
        DmarcEvaluator e = new DmarcEvaluator(new FakeDns() {
            @Override public synchronized org.secumail.dns.DnsAnswer<String> txt(String name) { throw new IllegalStateException("boom"); }
        }, PSL, fixed(0));
        assertThat(e.evaluate(msg("a@example.com"), SpfResultCode.PASS, "example.com", List.of()).result()).isEqualTo(DmarcResult.TEMPERROR);
    }

    @Test
    void idnFromDomainsAreQueriedInPunycode() {
        FakeDns d = new FakeDns().txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
        DmarcVerdict v = new DmarcEvaluator(d, PSL, fixed(0)).evaluate(msg("a@bücher.example"), SpfResultCode.PASS, "xn--bcher-kva.example", List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
    }
}
