// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * The settings of one client flavour (smtp or lmtp), read once from main.cf. LMTP uses the
 * smtp_*_timeout values (SecuMail has no separate lmtp_*_timeout parameters yet).
 */
record ClientSettings(boolean lmtp, String heloName, Duration connectTimeout, Duration heloTimeout,
                      Duration starttlsTimeout, Duration mailTimeout, Duration rcptTimeout, Duration dataInitTimeout,
                      Duration dataXferTimeout, Duration dataDoneTimeout, Duration rsetTimeout, Duration quitTimeout,
                      int mxAddressLimit, int mxSessionLimit, boolean skip5xxGreeting, boolean neverSendEhlo,
                      String tlsLevel, Duration cacheTimeLimit, Duration reuseTimeLimit, int reuseCountLimit,
                      int destinationConcurrency, Duration destinationRateDelay, boolean saslEnable,
                      List<String> saslPasswordMaps, List<String> saslSecurityOptions, List<String> saslTlsSecurityOptions,
                      List<String> saslMechanismFilter, boolean ipv4, boolean ipv6, String myhostname,
                      java.nio.file.Path queueDirectory, Duration deadDestinationTime, boolean sendXforward,
                      int lineLengthLimit, org.secumail.cleanup.CleanupSettings outputChecks, TlsPolicy tlsPolicy,
                      org.secumail.cleanup.AddressMapping generic) {

    static final List<String> TLS_LEVELS = List.of("none", "may", "encrypt", "verify", "secure");

    static ClientSettings fromConfig(MainConfig cfg, boolean lmtp) {
        String prefix = lmtp ? "lmtp" : "smtp";
        String level = cfg.get("smtp_tls_security_level").strip().toLowerCase(Locale.ROOT);
        if (level.isEmpty()) level = "none";
        if (!TLS_LEVELS.contains(level)) {
            throw new ConfigException("bad smtp_tls_security_level value: " + level + " (want one of " + TLS_LEVELS + ")");
        }
        List<String> protocols = cfg.list("inet_protocols").stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        boolean all = protocols.contains("all") || protocols.isEmpty();
        int concurrency = cfg.integer(prefix + "_destination_concurrency_limit");
        if (concurrency < 1) throw new ConfigException(prefix + "_destination_concurrency_limit must be at least 1");
        return new ClientSettings(lmtp, cfg.get(lmtp ? "lmtp_lhlo_name" : "smtp_helo_name").strip(),
                positive(cfg, "smtp_connect_timeout"), positive(cfg, "smtp_helo_timeout"), positive(cfg, "smtp_starttls_timeout"),
                positive(cfg, "smtp_mail_timeout"), positive(cfg, "smtp_rcpt_timeout"), positive(cfg, "smtp_data_init_timeout"),
                positive(cfg, "smtp_data_xfer_timeout"), positive(cfg, "smtp_data_done_timeout"), positive(cfg, "smtp_rset_timeout"),
                positive(cfg, "smtp_quit_timeout"), cfg.integer("smtp_mx_address_limit"), cfg.integer("smtp_mx_session_limit"),
                cfg.bool("smtp_skip_5xx_greeting"), cfg.bool("smtp_never_send_ehlo"), lmtp ? "none" : level,
                cfg.duration("smtp_connection_cache_time_limit"), cfg.duration("smtp_connection_reuse_time_limit"),
                cfg.integer("smtp_connection_reuse_count_limit"), concurrency, cfg.duration(prefix + "_destination_rate_delay"),
                !lmtp && cfg.bool("smtp_sasl_auth_enable"), cfg.list("smtp_sasl_password_maps"),
                lower(cfg.list("smtp_sasl_security_options")), lower(cfg.list("smtp_sasl_tls_security_options")),
                lower(cfg.list("smtp_sasl_mechanism_filter")), all || protocols.contains("ipv4"), all || protocols.contains("ipv6"),
                cfg.get("myhostname").toLowerCase(Locale.ROOT), cfg.path("queue_directory"),
                cfg.duration("minimal_backoff_time"), cfg.bool(prefix + "_send_xforward_command"),
                cfg.integer(prefix + "_line_length_limit"), OutputChecks.fromConfig(cfg, prefix), TlsPolicy.fromConfig(cfg),
                org.secumail.cleanup.AddressMapping.generic(cfg, prefix));
    }

    private static Duration positive(MainConfig cfg, String name) {
        Duration d = cfg.duration(name);
        if (d.isZero()) throw new ConfigException(name + " must be greater than 0");
        return d;
    }

    private static List<String> lower(List<String> l) {
        return l.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    }

    /** "smtp" or "lmtp": the agent name in logs. */
    String name() { return lmtp ? "lmtp" : "smtp"; }
}
