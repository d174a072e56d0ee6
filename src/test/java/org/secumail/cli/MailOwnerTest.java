// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;

/**
 * mail_owner: a user with user ID 0 is refused as Postfix refuses it; running as root is
 * only warned about, also when main.cf names a mail_owner (a Postfix main.cf tried by hand).
 */
class MailOwnerTest {
    @TempDir
    Path dir;

    private Path passwd() throws Exception {
        return Files.writeString(dir.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                toor:x:0:0:another root:/root:/bin/sh
                secumail:x:101:102::/var/lib/secumail:/usr/sbin/nologin
                """);
    }

    private static MainConfig cfg(String text) {
        return MainConfig.fromText(text, "main.cf", Path.of("."));
    }

    @Test
    void privilegedOwnerIsRefusedWhoeverRuns() throws Exception {
        Path pw = passwd();
        assertThat(MailOwner.check(cfg("mail_owner = root\n"), 101, pw))
                .isEqualTo("parameter mail_owner: user root has privileged user ID");
        assertThat(MailOwner.check(cfg("mail_owner = toor\n"), 0, pw)).contains("user toor has privileged user ID");
        assertThat(MailOwner.check(cfg("mail_owner =\n"), 101, pw)).contains("empty");
    }

    @Test
    void rootIsWarnedAboutNotRefused() throws Exception {
        Path pw = passwd();
        assertThat(MailOwner.check(cfg("mail_owner = postfix\n"), 0, pw)).isNull();
        assertThat(MailOwner.rootWarning("postfix")).contains("running as root").contains("as user postfix");
        assertThat(MailOwner.check(cfg(""), 0, pw)).isNull();
        assertThat(MailOwner.check(cfg("mail_owner = secumail\n"), 101, pw)).isNull();
        assertThat(MailOwner.uidOf("secumail", pw)).hasValue(101);
        assertThat(MailOwner.uidOf("nobody-here", pw)).isEmpty();
    }
}
