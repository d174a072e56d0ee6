// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * One milter of an {@code smtpd_milters} or {@code non_smtpd_milters} list, with the settings
 * it runs under: Postfix's milter_* parameters, or for the Postfix 3.0 form
 * {@code { inet:host:port, connect_timeout=10s, default_action=accept }} the values given
 * there for this one milter (MILTER_README, "Advanced configuration").
 *
 * @param name           the endpoint as written ("inet:127.0.0.1:8891"), the milter's name in logs
 * @param address        where to connect: an inet or a unix-domain address
 * @param connectTimeout milter_connect_timeout (30s)
 * @param commandTimeout milter_command_timeout (30s): each reply outside the message
 * @param contentTimeout milter_content_timeout (300s): each reply while the message is sent
 * @param defaultAction  milter_default_action: accept, reject, tempfail, shutdown or quarantine
 * @param version        the protocol version offered (milter_protocol: 2, 3, 4 or 6)
 * @param steps          the protocol steps offered (SMFIP_* of that version, plus
 *                       SMFIP_NR_HDR for "no_header_reply")
 * @param macros         the macro names sent at each stage (milter_*_macros)
 */
public record MilterDefinition(String name, SocketAddress address, Duration connectTimeout, Duration commandTimeout,
                               Duration contentTimeout, String defaultAction, int version, int steps, MilterMacros.Lists macros) {
    static final Set<String> OPTIONS = Set.of("connect_timeout", "command_timeout", "content_timeout", "default_action", "protocol");
    static final Set<String> ACTIONS = Set.of("accept", "reject", "tempfail", "shutdown", "quarantine");

    /** Every milter of a list parameter's value, in order; empty for "" or "DISABLE". */
    public static List<MilterDefinition> list(MainConfig cfg, String parameter) {
        return fromValue(cfg, cfg.get(parameter), parameter);
    }

    /** Every milter of a list value (a parameter's, or a smtpd_milter_maps result), in order. */
    public static List<MilterDefinition> fromValue(MainConfig cfg, String raw, String parameter) {
        String value = raw.strip();
        List<MilterDefinition> out = new ArrayList<>();
        if (value.isEmpty() || value.equalsIgnoreCase("DISABLE")) return out;
        for (String item : MainConfig.splitList(value)) out.add(parse(cfg, item, parameter));
        return out;
    }

    /** One list item: "inet:host:port", "unix:/path" or the braced form with per-milter settings. */
    public static MilterDefinition parse(MainConfig cfg, String item, String parameter) {
        Map<String, String> options = new LinkedHashMap<>();
        String endpoint = item;
        if (item.startsWith("{")) {
            if (!item.endsWith("}")) throw new ConfigException(parameter + ": missing '}' in \"" + item + "\"");
            List<String> parts = MainConfig.splitList(item.substring(1, item.length() - 1));
            if (parts.isEmpty()) throw new ConfigException(parameter + ": no milter endpoint in \"" + item + "\"");
            endpoint = parts.get(0);
            for (String o : parts.subList(1, parts.size())) {
                int eq = o.indexOf('=');
                String key = eq < 0 ? o : o.substring(0, eq).strip();
                if (eq < 0 || !OPTIONS.contains(key)) {
                    throw new ConfigException(parameter + ": unknown milter option \"" + o + "\" in \"" + item + "\" (known: "
                            + new java.util.TreeSet<>(OPTIONS) + ")");
                }
                String v = o.substring(eq + 1).strip();
                if (v.startsWith("{") && v.endsWith("}")) v = v.substring(1, v.length() - 1).strip();
                options.put("milter_" + key, v);
            }
        }
        MainConfig c = options.isEmpty() ? cfg : cfg.withOverrides(options);
        String action = c.get("milter_default_action").strip().toLowerCase(Locale.ROOT);
        if (!ACTIONS.contains(action)) {
            throw new ConfigException("milter " + endpoint + ": bad milter_default_action \"" + action + "\" (expected one of " + new java.util.TreeSet<>(ACTIONS) + ")");
        }
        int[] proto = protocol(endpoint, c.get("milter_protocol"));
        return new MilterDefinition(endpoint, address(endpoint), c.duration("milter_connect_timeout"), c.duration("milter_command_timeout"),
                c.duration("milter_content_timeout"), action, proto[0], proto[1], MilterMacros.Lists.fromConfig(c));
    }

    /**
     * milter_protocol: one version (2, 3, 4 or 6) and optionally "no_header_reply", as
     * milter8.c reads it; returns {version, steps}.
     */
    static int[] protocol(String name, String value) {
        int version = 0;
        int steps = 0;
        for (String t : MainConfig.splitList(value)) {
            if (t.equals("no_header_reply")) {
                steps |= MilterProtocol.SMFIP_NR_HDR;
                continue;
            }
            int v;
            try {
                v = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                v = -1;
            }
            int s = v == 5 ? -1 : MilterProtocol.stepsOf(v);
            if (s < 0 || version != 0) throw new ConfigException("milter " + name + ": bad protocol information: " + t);
            version = v;
            steps |= s;
        }
        if (version == 0) throw new ConfigException("milter " + name + ": no protocol version information in milter_protocol = " + value);
        return new int[] {version, steps};
    }

    /** "inet:host:port", "inet:[v6addr]:port", "unix:/path" or "local:/path" (Postfix's transports). */
    static SocketAddress address(String endpoint) {
        int colon = endpoint.indexOf(':');
        String transport = colon < 0 ? "" : endpoint.substring(0, colon);
        String rest = colon < 0 ? "" : endpoint.substring(colon + 1);
        if (rest.isEmpty()) throw new ConfigException("Milter service needs transport:endpoint instead of \"" + endpoint + "\"");
        switch (transport) {
            case "unix", "local" -> {
                return UnixDomainSocketAddress.of(rest);
            }
            case "inet" -> {
                int c = rest.lastIndexOf(':');
                if (c <= 0 || c == rest.length() - 1) throw new ConfigException("milter " + endpoint + ": expected inet:host:port");
                String host = rest.substring(0, c);
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                int port;
                try {
                    port = Integer.parseInt(rest.substring(c + 1));
                } catch (NumberFormatException e) {
                    throw new ConfigException("milter " + endpoint + ": bad port \"" + rest.substring(c + 1) + "\"");
                }
                if (port < 1 || port > 65535) throw new ConfigException("milter " + endpoint + ": bad port " + port);
                return InetSocketAddress.createUnresolved(host, port);
            }
            default -> throw new ConfigException("invalid transport name: " + transport + " in Milter service: " + endpoint);
        }
    }
}
