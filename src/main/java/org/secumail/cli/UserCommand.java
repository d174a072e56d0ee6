// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.sasl.PasswdFile;
import org.secumail.sasl.PasswordSchemes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * "secumail user add|passwd|delete|list": edits the built-in SMTP AUTH backend's passwd-file
 * (secumail_sasl_passwd_file). The file is replaced atomically with mode 600; comments and
 * the fields after the password are kept. A running server sees the change at the next login.
 */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Manage SMTP AUTH users in the passwd-file: add USER, passwd USER, delete USER, list.")
public final class UserCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACTION", description = "add | passwd | delete | list")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "USER", description = "user name, usually user@domain")
    String user;

    @Option(names = "-s", paramLabel = "SCHEME", description = "password scheme for add and passwd [ARGON2ID]")
    String scheme = PasswordSchemes.DEFAULT;

    @Option(names = "-p", paramLabel = "PASSWORD", description = "the password (without: asked twice, or one line from standard input)")
    String password;

    @Option(names = {"-c", "--config-dir"}, paramLabel = "CONFIG_DIR", description = "directory holding main.cf (for secumail_sasl_passwd_file)")
    Path configDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            boolean needUser = !action.equals("list");
            if (!List.of("add", "passwd", "delete", "list").contains(action)) {
                err.println("secumail user: unknown action \"" + action + "\" (add, passwd, delete, list)");
                return 64;
            }
            if (needUser == (user == null)) {
                err.println("secumail user: " + action + (user == null ? " needs a USER" : " takes no USER"));
                return 64;
            }
            if (user != null && (user.isEmpty() || user.length() > 320 || user.chars().anyMatch(c -> c == ':' || c <= ' ' || c == 0x7f))) {
                err.println("secumail user: bad user name \"" + user + "\": no spaces, colons or control characters");
                return 64;
            }
            MainConfig cfg = ConfigSource.main(configDir);
            Path file = cfg.path("secumail_sasl_passwd_file");
            if (!file.isAbsolute()) file = cfg.configDir().toAbsolutePath().resolve(file);
            List<String> lines = PasswdFile.readLines(file);
            int at = find(lines, user);
            switch (action) {
                case "list" -> {
                    for (String l : lines) {
                        PasswdFile.Entry e = PasswdFile.Entry.parse(l);
                        if (e != null) out.println(e.user() + "  " + PasswordSchemes.schemeOf(e.password()));
                    }
                    return 0;
                }
                case "delete" -> {
                    if (at < 0) return noUser(err, file);
                    lines.remove(at);
                }
                case "add", "passwd" -> {
                    if (action.equals("add") && at >= 0) {
                        err.println("secumail user: " + user + " already exists in " + file + " (use: secumail user passwd)");
                        return 1;
                    }
                    if (action.equals("passwd") && at < 0) return noUser(err, file);
                    String hash = PasswordSchemes.hash(scheme, password != null ? password : PasswordPrompt.read(true));
                    if (at < 0) {
                        lines.add(user + ":" + hash);
                    } else {
                        PasswdFile.Entry old = PasswdFile.Entry.parse(lines.get(at));
                        lines.set(at, new PasswdFile.Entry(old.user(), hash, old.rest()).line());
                    }
                }
                default -> throw new IllegalStateException(action);
            }
            PasswdFile.writeLines(file, lines);
            out.println("secumail user: " + file + ": " + (action.equals("add") ? "added " : action.equals("delete") ? "deleted " : "new password for ") + user);
            return 0;
        } catch (IOException | IllegalArgumentException | ConfigException e) {
            err.println("secumail user: fatal: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int noUser(PrintWriter err, Path file) {
        err.println("secumail user: no such user in " + file);
        return 1;
    }

    /** The line of a user (names compared in lower case, as lookups are), or -1. */
    private static int find(List<String> lines, String user) {
        if (user == null) return -1;
        for (int i = 0; i < lines.size(); i++) {
            PasswdFile.Entry e = PasswdFile.Entry.parse(lines.get(i));
            if (e != null && e.user().toLowerCase(Locale.ROOT).equals(user.toLowerCase(Locale.ROOT))) return i;
        }
        return -1;
    }
}
