// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The smtpd TLS parameters SecuMail understands, with their defaults. Postfix's defaults except
 * where the project deliberately differs (see docs/tls-auth.md): TLS 1.2 and 1.3 only, and the
 * TLS version and cipher recorded in Received: (smtpd_tls_received_header = yes).
 */
public final class TlsParameters {
    private TlsParameters() { }

    public static final Map<String, String> PARAMETERS = build();

    private static Map<String, String> build() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("smtpd_tls_security_level", "");         // empty: from smtpd_use_tls / smtpd_enforce_tls (Postfix)
        m.put("smtpd_use_tls", "no");
        m.put("smtpd_enforce_tls", "no");
        m.put("smtpd_tls_wrappermode", "no");
        m.put("smtpd_tls_chain_files", "");
        m.put("smtpd_tls_cert_file", "");
        m.put("smtpd_tls_key_file", "$smtpd_tls_cert_file");
        m.put("smtpd_tls_eccert_file", "");
        m.put("smtpd_tls_eckey_file", "$smtpd_tls_eccert_file");
        m.put("smtpd_tls_protocols", ">=TLSv1.2");           // Postfix 3.7: !SSLv2, !SSLv3
        m.put("smtpd_tls_mandatory_protocols", ">=TLSv1.2"); // Postfix 3.7: !SSLv2, !SSLv3
        m.put("smtpd_tls_ciphers", "medium");                // accepted; the JDK's cipher suites are used
        m.put("smtpd_tls_mandatory_ciphers", "medium");
        m.put("smtpd_tls_received_header", "yes");           // Postfix: no
        m.put("smtpd_starttls_timeout", "300s");
        m.put("smtpd_tls_loglevel", "0");
        return m;
    }
}
