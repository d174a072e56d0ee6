// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.dnsbl.DnsblQuery;

/**
 * postscreen's settings from main.cf, with Postfix's names and defaults (postconf(5)):
 * postscreen_greet_wait (6s), postscreen_greet_banner ($smtpd_banner), postscreen_greet_action
 * (ignore), postscreen_greet_ttl (1d), postscreen_dnsbl_sites (empty; "zone[=filter][*weight]"),
 * postscreen_dnsbl_threshold (1), postscreen_dnsbl_allowlist_threshold (0: off; the old name
 * postscreen_dnsbl_whitelist_threshold too), postscreen_dnsbl_action (ignore),
 * postscreen_dnsbl_max_ttl (1h: how long a DNSBL pass is remembered), postscreen_access_list
 * (permit_mynetworks), postscreen_denylist_action (ignore; postscreen_blacklist_action too),
 * postscreen_cache_retention_time (7d).
 */
public record PostscreenSettings(Duration greetWait, String greetBanner, String greetAction, Duration greetTtl,
                                 List<Site> dnsblSites, int dnsblThreshold, int dnsblAllowlistThreshold, String dnsblAction,
                                 Duration dnsblTtl, List<String> accessList, String denylistAction, boolean respectfulLogging,
                                 String hostname, String smtpdBanner) {
    static final Set<String> ACTIONS = Set.of("ignore", "enforce", "drop");

    /** One postscreen_dnsbl_sites entry: the list and its weight (negative for an allowlist). */
    public record Site(DnsblQuery query, int weight) { }

    public static PostscreenSettings fromConfig(MainConfig cfg) {
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
        String allow = cfg.isExplicit("postscreen_dnsbl_whitelist_threshold") && !cfg.isExplicit("postscreen_dnsbl_allowlist_threshold")
                ? "postscreen_dnsbl_whitelist_threshold" : "postscreen_dnsbl_allowlist_threshold";
        String deny = cfg.isExplicit("postscreen_blacklist_action") && !cfg.isExplicit("postscreen_denylist_action")
                ? "postscreen_blacklist_action" : "postscreen_denylist_action";
        double level;
        try {
            level = Double.parseDouble(cfg.get("compatibility_level").strip());
        } catch (NumberFormatException e) {
            level = 0;
        }
        return new PostscreenSettings(cfg.duration("postscreen_greet_wait"), cfg.get("postscreen_greet_banner"),
                action(cfg, "postscreen_greet_action"), cfg.duration("postscreen_greet_ttl"), List.copyOf(sites),
                cfg.integer("postscreen_dnsbl_threshold"), cfg.integer(allow), action(cfg, "postscreen_dnsbl_action"),
                cfg.duration("postscreen_dnsbl_max_ttl"), cfg.list("postscreen_access_list"), action(cfg, deny),
                level >= 3.6, cfg.get("myhostname"), cfg.get("smtpd_banner"));
    }

    private static String action(MainConfig cfg, String name) {
        String v = cfg.get(name).strip().toLowerCase(Locale.ROOT);
        if (!ACTIONS.contains(v)) throw new ConfigException(name + ": expected ignore, enforce or drop, not \"" + v + "\"");
        return v;
    }

    /** The parameters and their defaults, for the parameter table. */
    public static final java.util.Map<String, String> PARAMETERS = java.util.Map.ofEntries(
            java.util.Map.entry("postscreen_greet_wait", "6s"),
            java.util.Map.entry("postscreen_greet_banner", "$smtpd_banner"),
            java.util.Map.entry("postscreen_greet_action", "ignore"),
            java.util.Map.entry("postscreen_greet_ttl", "1d"),
            java.util.Map.entry("postscreen_dnsbl_sites", ""),
            java.util.Map.entry("postscreen_dnsbl_threshold", "1"),
            java.util.Map.entry("postscreen_dnsbl_allowlist_threshold", "0"),
            java.util.Map.entry("postscreen_dnsbl_whitelist_threshold", "0"),
            java.util.Map.entry("postscreen_dnsbl_action", "ignore"),
            java.util.Map.entry("postscreen_dnsbl_max_ttl", "1h"),
            java.util.Map.entry("postscreen_access_list", "permit_mynetworks"),
            java.util.Map.entry("postscreen_denylist_action", "ignore"),
            java.util.Map.entry("postscreen_blacklist_action", "ignore"),
            java.util.Map.entry("postscreen_cache_retention_time", "7d"));
}
