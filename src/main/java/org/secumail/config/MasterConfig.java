// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * master.cf as master(5) describes it: one service per logical line (continuation lines start
 * with whitespace, '#' lines are comments) with the fields service, type, private, unpriv,
 * chroot, wakeup, maxproc, command + args. SecuMail runs the "inet" services whose command is
 * smtpd; "-o name=value" arguments override main.cf for that service. Every other entry gets
 * a warning: Postfix's internal services (pickup, cleanup, qmgr, local ...) are built into
 * SecuMail's one process, and other commands are not supported. A "unix" entry whose command is
 * smtp or lmtp is a delivery transport of that name (FILTER_README's "scan unix - - n - 10
 * smtp"): transport_maps, content_filter and FILTER actions may name it, and its "-o" options
 * override main.cf for its deliveries.
 */
public final class MasterConfig {
    /** One smtpd listener: address ("host:port", "port", or a service name such as "smtp"). */
    public record Service(String endpoint, int maxproc, Map<String, String> overrides, int line, boolean postscreen) {
        public Service(String endpoint, int maxproc, Map<String, String> overrides, int line) {
            this(endpoint, maxproc, overrides, line, false);
        }
    }

    /** A delivery transport: a "unix" entry running smtp or lmtp, with its -o overrides. */
    public record Transport(String name, String command, int maxproc, Map<String, String> overrides) { }

    private static final String PASS_MAXPROC = " maxproc";

    private final List<Service> services;
    private final List<Transport> transports;
    private final List<String> warnings;

    private MasterConfig(List<Service> services, List<Transport> transports, List<String> warnings) {
        this.services = List.copyOf(services);
        this.transports = List.copyOf(transports);
        this.warnings = List.copyOf(warnings);
    }

    public List<Service> services() { return services; }

    /** The smtp and lmtp delivery transports of master.cf, by name. */
    public List<Transport> transports() { return transports; }

    public List<String> warnings() { return warnings; }

    public static MasterConfig load(Path file, int defaultProcessLimit) {
        try {
            return parse(Files.readString(file), file.toString(), defaultProcessLimit);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static MasterConfig parse(String text, String source, int defaultProcessLimit) {
        List<Service> services = new ArrayList<>();
        List<Transport> transports = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> pass = new LinkedHashMap<>();   // the "pass" smtpd entry's -o options
        List<String> lines = text.lines().toList();
        StringBuilder logical = null;
        int start = 0;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : null;
            if (line != null && (line.isBlank() || line.strip().startsWith("#"))) continue;
            if (line != null && Character.isWhitespace(line.charAt(0))) {
                if (logical == null) throw new ConfigException(source + ", line " + (i + 1) + ": continuation line without a service");
                logical.append(' ').append(line.strip());
                continue;
            }
            if (logical != null) entry(logical.toString(), source, start, defaultProcessLimit, services, transports, warnings, pass);
            if (line != null) {
                logical = new StringBuilder(line.strip());
                start = i + 1;
            }
        }
        // postscreen (POSTSCREEN_README): "smtp inet n - y - 1 postscreen" screens the clients and
        // hands them to "smtpd pass - - y - - smtpd"; in SecuMail's one process the smtpd entry's
        // -o options apply to the sessions of the postscreen service
        List<Service> merged = new ArrayList<>();
        for (Service s : services) {
            if (!s.postscreen()) {
                merged.add(s);
                continue;
            }
            Map<String, String> o = new LinkedHashMap<>(s.overrides());
            o.putAll(pass);
            String max = o.remove(PASS_MAXPROC);
            merged.add(new Service(s.endpoint(), max == null ? defaultProcessLimit : Integer.parseInt(max), o, s.line(), true));
        }
        return new MasterConfig(merged, transports, warnings);
    }

    private static void entry(String text, String source, int line, int defaultLimit, List<Service> services, List<Transport> transports,
                              List<String> warnings, Map<String, String> pass) {
        String[] f = text.split("\\s+");
        if (f.length < 8) throw new ConfigException(source + ", line " + line + ": expected 8 or more fields, found " + f.length + ": \"" + text + "\"");
        String command = f[7];
        if (f[1].equals("unix") && (command.equals("smtp") || command.equals("lmtp"))) {
            Map<String, String> o = new LinkedHashMap<>();
            options(f, source, line, warnings, o);
            int max = f[6].equals("-") ? defaultLimit : parseMaxproc(f[6], source, line);
            transports.add(new Transport(f[0], command, max, o));
            return;
        }
        if (f[1].equals("pass") && command.equals("smtpd")) {
            Map<String, String> o = new LinkedHashMap<>();
            options(f, source, line, warnings, o);
            pass.putAll(o);
            // postscreen's own maxproc is its process count (1); the sessions are the smtpd's
            pass.put(PASS_MAXPROC, Integer.toString(f[6].equals("-") ? defaultLimit : parseMaxproc(f[6], source, line)));
            return;
        }
        boolean postscreen = f[1].equals("inet") && command.equals("postscreen");
        if (!postscreen && (!f[1].equals("inet") || !command.equals("smtpd"))) {
            if (!isBuiltIn(f[0], command)) {
                warnings.add(source + ", line " + line + ": service \"" + f[0] + "\" (type " + f[1] + ", command " + command + ") is not supported by SecuMail; ignored");
            }
            return;
        }
        int maxproc = f[6].equals("-") ? defaultLimit : parseMaxproc(f[6], source, line);
        Map<String, String> overrides = new LinkedHashMap<>();
        options(f, source, line, warnings, overrides);
        services.add(new Service(f[0], maxproc, overrides, line, postscreen));
    }

    private static int parseMaxproc(String v, String source, int line) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(source + ", line " + line + ": bad maxproc field \"" + v + "\"");
        }
    }

    /** The "-o name=value" arguments after the command. */
    private static void options(String[] f, String source, int line, List<String> warnings, Map<String, String> overrides) {
        for (int i = 8; i < f.length; i++) {
            String opt = f[i];
            String value;
            if (opt.equals("-o") && i + 1 < f.length) value = f[++i];
            else if (opt.startsWith("-o")) value = opt.substring(2);
            else {
                warnings.add(source + ", line " + line + ": " + f[7] + " argument \"" + opt + "\" is not supported; ignored");
                continue;
            }
            int eq = value.indexOf('=');
            if (eq <= 0) throw new ConfigException(source + ", line " + line + ": bad -o argument \"" + value + "\" (expected name=value)");
            String v = value.substring(eq + 1);
            if (v.startsWith("{") && v.endsWith("}")) v = v.substring(1, v.length() - 1).strip();
            overrides.put(value.substring(0, eq), v);
        }
    }

    /** Postfix's own daemons, which SecuMail implements inside its single process. */
    private static boolean isBuiltIn(String service, String command) {
        return List.of("pickup", "cleanup", "qmgr", "oqmgr", "tlsmgr", "trivial-rewrite", "rewrite", "bounce", "defer",
                "trace", "flush", "proxymap", "proxywrite", "verify", "anvil", "scache", "discard", "local", "virtual",
                "error", "retry", "showq", "postlog", "dnsblog", "tlsproxy").contains(command);
    }
}
