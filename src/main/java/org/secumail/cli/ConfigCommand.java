// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.config.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * "secumail config [-n] [-d] [-x] [-c DIR] [name ...]": prints the effective main.cf like
 * postconf(1): every supported parameter with its value; -n only those set explicitly;
 * -d the defaults; -x with $name expanded. Unknown parameters set in main.cf are reported
 * on standard error.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the effective main.cf parameters, like postconf.")
public final class ConfigCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf")
    Path configDir;

    @Option(names = "-n", description = "show only parameters set explicitly in main.cf")
    boolean nonDefault;

    @Option(names = "-d", description = "show default values")
    boolean defaults;

    @Option(names = "-x", description = "expand $name references in values")
    boolean expand;

    @picocli.CommandLine.Parameters(paramLabel = "NAME", arity = "0..*", description = "parameters to show")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        MainConfig cfg;
        try {
            cfg = ConfigSource.main(configDir);
        } catch (ConfigException e) {
            System.err.println("secumail: fatal: " + e.getMessage());
            return 1;
        }
        MainConfig dflt = MainConfig.fromText("", "(defaults)", cfg.configDir());
        List<String> show = new ArrayList<>(names);
        if (show.isEmpty()) {
            if (nonDefault) show.addAll(new java.util.TreeSet<>(cfg.explicitNames()));   // postconf sorts by name
            else {
                show.addAll(new java.util.TreeSet<>(Parameters.defaults().keySet()));
            }
        }
        int rc = 0;
        for (String n : show) {
            MainConfig src = defaults ? dflt : cfg;
            String raw = src.raw(n);
            if (raw == null) {
                System.err.println("secumail: warning: " + n + ": unknown parameter");
                rc = 1;
                continue;
            }
            System.out.println(n + " = " + (expand ? expanded(src, n, raw) : raw));
        }
        if (names.isEmpty() && !defaults) {
            for (String u : cfg.unknownParameters()) {
                System.err.println("secumail: warning: main.cf: unused parameter: " + u + "=" + cfg.raw(u) + " ("
                        + (Parameters.isPostfixParameter(u) ? "a Postfix parameter SecuMail does not support yet" : "unknown: misspelled?") + ")");
            }
        }
        return rc;
    }

    /** The expanded value; a parameter whose text is not $-expanded (smtpd_expansion_filter, the footers) as it is. */
    private static String expanded(MainConfig src, String name, String raw) {
        if (RAW.contains(name)) return raw;
        try {
            return src.get(name);
        } catch (org.secumail.config.ConfigException e) {
            return raw;
        }
    }

    /** Postfix's raw parameters among ours: their values are read without $name expansion. */
    private static final java.util.Set<String> RAW = java.util.Set.of("smtpd_expansion_filter", "smtpd_reject_footer");
}
