// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * The secumail_dmarc_* parameters (see package-info and docs/dmarc.md), read once at startup.
 *
 * @param enable            secumail_dmarc_enable
 * @param rejectAction      secumail_dmarc_reject_action: REJECT (550 5.7.1) or QUARANTINE
 * @param honorPct          secumail_dmarc_honor_pct
 * @param quarantineTarget  secumail_dmarc_quarantine_target: "hold" or a folder name
 * @param skipTrusted       secumail_dmarc_skip_trusted
 * @param ignoreDomains     secumail_dmarc_ignore_domains, lower case (names and files expanded)
 * @param requiredHeaders   secumail_dmarc_required_headers
 * @param pslFile           secumail_dmarc_psl_file ("" = bundled)
 * @param reportEnable      secumail_dmarc_report_enable
 * @param reportDatabase    secumail_dmarc_report_database
 * @param reportInterval    secumail_dmarc_report_interval
 * @param reportOrgName     secumail_dmarc_report_org_name
 * @param reportSender      secumail_dmarc_report_sender
 * @param reportContact     secumail_dmarc_report_contact ("" = none)
 * @param reportDomain      the receiver's domain in report file names and subjects ($mydomain)
 */
public record DmarcSettings(boolean enable, DmarcPolicy rejectAction, boolean honorPct, String quarantineTarget,
                            boolean skipTrusted, Set<String> ignoreDomains, boolean requiredHeaders, String pslFile,
                            boolean reportEnable, Path reportDatabase, Duration reportInterval, String reportOrgName,
                            String reportSender, String reportContact, String reportDomain) {
    public DmarcSettings {
        ignoreDomains = Set.copyOf(ignoreDomains);
    }

    /** Parameter names and defaults, for config/Parameters (postconf -d). */
    public static final Map<String, String> PARAMETERS;
    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("secumail_dmarc_enable", "yes");
        m.put("secumail_dmarc_reject_action", "reject");
        m.put("secumail_dmarc_honor_pct", "yes");
        m.put("secumail_dmarc_quarantine_target", "hold");
        m.put("secumail_dmarc_skip_trusted", "yes");
        m.put("secumail_dmarc_ignore_domains", "");
        m.put("secumail_dmarc_required_headers", "no");
        m.put("secumail_dmarc_psl_file", "");
        m.put("secumail_dmarc_report_enable", "no");
        m.put("secumail_dmarc_report_database", "$data_directory/dmarc.sqlite");
        m.put("secumail_dmarc_report_interval", "1d");
        m.put("secumail_dmarc_report_org_name", "$mydomain");
        m.put("secumail_dmarc_report_sender", "postmaster@$mydomain");
        m.put("secumail_dmarc_report_contact", "");
        PARAMETERS = java.util.Collections.unmodifiableMap(m);
    }

    /** Defaults for tests and tools: everything off but evaluation. */
    public static DmarcSettings defaults() {
        return new DmarcSettings(true, DmarcPolicy.REJECT, true, "hold", true, Set.of(), false, "", false,
                Path.of("dmarc.sqlite"), Duration.ofDays(1), "localhost", "postmaster@localhost", "", "localhost");
    }

    /**
     * From main.cf; names not known to the configuration take the defaults above.
     *
     * @throws ConfigException for a bad value or an unreadable domain list file
     */
    public static DmarcSettings fromConfig(MainConfig config) {
        Map<String, String> missing = new HashMap<>();
        PARAMETERS.forEach((k, v) -> { if (config.raw(k) == null) missing.put(k, v); });
        MainConfig c = missing.isEmpty() ? config : config.withOverrides(missing);
        String action = c.get("secumail_dmarc_reject_action").strip().toLowerCase(Locale.ROOT);
        DmarcPolicy rejectAction = switch (action) {
            case "reject" -> DmarcPolicy.REJECT;
            case "quarantine" -> DmarcPolicy.QUARANTINE;
            default -> throw new ConfigException("bad secumail_dmarc_reject_action value: " + action + " (want reject or quarantine)");
        };
        String target = c.get("secumail_dmarc_quarantine_target").strip();
        if (target.isEmpty() || target.matches(".*[\\s/].*") || target.startsWith(".")) {
            throw new ConfigException("bad secumail_dmarc_quarantine_target value: \"" + target + "\" (want hold or a folder name)");
        }
        Duration interval = c.duration("secumail_dmarc_report_interval");
        if (interval.compareTo(Duration.ofHours(1)) < 0) {
            throw new ConfigException("bad secumail_dmarc_report_interval value: " + c.get("secumail_dmarc_report_interval") + " (at least 1h)");
        }
        String domain = c.get("mydomain").strip();
        return new DmarcSettings(c.bool("secumail_dmarc_enable"), rejectAction, c.bool("secumail_dmarc_honor_pct"), target,
                c.bool("secumail_dmarc_skip_trusted"), domains(c, "secumail_dmarc_ignore_domains"),
                c.bool("secumail_dmarc_required_headers"), c.get("secumail_dmarc_psl_file").strip(),
                c.bool("secumail_dmarc_report_enable"), Path.of(c.get("secumail_dmarc_report_database").strip()), interval,
                c.get("secumail_dmarc_report_org_name").strip(), c.get("secumail_dmarc_report_sender").strip(),
                c.get("secumail_dmarc_report_contact").strip(), domain.isEmpty() ? "localhost" : domain);
    }

    /** A domain list: names, or absolute file names holding one name a line ("#" comments), as Postfix lists. */
    static Set<String> domains(MainConfig c, String name) {
        Set<String> out = new TreeSet<>();
        for (String item : c.list(name)) {
            if (item.startsWith("/")) {
                try {
                    for (String line : Files.readAllLines(Path.of(item), StandardCharsets.UTF_8)) {
                        String s = line.replaceAll("#.*", "").strip();
                        if (!s.isEmpty()) out.add(norm(s));
                    }
                } catch (IOException e) {
                    throw new ConfigException(name + ": cannot read " + item + ": " + e.getMessage());
                }
            } else {
                out.add(norm(item));
            }
        }
        return out;
    }

    private static String norm(String d) {
        String s = d.toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
