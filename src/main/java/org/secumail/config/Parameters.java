// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every main.cf parameter SecuMail understands, with Postfix's default value (postconf(5)).
 * Defaults may refer to other parameters with $name; they are expanded when read, exactly
 * like values from main.cf. A few defaults depend on the machine (myhostname, mydomain,
 * mynetworks) and are computed by {@link MainConfig}.
 *
 * <p>Parameters that Postfix does not have carry the {@code secumail_} prefix, so that
 * {@code secumail config -n} shows at a glance what Postfix would not understand.
 * {@code dns_servers} is the one exception, named so by the project's issue.
 */
public final class Parameters {
    private Parameters() { }

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    private static void p(String name, String value) { DEFAULTS.put(name, value); }

    static {
        // identity and paths
        p("mail_name", "SecuMail");
        p("mail_version", "0.1");
        p("myhostname", "");               // computed: the machine's FQDN
        p("mydomain", "");                 // computed: myhostname without its first label
        p("myorigin", "$myhostname");
        p("mydestination", "$myhostname, localhost.$mydomain, localhost");
        p("mynetworks_style", "");          // computed: subnet below compatibility_level 2, else host
        p("mynetworks", "");               // computed from mynetworks_style
        p("inet_interfaces", "all");
        p("proxy_interfaces", "");
        p("inet_protocols", "all");
        p("config_directory", "/etc/secumail");
        p("queue_directory", "/var/spool/secumail");
        p("data_directory", "/var/lib/secumail");
        // Postfix's default is "postfix"; ours is the system user the Debian package makes.
        // The JVM cannot change its user: the launcher (packaging/secumail) drops to it.
        p("mail_owner", "secumail");
        p("compatibility_level", "0");
        p("default_process_limit", "100");
        p("dns_servers", "");              // empty: the servers in /etc/resolv.conf
        p("secumail_dns_timeout", "5s");

        // address classes and tables
        p("relay_domains", "");             // computed: $mydestination below compatibility_level 2
        p("relay_recipient_maps", "");
        p("local_recipient_maps", "proxy:unix:passwd.byname $alias_maps");
        p("alias_maps", "hash:/etc/aliases");
        p("virtual_mailbox_domains", "$virtual_mailbox_maps");
        p("virtual_mailbox_maps", "");
        p("virtual_mailbox_base", "");
        p("virtual_alias_domains", "$virtual_alias_maps");
        p("virtual_alias_maps", "$virtual_maps");
        p("virtual_maps", "");
        p("mail_spool_directory", "/var/mail");
        p("home_mailbox", "");
        p("mailbox_size_limit", "51200000");
        p("virtual_mailbox_limit", "51200000");
        // trivial-rewrite(8): routes by sender
        p("sender_dependent_relayhost_maps", "");
        p("sender_dependent_default_transport_maps", "");
        p("empty_address_relayhost_maps_lookup_key", "<>");
        p("empty_address_default_transport_maps_lookup_key", "<>");
        // local(8): mailbox delivery through another transport, and users passwd does not know
        p("mailbox_transport", "");
        p("mailbox_transport_maps", "");
        p("fallback_transport", "");
        p("fallback_transport_maps", "");
        p("luser_relay", "");
        p("recipient_delimiter", "");
        p("allow_percent_hack", "yes");
        p("swap_bangpath", "yes");
        p("allow_min_user", "no");
        p("resolve_dequoted_address", "yes");
        p("append_at_myorigin", "yes");

        // smtpd
        p("smtpd_banner", "$myhostname ESMTP $mail_name");
        p("message_size_limit", "10240000");
        p("line_length_limit", "2048");
        p("message_reject_characters", "");
        p("plaintext_reject_code", "450");
        p("smtpd_reject_footer", "");
        p("smtpd_reject_footer_maps", "");
        p("smtpd_expansion_filter", "\\t\\40!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
        p("multi_recipient_bounce_reject_code", "550");
        p("dns_rr_list_limit", "100");
        p("permit_mx_backup_networks", "");
        // verify(8) and reject_unverified_recipient / reject_unverified_sender
        p("address_verify_map", "btree:$data_directory/verify_cache");   // accepted: SecuMail's cache is in memory
        p("address_verify_sender", "$double_bounce_sender");
        p("address_verify_positive_expire_time", "31d");
        p("address_verify_positive_refresh_time", "7d");
        p("address_verify_negative_expire_time", "3d");
        p("address_verify_negative_refresh_time", "3h");
        p("address_verify_negative_cache", "yes");
        p("address_verify_poll_count", "3");
        p("address_verify_poll_delay", "3s");
        p("unverified_recipient_defer_code", "450");
        p("unverified_recipient_reject_code", "450");
        p("unverified_recipient_tempfail_action", "$reject_tempfail_action");
        p("unverified_recipient_reject_reason", "");
        p("unverified_sender_defer_code", "450");
        p("unverified_sender_reject_code", "450");
        p("unverified_sender_tempfail_action", "$reject_tempfail_action");
        p("unverified_sender_reject_reason", "");

        // cleanup: header_checks(5) and the limits on a message's headers and MIME structure
        p("header_checks", "");
        p("always_bcc", "");
        p("message_drop_headers", "bcc, content-length, resent-bcc, return-path");
        // cleanup(8) address mapping: canonical(5) and masquerading
        p("canonical_maps", "");
        p("sender_canonical_maps", "");
        p("recipient_canonical_maps", "");
        p("canonical_classes", "envelope_sender, envelope_recipient, header_sender, header_recipient");
        p("sender_canonical_classes", "envelope_sender, header_sender");
        p("recipient_canonical_classes", "envelope_recipient, header_recipient");
        p("masquerade_domains", "");
        p("masquerade_exceptions", "");
        p("masquerade_classes", "envelope_sender, header_sender, header_recipient");
        p("propagate_unmatched_extensions", "canonical, virtual");
        p("sender_bcc_maps", "");
        p("recipient_bcc_maps", "");
        p("mime_header_checks", "$header_checks");
        p("nested_header_checks", "$header_checks");
        p("body_checks", "");
        p("body_checks_size_limit", "51200");
        p("header_size_limit", "102400");
        p("hopcount_limit", "50");
        p("mime_nesting_limit", "100");
        p("mime_boundary_length_limit", "2048");
        p("local_header_rewrite_clients", "permit_inet_interfaces");
        p("remote_header_rewrite_domain", "");
        p("always_add_missing_headers", "no");
        p("undisclosed_recipients_header", "");
        p("maillog_file", "");
        p("secumail_shadow_mode", "no");
        p("secumail_metrics_listen", "");
        p("secumail_metrics_enable", "yes");
        p("secumail_dashboard_enable", "yes");
        p("secumail_dashboard_admins", "");
        p("secumail_dashboard_require_login", "no");
        p("secumail_dashboard_session_timeout", "8h");
        p("secumail_dashboard_tls", "no");
        // decision traces (org.secumail.trace): one per transaction, for explain QUEUEID and replay
        p("secumail_trace_enable", "yes");
        p("secumail_trace_database", "$data_directory/trace.sqlite");
        p("secumail_trace_max_age", "7d");
        p("secumail_trace_max_size", "104857600");
        p("maillog_file_prefixes", "/var, /dev/stdout");
        p("message_strip_characters", "");
        p("smtpd_recipient_limit", "1000");
        p("smtpd_timeout", "300s");
        p("smtpd_hard_error_limit", "20");
        p("smtpd_soft_error_limit", "10");
        p("smtpd_error_sleep_time", "1s");
        p("smtpd_client_connection_count_limit", "50");
        p("smtpd_client_event_limit_exceptions", "$mynetworks");
        p("smtpd_client_connection_rate_limit", "0");
        p("smtpd_junk_command_limit", "100");
        p("smtpd_client_message_rate_limit", "0");
        p("smtpd_client_recipient_rate_limit", "0");
        p("smtpd_client_new_tls_session_rate_limit", "0");
        p("smtpd_authorized_xclient_hosts", "");
        p("smtpd_forbid_bare_newline", "reject");  // Postfix 3.7: no; we refuse bare newlines by default (SMTP smuggling)
        p("smtpd_forbid_bare_newline_reject_code", "550");
        p("smtpd_forbid_bare_newline_exclusions", "$mynetworks");
        p("smtpd_peername_lookup", "yes");
        p("smtpd_helo_required", "no");
        p("smtpd_delay_reject", "yes");
        p("strict_rfc821_envelopes", "no");
        p("smtpd_client_restrictions", "");
        p("smtpd_helo_restrictions", "");
        p("smtpd_sender_restrictions", "");
        p("smtpd_relay_restrictions", "");  // computed: empty below compatibility_level 1
        p("smtpd_recipient_restrictions", "");
        p("smtpd_data_restrictions", "");
        p("smtpd_end_of_data_restrictions", "");
        p("smtpd_restriction_classes", "");
        p("smtpd_reject_unlisted_sender", "no");
        p("smtpd_reject_unlisted_recipient", "yes");
        p("smtpd_sasl_auth_enable", "no");
        // SMTP AUTH backends (org.secumail.sasl): Postfix's default type is cyrus, which SecuMail
        // does not have; its own passwd-file backend is the default instead
        p("smtpd_sasl_type", "secumail");
        p("smtpd_sasl_path", "smtpd");
        p("secumail_sasl_passwd_file", "$config_directory/passwd");
        p("secumail_sasl_dovecot_timeout", "30s");
        p("disable_vrfy_command", "no");
        p("smtpd_noop_commands", "");
        p("smtpd_discard_ehlo_keywords", "");
        p("smtputf8_enable", "");           // computed: no below compatibility_level 1
        p("smtpd_null_access_lookup_key", "<>");
        p("parent_domain_matches_subdomains", "debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,qmqpd_authorized_clients,relay_domains,smtpd_access_maps");

        // TLS and SMTP AUTH, server side (docs/tls-auth.md)
        for (var e : org.secumail.tls.TlsParameters.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());
        for (var e : org.secumail.smtpd.SmtpAuth.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());

        // DNS lists (postconf(5))
        p("maps_rbl_reject_code", "554");
        p("rbl_reply_maps", "");
        p("default_rbl_reply", "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}");

        // policy delegation client (SMTPD_POLICY_README)
        p("smtpd_policy_service_timeout", "100s");
        p("smtpd_policy_service_max_idle", "300s");
        p("smtpd_policy_service_max_ttl", "1000s");
        p("smtpd_policy_service_request_limit", "0");
        p("smtpd_policy_service_try_limit", "2");
        p("smtpd_policy_service_retry_delay", "1s");
        p("smtpd_policy_service_default_action", "451 4.3.5 Server configuration problem");
        p("smtpd_policy_service_policy_context", "");

        // greylisting (postgrey's options as parameters; see org.secumail.greylist)
        for (var e : org.secumail.greylist.Greylister.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());

        // routing, smtp(8) and lmtp(8) clients (see org.secumail.smtp)
        for (var e : org.secumail.smtp.SmtpParameters.defaults().entrySet()) p(e.getKey(), e.getValue());

        // DMARC evaluation and aggregate reports (see org.secumail.dmarc, docs/dmarc.md)
        for (var e : org.secumail.dmarc.DmarcSettings.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());
        // antivirus: clamd client and built-in scanner (see org.secumail.antivirus)
        for (var e : org.secumail.antivirus.AntivirusParameters.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());
        // milters (MILTER_README; org.secumail.milter). The default action is Postfix 3.7's
        // (tempfail), the Postfix that Debian 12 ships; Postfix 3.11 changed it to shutdown.
        // postscreen (org.secumail.postscreen)
        for (var e : org.secumail.postscreen.PostscreenSettings.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());

        // after-queue content filters (FILTER_README)
        p("content_filter", "");
        p("receive_override_options", "");
        p("smtpd_authorized_xforward_hosts", "");
        p("secumail_filter_timeout", "300s");   // secumail filter: each SMTP read and the reinjection
        p("smtpd_milters", "");
        p("smtpd_milter_maps", "");
        p("non_smtpd_milters", "");
        p("milter_default_action", "tempfail");
        p("milter_protocol", "6");
        p("milter_connect_timeout", "30s");
        p("milter_command_timeout", "30s");
        p("milter_content_timeout", "300s");
        p("milter_connect_macros", "j {daemon_name} {daemon_addr} v _");
        p("milter_helo_macros", "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}");
        p("milter_mail_macros", "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}");
        p("milter_rcpt_macros", "i {rcpt_addr} {rcpt_host} {rcpt_mailer}");
        p("milter_data_macros", "i");
        p("milter_unknown_command_macros", "");
        p("milter_end_of_header_macros", "i");
        p("milter_end_of_data_macros", "i");
        p("milter_macro_daemon_name", "$myhostname");
        p("milter_macro_v", "$mail_name $mail_version");
        p("milter_macro_defaults", "");
        // secumail milter: the restriction list run at each milter event (empty: none), with
        // the content checks of this main.cf at end of message
        p("secumail_milter_client_restrictions", "");
        p("secumail_milter_helo_restrictions", "");
        p("secumail_milter_sender_restrictions", "");
        p("secumail_milter_recipient_restrictions", "");
        p("secumail_milter_data_restrictions", "");
        p("secumail_milter_end_of_data_restrictions", "");

        // spam scoring: SpamAssassin's rules and Bayes (see org.secumail.spam, docs/spam.md)
        for (var e : org.secumail.spam.SpamParameters.PARAMETERS.entrySet()) p(e.getKey(), e.getValue());

        // secumail policyd: the restrictions it answers Postfix's policy requests with
        p("secumail_policyd_restrictions", "check_greylist");

        // SPF policy (check_spf), as postfix-policyd-spf-python's defaults
        p("secumail_spf_reject_results", "fail");
        p("secumail_spf_defer_results", "temperror");
        p("secumail_spf_helo_reject_results", "fail");
        p("secumail_spf_helo_defer_results", "");

        // content checks at end of DATA (see org.secumail.content)
        p("secumail_authserv_id", "$myhostname");
        p("secumail_content_check_timeout", "60s");

        // DKIM (see org.secumail.dkim): verification, and signing as OpenDKIM configures it
        p("secumail_dkim_verify", "yes");
        p("secumail_dkim_max_signatures", "10");
        p("secumail_dkim_key_table", "");
        p("secumail_dkim_signing_table", "");
        p("secumail_dkim_internal_hosts", "");
        p("secumail_dkim_multiple_signatures", "no");
        p("secumail_dkim_domains", "");
        p("secumail_dkim_subdomains", "no");
        p("secumail_dkim_selectors", "default");
        p("secumail_dkim_key_directory", "$config_directory/dkim");
        p("secumail_dkim_canonicalization", "relaxed/relaxed");
        p("secumail_dkim_oversign_headers", "From, To, Subject, Date, Message-ID, Reply-To");
        p("secumail_dkim_signature_ttl", "");

        // ARC (see org.secumail.arc): chain validation; sealers whose passing chain overrides DMARC
        p("secumail_arc_verify", "yes");
        p("secumail_arc_trusted_sealers", "");
        p("secumail_arc_seal_domain", "");   // empty: forwarded mail is not sealed
        p("secumail_arc_seal_selector", "default");
        p("secumail_arc_seal_key_file", "$secumail_dkim_key_directory/${secumail_arc_seal_domain}/${secumail_arc_seal_selector}.private");

        // reply codes (postconf(5))
        p("reject_code", "554");
        p("defer_code", "450");
        p("access_map_reject_code", "554");
        p("access_map_defer_code", "450");
        p("invalid_hostname_reject_code", "501");
        p("non_fqdn_reject_code", "504");
        p("unknown_address_reject_code", "450");
        p("unknown_client_reject_code", "450");
        p("unknown_hostname_reject_code", "450");
        p("relay_domains_reject_code", "554");
        p("unknown_local_recipient_reject_code", "550");
        p("unknown_virtual_mailbox_reject_code", "550");
        p("unknown_virtual_alias_reject_code", "550");
        p("unknown_relay_recipient_reject_code", "550");
        p("unverified_recipient_reject_code", "450");
        p("reject_tempfail_action", "defer_if_permit");
        p("unknown_address_tempfail_action", "$reject_tempfail_action");
        p("unknown_helo_hostname_tempfail_action", "$reject_tempfail_action");
        p("unverified_recipient_tempfail_action", "$reject_tempfail_action");
        p("unknown_client_tempfail_action", "$reject_tempfail_action");

        // queue manager and local delivery
        // deliveries running at once, all transports together: as many as Postfix runs delivery
        // agent processes (default_process_limit), so one destination at its
        // default_destination_concurrency_limit (20) cannot take every slot
        p("secumail_delivery_concurrency", "$default_process_limit");
        p("queue_run_delay", "300s");
        p("minimal_backoff_time", "300s");
        p("maximal_backoff_time", "4000s");
        p("maximal_queue_lifetime", "5d");
        p("bounce_queue_lifetime", "5d");
        p("delay_warning_time", "0h");
        // bounce(8): delivery status notifications (docs/queue.md)
        p("bounce_size_limit", "50000");
        p("double_bounce_sender", "double-bounce");
        p("2bounce_notice_recipient", "postmaster");
        p("bounce_notice_recipient", "postmaster");
        p("notify_classes", "resource, software");
    }

    /** Parameters SecuMail knows, in a stable order, with Postfix's defaults. */
    public static Map<String, String> defaults() { return Collections.unmodifiableMap(DEFAULTS); }

    public static boolean known(String name) { return DEFAULTS.containsKey(name); }

    private static final java.util.Set<String> POSTFIX = loadPostfixNames();

    /** True for a parameter Postfix 3.7 has (whether or not SecuMail supports it). */
    public static boolean isPostfixParameter(String name) { return POSTFIX.contains(name); }

    private static java.util.Set<String> loadPostfixNames() {
        try (var in = Parameters.class.getResourceAsStream("postfix-parameters.txt")) {
            if (in == null) return java.util.Set.of();
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).collect(java.util.stream.Collectors.toUnmodifiableSet());
        } catch (java.io.IOException e) {
            return java.util.Set.of();
        }
    }
}
