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
 * SecuMail's one process, and other commands are not supported.
 */
public final class MasterConfig {
    /** One smtpd listener: address ("host:port", "port", or a service name such as "smtp"). */
    public record Service(String endpoint, int maxproc, Map<String, String> overrides, int line) { }

    private final List<Service> services;
    private final List<String> warnings;

    private MasterConfig(List<Service> services, List<String> warnings) {
        this.services = List.copyOf(services);
        this.warnings = List.copyOf(warnings);
    }

    public List<Service> services() { return services; }

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
        List<String> warnings = new ArrayList<>();
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
            if (logical != null) entry(logical.toString(), source, start, defaultProcessLimit, services, warnings);
            if (line != null) {
                logical = new StringBuilder(line.strip());
                start = i + 1;
            }
        }
        return new MasterConfig(services, warnings);
    }

    private static void entry(String text, String source, int line, int defaultLimit, List<Service> services, List<String> warnings) {
        String[] f = text.split("\\s+");
        if (f.length < 8) throw new ConfigException(source + ", line " + line + ": expected 8 or more fields, found " + f.length + ": \"" + text + "\"");
        String command = f[7];
        if (!f[1].equals("inet") || !command.equals("smtpd")) {
            if (!isBuiltIn(f[0], command)) {
                warnings.add(source + ", line " + line + ": service \"" + f[0] + "\" (type " + f[1] + ", command " + command + ") is not supported by SecuMail; ignored");
            }
            return;
        }
        int maxproc;
        try {
            maxproc = f[6].equals("-") ? defaultLimit : Integer.parseInt(f[6]);
        } catch (NumberFormatException e) {
            throw new ConfigException(source + ", line " + line + ": bad maxproc field \"" + f[6] + "\"");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 8; i < f.length; i++) {
            String opt = f[i];
            String value;
            if (opt.equals("-o") && i + 1 < f.length) value = f[++i];
            else if (opt.startsWith("-o")) value = opt.substring(2);
            else {
                warnings.add(source + ", line " + line + ": smtpd argument \"" + opt + "\" is not supported; ignored");
                continue;
            }
            int eq = value.indexOf('=');
            if (eq <= 0) throw new ConfigException(source + ", line " + line + ": bad -o argument \"" + value + "\" (expected name=value)");
            String v = value.substring(eq + 1);
            if (v.startsWith("{") && v.endsWith("}")) v = v.substring(1, v.length() - 1).strip();
            overrides.put(value.substring(0, eq), v);
        }
        services.add(new Service(f[0], maxproc, overrides, line));
    }

    /** Postfix's own daemons, which SecuMail implements inside its single process. */
    private static boolean isBuiltIn(String service, String command) {
        return List.of("pickup", "cleanup", "qmgr", "oqmgr", "tlsmgr", "trivial-rewrite", "rewrite", "bounce", "defer",
                "trace", "flush", "proxymap", "proxywrite", "verify", "anvil", "scache", "discard", "local", "virtual",
                "error", "retry", "showq", "postlog").contains(command);
    }
}
