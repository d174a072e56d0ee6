// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.secumail.config.ConfigException;

/** Postfix's protocol list syntax (postconf(5) smtpd_tls_protocols). */
class TlsProtocolsTest {
    @Test
    void boundsExclusionsAndInclusions() {
        assertThat(TlsProtocols.parse("p", ">=TLSv1.2")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsProtocols.parse("p", "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsProtocols.parse("p", "!SSLv2, !SSLv3")).containsExactly("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
        assertThat(TlsProtocols.parse("p", "TLSv1.3")).containsExactly("TLSv1.3");
        assertThat(TlsProtocols.parse("p", "TLSv1.2:TLSv1.3")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsProtocols.parse("p", ">=TLSv1.2 <=TLSv1.2")).containsExactly("TLSv1.2");
        assertThat(TlsProtocols.parse("p", "")).containsExactly("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
        assertThat(TlsProtocols.parse("p", "SSLv3, TLSv1.2")).as("SSLv3 is never enabled").containsExactly("TLSv1.2");
    }

    @Test
    void errors() {
        assertThatThrownBy(() -> TlsProtocols.parse("smtpd_tls_protocols", ">=TLSv9")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("smtpd_tls_protocols: unknown TLS protocol \"TLSv9\"");
        assertThatThrownBy(() -> TlsProtocols.parse("smtpd_tls_protocols", ">=TLSv1.3, !TLSv1.3")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("no TLS protocol version left");
    }
}
