// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.dnsbl.DnsblQuery;

/**
 * postscreen's settings from main.cf, with Postfix's names and defaults (postconf(5)); see
 * {@link #PARAMETERS} for the list. The tests are numbered as in Postfix's cache records:
 * pregreet, dnsbl, pipelining, non-SMTP command, bare newline.
 */
public final class PostscreenSettings {
    static final Set<String> ACTIONS = Set.of("ignore", "enforce", "drop");

    /** One postscreen_dnsbl_sites entry: the list and its weight (negative for an allowlist). */
    public record Site(DnsblQuery query, int weight) { }

    final Duration greetWait;
    final String greetBanner;
    final String greetAction;
    final List<Site> dnsblSites;
    final int dnsblThreshold;
    final int dnsblAllowlistThreshold;
    final String dnsblAction;
    final Duration dnsblMinTtl;
    final Duration dnsblMaxTtl;
    final String dnsblReplyMap;
    final List<String> accessList;
    final String denylistAction;
    final boolean respectfulLogging;
    final String hostname;
    final String smtpdBanner;
    /** Per test (index as {@link ScreenState}): enabled, action, time to live. */
    final boolean[] enabled = new boolean[ScreenState.COUNT];
    final String[] action = new String[ScreenState.COUNT];
    final Duration[] ttl = new Duration[ScreenState.COUNT];
    final int commandCountLimit;
    final Duration commandTimeLimit;
    final List<String> forbiddenCommands;
    final boolean heloRequired;
    final boolean disableVrfy;
    final int connectionCountLimit;
    final String cacheMap;
    final Duration cacheRetention;
    final Duration cacheCleanupInterval;
    final long messageSizeLimit;
    final boolean smtputf8;
    final boolean softBounce;
    final int lineLengthLimit;
    final Set<String> discardEhloKeywords;
    final String upstreamProxyProtocol;
    final Duration upstreamProxyTimeout;
    final org.secumail.smtpd.ProxyProtocol.Families families;

    private PostscreenSettings(MainConfig cfg) {
        List<Site> sites = new ArrayList<>();
        for (String s : cfg.list("postscreen_dnsbl_sites")) {
            int star = s.lastIndexOf('*');
            int weight = 1;
            String spec = s;
            if (star > 0) {
                try {
                    weight = Integer.parseInt(s.substring(star + 1));
                } catch (NumberFormatException e) {
                    throw new ConfigException("postscreen_dnsbl_sites: bad weight in \"" + s + "\"");
                }
                spec = s.substring(0, star);
            }
            sites.add(new Site(new DnsblQuery(spec), weight));
        }
        dnsblSites = List.copyOf(sites);
        greetWait = cfg.duration("postscreen_greet_wait");
        greetBanner = cfg.get("postscreen_greet_banner");
        greetAction = action(cfg, "postscreen_greet_action");
        dnsblThreshold = cfg.integer("postscreen_dnsbl_threshold");
        dnsblAllowlistThreshold = cfg.integer(oldName(cfg, "postscreen_dnsbl_allowlist_threshold", "postscreen_dnsbl_whitelist_threshold"));
        dnsblAction = action(cfg, "postscreen_dnsbl_action");
        dnsblMinTtl = cfg.duration("postscreen_dnsbl_min_ttl");
        dnsblMaxTtl = cfg.duration("postscreen_dnsbl_max_ttl");
        dnsblReplyMap = cfg.get("postscreen_dnsbl_reply_map").strip();
        accessList = cfg.list("postscreen_access_list");
        denylistAction = action(cfg, oldName(cfg, "postscreen_denylist_action", "postscreen_blacklist_action"));
        double level;
        try {
            level = Double.parseDouble(cfg.get("compatibility_level").strip());
        } catch (NumberFormatException e) {
            level = 0;
        }
        respectfulLogging = level >= 3.6;
        hostname = cfg.get("myhostname");
        smtpdBanner = cfg.get("smtpd_banner");
        // the pregreet test is on when there is a banner to tease with (postscreen_tests.c)
        enabled[ScreenState.PREGR] = !greetBanner.isEmpty();
        enabled[ScreenState.DNSBL] = !dnsblSites.isEmpty();
        ttl[ScreenState.PREGR] = cfg.duration("postscreen_greet_ttl");
        ttl[ScreenState.DNSBL] = dnsblMaxTtl;
        action[ScreenState.PREGR] = greetAction;
        action[ScreenState.DNSBL] = dnsblAction;
        String[] deep = {"pipelining", "non_smtp_command", "bare_newline"};
        for (int i = 0; i < deep.length; i++) {
            enabled[ScreenState.PIPEL + i] = cfg.bool("postscreen_" + deep[i] + "_enable");
            action[ScreenState.PIPEL + i] = action(cfg, "postscreen_" + deep[i] + "_action");
            ttl[ScreenState.PIPEL + i] = cfg.duration("postscreen_" + deep[i] + "_ttl");
        }
        commandCountLimit = cfg.integer("postscreen_command_count_limit");
        commandTimeLimit = cfg.duration("postscreen_command_time_limit");
        forbiddenCommands = cfg.list("postscreen_forbidden_commands");
        heloRequired = cfg.bool("postscreen_helo_required");
        disableVrfy = cfg.bool("postscreen_disable_vrfy_command");
        connectionCountLimit = cfg.integer("postscreen_client_connection_count_limit");
        cacheMap = cfg.get("postscreen_cache_map").strip();
        cacheRetention = cfg.duration("postscreen_cache_retention_time");
        cacheCleanupInterval = cfg.duration("postscreen_cache_cleanup_interval");
        messageSizeLimit = Long.parseLong(cfg.get("message_size_limit").strip());
        smtputf8 = cfg.bool("smtputf8_enable");
        softBounce = cfg.bool("soft_bounce");
        lineLengthLimit = Math.max(512, cfg.integer("line_length_limit"));
        Set<String> discard = new java.util.HashSet<>();
        for (String w : cfg.list("postscreen_discard_ehlo_keywords")) discard.add(w.toUpperCase(Locale.ROOT));
        discardEhloKeywords = Set.copyOf(discard);
        upstreamProxyProtocol = cfg.get("postscreen_upstream_proxy_protocol").strip().toLowerCase(Locale.ROOT);
        if (!upstreamProxyProtocol.isEmpty() && !upstreamProxyProtocol.equals("haproxy")) {
            throw new ConfigException("postscreen_upstream_proxy_protocol: unsupported protocol \"" + upstreamProxyProtocol + "\" (only haproxy)");
        }
        upstreamProxyTimeout = cfg.duration("postscreen_upstream_proxy_timeout");
        families = org.secumail.smtpd.ProxyProtocol.Families.of(cfg);
    }

    public static PostscreenSettings fromConfig(MainConfig cfg) {
        return new PostscreenSettings(cfg);
    }

    /** The Postfix 3.6 name, or the old one when only that is set. */
    private static String oldName(MainConfig cfg, String name, String old) {
        return cfg.isExplicit(old) && !cfg.isExplicit(name) ? old : name;
    }

    private static String action(MainConfig cfg, String name) {
        String v = cfg.get(name).strip().toLowerCase(Locale.ROOT);
        if (!ACTIONS.contains(v)) throw new ConfigException(name + ": expected ignore, enforce or drop, not \"" + v + "\"");
        return v;
    }

    /** The smallest test time to live: how long an "ignore" failure is forgiven (psc_min_ttl). */
    Duration minTtl() {
        Duration m = dnsblMinTtl;
        for (int i = 0; i < ScreenState.COUNT; i++) if (i != ScreenState.DNSBL && ttl[i].compareTo(m) < 0) m = ttl[i];
        return m;
    }

    /** The parameters and their defaults, for the parameter table. */
    public static final Map<String, String> PARAMETERS = Map.ofEntries(
            Map.entry("postscreen_greet_wait", "6s"),
            Map.entry("postscreen_greet_banner", "$smtpd_banner"),
            Map.entry("postscreen_greet_action", "ignore"),
            Map.entry("postscreen_greet_ttl", "1d"),
            Map.entry("postscreen_dnsbl_sites", ""),
            Map.entry("postscreen_dnsbl_threshold", "1"),
            Map.entry("postscreen_dnsbl_allowlist_threshold", "0"),
            Map.entry("postscreen_dnsbl_whitelist_threshold", "0"),
            Map.entry("postscreen_dnsbl_action", "ignore"),
            Map.entry("postscreen_dnsbl_min_ttl", "60s"),
            Map.entry("postscreen_dnsbl_max_ttl", "1h"),
            Map.entry("postscreen_dnsbl_reply_map", ""),
            Map.entry("postscreen_access_list", "permit_mynetworks"),
            Map.entry("postscreen_denylist_action", "ignore"),
            Map.entry("postscreen_blacklist_action", "ignore"),
            Map.entry("postscreen_pipelining_enable", "no"),
            Map.entry("postscreen_pipelining_action", "enforce"),
            Map.entry("postscreen_pipelining_ttl", "30d"),
            Map.entry("postscreen_non_smtp_command_enable", "no"),
            Map.entry("postscreen_non_smtp_command_action", "drop"),
            Map.entry("postscreen_non_smtp_command_ttl", "30d"),
            Map.entry("postscreen_bare_newline_enable", "no"),
            Map.entry("postscreen_bare_newline_action", "ignore"),
            Map.entry("postscreen_bare_newline_ttl", "30d"),
            Map.entry("postscreen_command_count_limit", "20"),
            Map.entry("postscreen_command_time_limit", "$smtpd_timeout"),
            Map.entry("postscreen_forbidden_commands", "$smtpd_forbidden_commands"),
            Map.entry("smtpd_forbidden_commands", "CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}"),
            Map.entry("postscreen_helo_required", "$smtpd_helo_required"),
            Map.entry("postscreen_disable_vrfy_command", "$disable_vrfy_command"),
            Map.entry("postscreen_discard_ehlo_keywords", "$smtpd_discard_ehlo_keywords"),
            Map.entry("postscreen_client_connection_count_limit", "$smtpd_client_connection_count_limit"),
            Map.entry("postscreen_cache_map", "btree:$data_directory/postscreen_cache"),
            Map.entry("postscreen_cache_retention_time", "7d"),
            Map.entry("postscreen_cache_cleanup_interval", "12h"),
            Map.entry("postscreen_upstream_proxy_protocol", ""),
            Map.entry("postscreen_upstream_proxy_timeout", "5s"),
            Map.entry("smtpd_upstream_proxy_protocol", ""),
            Map.entry("smtpd_upstream_proxy_timeout", "5s"),
            Map.entry("soft_bounce", "no"));
}
