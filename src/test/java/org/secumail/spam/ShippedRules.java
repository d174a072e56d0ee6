// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Debian's spamassassin package: its rules directory, required under CI. */
final class ShippedRules {
    private ShippedRules() { }

    static final Path RULES = Path.of("/usr/share/spamassassin");

    static void assumeInstalled() {
        if (Files.isRegularFile(RULES.resolve("72_active.cf"))) return;
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank()) throw new AssertionError("SpamAssassin's rules are missing under CI (scripts/install-test-deps.sh installs spamassassin)");
        Assumptions.abort("spamassassin is not installed (scripts/install-test-deps.sh installs it)");
    }
}
