// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.secumail.sasl.PasswordSchemes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * "secumail pw [-s SCHEME] [-p PASSWORD] [-t HASH]": makes or checks a password hash in
 * Dovecot's "{SCHEME}hash" form, like doveadm pw. Without -p the password is asked twice on
 * the terminal, or read as one line from standard input when it is not a terminal.
 */
@Command(name = "pw", mixinStandardHelpOptions = true,
        description = "Make a password hash for the passwd-file, like doveadm pw (-t: check one instead).")
public final class PwCommand implements Callable<Integer> {
    @Option(names = "-s", paramLabel = "SCHEME", description = "ARGON2ID (default), ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT, SCRAM-SHA-256, PLAIN")
    String scheme = PasswordSchemes.DEFAULT;

    @Option(names = "-p", paramLabel = "PASSWORD", description = "the password (visible to other users in ps: prefer the prompt)")
    String password;

    @Option(names = "-t", paramLabel = "HASH", description = "check PASSWORD against HASH instead of making one")
    String test;

    @Option(names = "-l", description = "list the schemes")
    boolean list;

    @Option(names = "--benchmark", paramLabel = "COUNT", description = "time COUNT verifications of a SCHEME hash (logins per second bound)")
    Integer benchmark;

    @Option(names = "-j", paramLabel = "THREADS", description = "threads for --benchmark [number of CPUs]")
    int threads = Runtime.getRuntime().availableProcessors();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (list) {
                out.println(String.join(" ", PasswordSchemes.SCHEMES));
                return 0;
            }
            if (benchmark != null) {
                out.println(org.secumail.sasl.SaslBenchmark.run(scheme, benchmark, threads));
                return 0;
            }
            String pw = password != null ? password : PasswordPrompt.read(test == null);
            if (test != null) {
                if (PasswordSchemes.verify(test, pw.getBytes(StandardCharsets.UTF_8))) {
                    out.println(test + " (verified)");
                    return 0;
                }
                err.println("secumail pw: password mismatch");
                return 1;
            }
            out.println(PasswordSchemes.hash(scheme, pw));
            return 0;
        } catch (Exception e) {
            err.println("secumail pw: fatal: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
