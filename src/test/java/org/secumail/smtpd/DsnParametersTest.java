// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.secumail.queue.DsnAttributes;

class DsnParametersTest {
    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void xtextIsDecodedAndMalformedXtextRefused() {
        assertThat(DsnParameters.xtextDecode("a+2Bb+3Dc")).isEqualTo("a+b=c");
        assertThat(DsnParameters.xtextDecode("user+40example.org")).isEqualTo("user@example.org");
        assertThat(DsnParameters.xtextDecode("bad+4")).isNull();
        assertThat(DsnParameters.xtextDecode("bad+G0")).isNull();
        assertThat(DsnParameters.xtextDecode("caf\u00e9")).isNull();
    }

    @Test
    void notifyListsFollowRfc3461() {
        assertThat(DsnParameters.notifyList("never")).isEqualTo("NEVER");
        assertThat(DsnParameters.notifyList("delay,SUCCESS,delay")).isEqualTo("DELAY,SUCCESS");
        assertThat(DsnParameters.notifyList("NEVER,SUCCESS")).isNull();
        assertThat(DsnParameters.notifyList("SOMETIMES")).isNull();
        assertThat(DsnParameters.notifyList(",")).isNull();
        assertThat(DsnParameters.notifyList("")).isNull();
    }

    @Test
    void acceptedParametersBecomeEnvelopeAttributesByRecipientIndex() {
        DsnParameters d = new DsnParameters();
        assertThat(d.mail(params("SIZE", "10", "RET", "hdrs", "ENVID", "id+2B1"), true)).isNull();
        d.accepted(DsnParameters.rcpt(params("NOTIFY", "FAILURE"), true));
        d.accepted(DsnParameters.rcpt(params(), true));
        d.accepted(DsnParameters.rcpt(params("ORCPT", "RFC822;a+40b.example"), true));
        assertThat(d.attributes(true)).containsExactly(
                Map.entry(DsnAttributes.RET, "HDRS"), Map.entry(DsnAttributes.ENVID, "id+1"),
                Map.entry(DsnAttributes.notify(0), "FAILURE"), Map.entry(DsnAttributes.orcpt(2), "rfc822;a@b.example"));
        // a redirected message has other recipients: their per-recipient parameters do not apply
        assertThat(d.attributes(false)).containsOnlyKeys(DsnAttributes.RET, DsnAttributes.ENVID);
    }

    @Test
    void limitsAndDisabledDsn() {
        DsnParameters d = new DsnParameters();
        assertThat(d.mail(params("ENVID", "x".repeat(101)), true).line()).contains("Bad ENVID parameter syntax");
        assertThat(d.mail(params("ENVID", "a+0Ab"), true).line()).contains("Bad ENVID parameter syntax");   // LF
        assertThat(DsnParameters.rcpt(params("ORCPT", "rfc822;" + "x".repeat(500)), true).error().line())
                .contains("Bad ORCPT parameter syntax");
        assertThat(d.mail(params("RET", "FULL"), false).line()).isEqualTo("501 5.7.1 DSN support is disabled");
        assertThat(d.ret).isNull();
    }
}
