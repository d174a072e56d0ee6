// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The effective main.cf: explicit settings (from the file and from master.cf "-o" overrides)
 * over Postfix's defaults. Values are expanded on read: $name, ${name}, $(name),
 * ${name?text} (text when name is non-empty), ${name:text} (text when name is empty) and $$.
 * Immutable; {@link #withOverrides} makes the per-service view for a master.cf entry.
 */
public final class MainConfig {
    private static final int MAX_DEPTH = 100;

    private final Map<String, String> explicit;
    private final Map<String, String> computed;
    private final Path configDir;

    private MainConfig(Map<String, String> explicit, Map<String, String> computed, Path configDir) {
        this.explicit = Map.copyOf(explicit);
        this.computed = computed;
        this.configDir = configDir;
    }

    /** Reads CONFIG_DIR/main.cf. */
    public static MainConfig load(Path configDir) {
        Path file = configDir.resolve("main.cf");
        try {
            return fromText(Files.readString(file), file.toString(), configDir);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static MainConfig fromText(String text, String source, Path configDir) {
        Map<String, String> explicit = new LinkedHashMap<>(MainCfParser.parse(text, source));
        Map<String, String> computed = computeDefaults(explicit);
        computed.put("config_directory", configDir.toAbsolutePath().normalize().toString());
        return new MainConfig(explicit, computed, configDir);
    }

    /** The view of this configuration for one master.cf service ("-o name=value" overrides win). */
    public MainConfig withOverrides(Map<String, String> overrides) {
        if (overrides.isEmpty()) return this;
        Map<String, String> merged = new LinkedHashMap<>(explicit);
        merged.putAll(overrides);
        return new MainConfig(merged, computed, configDir);
    }

    public Path configDir() { return configDir; }

    /** Explicitly set names, in file order. */
    public Set<String> explicitNames() { return explicit.keySet(); }

    public boolean isExplicit(String name) { return explicit.containsKey(name); }

    /** The unexpanded value: explicit, else the default; null for an unknown, unset name. */
    public String raw(String name) {
        String v = explicit.get(name);
        if (v != null) return v;
        v = computed.get(name);
        if (v != null) return v;
        return Parameters.defaults().get(name);
    }

    /** The expanded value ("" for an unknown, unset name, as Postfix expands it). */
    public String get(String name) { return expand(raw(name), 0); }

    public String expand(String value) { return expand(value, 0); }

    private String expand(String value, int depth) {
        if (value == null || value.indexOf('$') < 0) return value == null ? "" : value;
        if (depth > MAX_DEPTH) throw new ConfigException("parameter expansion too deep (recursion?) in \"" + value + "\"");
        return Macros.expand(value, name -> expand(raw(name), depth + 1), text -> expand(text, depth + 1));
    }

    /** A list value split on commas and whitespace, Postfix style. Braced {...} groups stay whole. */
    public List<String> list(String name) { return splitList(get(name)); }

    public static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int brace = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '{') brace++;
            if (c == '}' && brace > 0) brace--;
            if (brace == 0 && (c == ',' || Character.isWhitespace(c))) {
                if (!cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    public int integer(String name) {
        String v = get(name).strip();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("bad numerical configuration: " + name + " = " + v);
        }
    }

    public long longValue(String name) {
        String v = get(name).strip();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("bad numerical configuration: " + name + " = " + v);
        }
    }

    public boolean bool(String name) {
        String v = get(name).strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes", "true", "on", "1" -> true;
            case "no", "false", "off", "0", "" -> false;
            default -> throw new ConfigException("bad boolean configuration: " + name + " = " + v);
        };
    }

    /** A time value with Postfix's units: s (default), m, h, d, w. */
    public Duration duration(String name) {
        String v = get(name).strip().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)([smhdw]?)").matcher(v);
        if (!m.matches()) throw new ConfigException("bad time configuration: " + name + " = " + v);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(7 * n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** A path value; relative paths are taken relative to the working directory, as given. */
    public Path path(String name) { return Path.of(get(name)); }

    /** Unknown explicit parameters (not Postfix's as SecuMail supports them, not referenced with $name). */
    public List<String> unknownParameters() {
        Set<String> referenced = new TreeSet<>();
        Pattern ref = Pattern.compile("\\$\\{?\\(?([A-Za-z0-9_.\\-]+)");
        for (String v : explicit.values()) {
            Matcher m = ref.matcher(v);
            while (m.find()) referenced.add(m.group(1));
        }
        referenced.addAll(splitList(get("smtpd_restriction_classes")));
        List<String> out = new ArrayList<>();
        for (String name : explicit.keySet()) {
            if (!Parameters.known(name) && !referenced.contains(name)) out.add(name);
        }
        return out;
    }

    private static Map<String, String> computeDefaults(Map<String, String> explicit) {
        Map<String, String> c = new LinkedHashMap<>();
        String host = hostname();
        c.put("myhostname", host);
        int dot = host.indexOf('.');
        c.put("mydomain", dot > 0 && dot < host.length() - 1 ? host.substring(dot + 1) : "localdomain");
        // Postfix's compatibility_level (COMPATIBILITY_README): an unset level is 0, and some
        // defaults keep their old values below a level, exactly as postconf -d shows them.
        double level = compatibilityLevel(explicit.getOrDefault("compatibility_level", "0"));
        c.put("mynetworks_style", level < 2 ? "subnet" : "host");
        c.put("relay_domains", level < 2 ? "$mydestination" : "");
        c.put("smtpd_relay_restrictions", level < 1 ? "" : "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
        c.put("smtputf8_enable", level < 1 ? "no" : "yes");
        c.put("mynetworks", networksFor(explicit.getOrDefault("mynetworks_style", c.get("mynetworks_style"))));
        return c;
    }

    private static double compatibilityLevel(String v) {
        try {
            String[] p = v.strip().split("\\.");
            return Integer.parseInt(p[0]) + (p.length > 1 ? Integer.parseInt(p[1]) / 100.0 : 0);
        } catch (NumberFormatException e) {
            throw new ConfigException("bad compatibility_level: " + v);
        }
    }

    private static String hostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            if (h != null && !h.isBlank() && !h.matches("[0-9.:]+")) return h.toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            // fall through: an unresolvable host name is common in containers
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.toLowerCase(Locale.ROOT) : "localhost";
    }

    /** mynetworks per mynetworks_style: host = the machine's own addresses, subnet/class = their subnets. */
    private static String networksFor(String style) {
        List<String> nets = new ArrayList<>(List.of("127.0.0.0/8", "[::1]/128"));
        try {
            for (NetworkInterface ni : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (var ia : ni.getInterfaceAddresses()) {
                    InetAddress a = ia.getAddress();
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress()) continue;
                    int bits = style.equals("host") ? (a.getAddress().length == 4 ? 32 : 128) : ia.getNetworkPrefixLength();
                    String addr = org.secumail.config.Addresses.networkOf(a, bits);
                    nets.add(a.getAddress().length == 4 ? addr + "/" + bits : "[" + addr + "]/" + bits);
                }
            }
        } catch (IOException e) {
            // only loopback then
        }
        return String.join(" ", nets);
    }
}
