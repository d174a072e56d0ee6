// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;

class KeyLookupTest {
    private static DnsAnswer<String> txt(String... records) {
        return new DnsAnswer<>(DnsStatus.OK, List.of(records), 300);
    }

    @Test
    void theSameRecordTextGivesTheSameKeyAndADifferentOneItsOwn() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        String a = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(g.generateKeyPair().getPublic().getEncoded());
        String b = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(g.generateKeyPair().getPublic().getEncoded());
        List<String> trace = new ArrayList<>();
        DkimKeyRecord first = KeyLookup.select("s._domainkey.example.org", txt(a), trace);
        DkimKeyRecord again = KeyLookup.select("s._domainkey.example.org", txt(a), trace);
        DkimKeyRecord other = KeyLookup.select("s._domainkey.example.org", txt(b), trace);
        assertThat(again).isSameAs(first);
        assertThat(other.key()).isNotEqualTo(first.key());
        assertThat(other.key().getEncoded()).isEqualTo(DkimKeyRecord.parse(b).key().getEncoded());
        // the trace is written for every lookup, kept or not
        assertThat(trace).filteredOn(l -> l.startsWith("key record:")).hasSize(3);
    }

    @Test
    void aRecordThatDoesNotParseFailsEveryTime() {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> KeyLookup.select("s._domainkey.example.org", txt("v=DKIM1; k=rsa; p=!!!"), new ArrayList<>()))
                    .isInstanceOf(DkimException.class);
        }
    }
}
