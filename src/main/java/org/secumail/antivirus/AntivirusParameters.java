// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * The main.cf parameters of the antivirus check with their defaults (documented in
 * docs/antivirus.md and in this package's package-info). Declared here and added to
 * {@link org.secumail.config.Parameters} with one line, as the greylisting parameters are.
 */
public final class AntivirusParameters {
    private AntivirusParameters() { }

    public static final Map<String, String> PARAMETERS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("secumail_antivirus_scanner", "none");               // none, clamd, builtin
        m.put("secumail_antivirus_infected_action", "reject");      // reject, discard, quarantine
        m.put("secumail_antivirus_error_action", "tempfail");       // tempfail, accept
        m.put("secumail_antivirus_oversize_action", "truncate");    // truncate, tempfail, accept
        m.put("secumail_antivirus_scanned_header", "yes");
        m.put("secumail_clamd_servers", "");                        // empty: from secumail_clamd_conf
        m.put("secumail_clamd_conf", "/etc/clamav/clamd.conf");
        m.put("secumail_clamd_connect_timeout", "5s");
        m.put("secumail_clamd_timeout", "60s");
        m.put("secumail_clamd_stream_max_length", "");              // empty: clamd.conf's StreamMaxLength, else 100M
        m.put("secumail_antivirus_database_directory", "/var/lib/clamav");
        m.put("secumail_antivirus_max_recursion", "17");            // clamd.conf MaxRecursion default
        m.put("secumail_antivirus_max_files", "10000");
        m.put("secumail_antivirus_max_file_size", "25M");
        m.put("secumail_antivirus_max_scan_size", "100M");
        m.put("secumail_antivirus_max_ratio", "100");
        m.put("secumail_antivirus_alert_exceeds_max", "yes");
        m.put("secumail_antivirus_alert_encrypted", "yes");
        m.put("secumail_attachment_policy", "yes");
        m.put("secumail_attachment_policy_file", "");              // empty: AttachmentPolicy.DEFAULT
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The configuration with every antivirus parameter it does not know yet at its default. */
    static MainConfig withDefaults(MainConfig config) {
        Map<String, String> missing = new HashMap<>();
        PARAMETERS.forEach((k, v) -> { if (config.raw(k) == null) missing.put(k, v); });
        return missing.isEmpty() ? config : config.withOverrides(missing);
    }

    /** One of the allowed words, lower-cased, or a ConfigException naming the parameter. */
    static String choice(MainConfig c, String name, String... allowed) {
        String v = c.get(name).strip().toLowerCase(Locale.ROOT);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new ConfigException("bad " + name + " value: " + v + " (want one of " + String.join(", ", allowed) + ")");
    }

    /**
     * A size as clamd.conf writes it: a number of bytes with an optional K or M suffix (kibibytes,
     * mebibytes, clamd.conf(5)); G is accepted too.
     */
    public static long size(String name, String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
            mult = switch (v.charAt(v.length() - 1)) { case 'K' -> 1L << 10; case 'M' -> 1L << 20; default -> 1L << 30; };
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) throw new NumberFormatException();
            return Math.multiplyExact(n, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException("bad size configuration: " + name + " = " + value);
        }
    }
}
