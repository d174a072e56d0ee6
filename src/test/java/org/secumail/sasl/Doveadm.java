// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The real doveadm and dovecot (Debian's dovecot-core) for the tests: skipped when missing, except under CI. */
final class Doveadm {
    static final Path DOVEADM = Path.of("/usr/bin/doveadm");
    static final Path DOVECOT = Path.of("/usr/sbin/dovecot");

    private Doveadm() {
    }

    static void require() {
        if (Files.isExecutable(DOVEADM) && Files.isExecutable(DOVECOT)) return;
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equals("false")) throw new AssertionError("dovecot-core is missing under CI");
        Assumptions.abort("dovecot-core is not installed (scripts/install-test-deps.sh installs it)");
    }

    record Result(int rc, String out) {
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(DOVEADM.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("doveadm did not finish: " + cmd);
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        } finally {
            p.destroyForcibly();
        }
    }

    /** The schemes this doveadm knows (doveadm pw -l). */
    static List<String> schemes() throws IOException, InterruptedException {
        return List.of(run("pw", "-l").out().split("\\s+"));
    }
}
