// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The main.cf parameters of routing and of the SMTP and LMTP clients, with Postfix's defaults
 * (postconf(5)); registered in {@link org.secumail.config.Parameters}. Deviations are marked.
 */
public final class SmtpParameters {
    private SmtpParameters() { }

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    private static void p(String name, String value) { DEFAULTS.put(name, value); }

    static {
        // routing (trivial-rewrite(8), transport(5))
        p("default_transport", "smtp");
        p("relay_transport", "relay");
        p("local_transport", "local:$myhostname");
        p("virtual_transport", "virtual");
        p("relayhost", "");
        p("transport_maps", "");

        // smtp(8) and lmtp(8)
        p("smtp_helo_name", "$myhostname");
        p("lmtp_lhlo_name", "$myhostname");
        p("smtp_connect_timeout", "30s");
        p("smtp_helo_timeout", "300s");
        p("smtp_starttls_timeout", "300s");
        p("smtp_mail_timeout", "300s");
        p("smtp_rcpt_timeout", "300s");
        p("smtp_data_init_timeout", "120s");
        p("smtp_data_xfer_timeout", "180s");
        p("smtp_data_done_timeout", "600s");
        p("smtp_rset_timeout", "20s");
        p("smtp_quit_timeout", "300s");
        p("smtp_mx_address_limit", "5");
        p("smtp_mx_session_limit", "2");
        p("smtp_skip_5xx_greeting", "yes");
        p("smtp_never_send_ehlo", "no");
        p("smtp_send_xforward_command", "no");
        p("smtp_line_length_limit", "998");   // Postfix 3.7's (3.9 lowered it to 990)
        p("lmtp_line_length_limit", "998");
        p("lmtp_send_xforward_command", "no");
        p("smtp_tls_security_level", "");
        p("smtp_connection_cache_time_limit", "2s");
        p("smtp_connection_reuse_time_limit", "300s");
        p("smtp_connection_reuse_count_limit", "0");
        p("default_destination_concurrency_limit", "20");
        p("smtp_destination_concurrency_limit", "$default_destination_concurrency_limit");
        p("lmtp_destination_concurrency_limit", "$default_destination_concurrency_limit");
        p("default_destination_rate_delay", "0s");
        p("smtp_destination_rate_delay", "$default_destination_rate_delay");
        p("lmtp_destination_rate_delay", "$default_destination_rate_delay");
        p("smtp_sasl_auth_enable", "no");
        p("smtp_sasl_password_maps", "");
        p("smtp_sender_dependent_authentication", "no");
        p("smtp_tls_policy_maps", "");
        p("smtp_generic_maps", "");
        p("lmtp_generic_maps", "");
        p("smtp_header_checks", "");
        p("smtp_mime_header_checks", "");
        p("smtp_nested_header_checks", "");
        p("smtp_body_checks", "");
        p("lmtp_header_checks", "");
        p("lmtp_mime_header_checks", "");
        p("lmtp_nested_header_checks", "");
        p("lmtp_body_checks", "");
        p("smtp_sasl_security_options", "noplaintext, noanonymous");
        // Deviation: Postfix's default is $smtp_sasl_security_options, which refuses PLAIN and
        // LOGIN even inside TLS; SecuMail allows them inside TLS (the usual relayhost setup).
        p("smtp_sasl_tls_security_options", "noanonymous");
        p("smtp_sasl_mechanism_filter", "");
    }

    /** Parameter names and defaults, in a stable order. */
    public static Map<String, String> defaults() { return Collections.unmodifiableMap(DEFAULTS); }
}
