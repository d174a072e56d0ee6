// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Record parsing (RFC 7489 sections 6.3, 6.4 and 6.6.3). */
class DmarcRecordTest {
    @Test
    void everyTagIsRead() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=quarantine; sp=reject; pct=20; adkim=s; aspf=s;"
                + " rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m;"
                + " ruf=mailto:auth-reports@thirdparty.example.net; fo=0:d; rf=afrf; ri=3600").record();
        assertThat(r.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(r.subdomainPolicy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(r.pct()).isEqualTo(20);
        assertThat(r.strictDkim()).isTrue();
        assertThat(r.strictSpf()).isTrue();
        assertThat(r.rua()).extracting(DmarcRecord.ReportUri::mailbox)
                .containsExactly("dmarc-feedback@example.com", "tld-test@thirdparty.example.net");
        assertThat(r.rua().get(1).maxSize()).isEqualTo(10L << 20);
        assertThat(r.rua().get(1).domain()).isEqualTo("thirdparty.example.net");
        assertThat(r.ruf()).hasSize(1);
        assertThat(r.fo()).isEqualTo("0:d");
        assertThat(r.ri()).isEqualTo(3600);
        assertThat(r.pAssumed()).isFalse();
    }

    @Test
    void defaults() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1;p=reject").record();
        assertThat(r.subdomainPolicy()).isNull();
        assertThat(r.subdomainPolicyOrP()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(r.pct()).isEqualTo(100);
        assertThat(r.strictDkim()).isFalse();
        assertThat(r.fo()).isEqualTo("0");
        assertThat(r.rf()).isEqualTo("afrf");
        assertThat(r.ri()).isEqualTo(86400);
        assertThat(r.rua()).isEmpty();
    }

    @Test
    void badValuesFallBackToDefaultsAndUnknownTagsAreIgnored() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=none; pct=250; adkim=x; ri=-1; fo=7; zz=top; rua=nota uri,mailto:a@b.example!9q").record();
        assertThat(r.pct()).isEqualTo(100);
        assertThat(r.strictDkim()).isFalse();
        assertThat(r.ri()).isEqualTo(86400);
        assertThat(r.fo()).isEqualTo("0");
        assertThat(r.rua()).isEmpty();
    }

    @Test
    void notDmarcAtAll() {
        assertThat(DmarcRecord.isDmarc("v=spf1 -all")).isFalse();
        assertThat(DmarcRecord.isDmarc("v=dmarc1; p=none")).isFalse();   // DMARC1 is case-sensitive (6.4)
        assertThat(DmarcRecord.isDmarc("v=DMARC10; p=none")).isFalse();
        assertThat(DmarcRecord.isDmarc(" v = DMARC1 ;p=none")).isTrue();
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1").error()).isNotNull();
    }

    @Test
    void aMissingPolicyIsNoneWhenRuaIsValidOtherwiseTheRecordIsUnusable() {
        DmarcRecord.Parsed withRua = DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:r@example.com");
        assertThat(withRua.record().policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(withRua.record().pAssumed()).isTrue();
        assertThat(DmarcRecord.parse("v=DMARC1; rua=mailto:r@example.com").record().policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus").error()).contains("p=");
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; sp=maybe").error()).contains("sp=");
        assertThat(DmarcRecord.parse("v=DMARC1;").error()).isNotNull();
        assertThat(DmarcRecord.parse("v=DMARC1; ;;; =; p").error()).isNotNull();
    }

    @Test
    void policyMayComeLaterLikeOpenDmarcAccepts() {
        assertThat(DmarcRecord.parse("v=DMARC1; rua=mailto:x@example.com; p=Reject").record().policy()).isEqualTo(DmarcPolicy.REJECT);
    }
}
