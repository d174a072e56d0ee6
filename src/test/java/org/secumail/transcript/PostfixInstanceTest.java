// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The private Postfix instance itself: start, reload to a new main.cf, logging, stop. */
class PostfixInstanceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @BeforeAll
    static void needsPostfix() {
        String unavailable = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (unavailable != null && DifferentialTest.underCi()) {
            throw new AssertionError("CI is set, so the Postfix instance test may not be skipped: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    }

    /** base-main.cf: without it Postfix 3.7 runs at compatibility level 0, where smtpd refuses to start. */
    private static String base(String extra) {
        return TranscriptSuite.baseMainCf(TranscriptSuite.directory()) + extra;
    }

    private static Transcript banner(String text) {
        return TranscriptParser.parse("banner.txt", "# banner\nS: 220 mx.example.test ESMTP " + text + "\nC: QUIT\nS: 221 *\n");
    }

    @Test
    void reloadSwapsMainCfForTheNextConnectionAndStopCleansUp() throws Exception {
        Path dir;
        try (PostfixInstance pf = PostfixInstance.start(PostfixInstance.defaultScript(), base("smtpd_banner = $myhostname ESMTP first\n"))) {
            dir = pf.directory();
            TranscriptRunner.run(banner("first"), "127.0.0.1", pf.port(), Mode.STRICT, TIMEOUT);
            long mark = pf.maillogSize();
            pf.reload(base("smtpd_banner = $myhostname ESMTP second\nmydestination = example.test\n"));
            TranscriptRunner.run(banner("second"), "127.0.0.1", pf.port(), Mode.STRICT, TIMEOUT);
            assertThat(Files.readString(dir.resolve("etc/main.cf")))
                    .contains("smtpd_banner = $myhostname ESMTP second", "queue_directory = " + dir.toRealPath() + "/spool",
                            "default_transport = discard");
            assertThat(pf.maillogSince(mark)).contains("reload -- version").contains("connect from localhost[127.0.0.1]");
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void extraLinesCannotMoveTheInstanceOffItsDirectoriesAndDuplicatesCollapse() throws Exception {
        try (PostfixInstance pf = PostfixInstance.start(PostfixInstance.defaultScript(), base("""
                queue_directory = /var/spool/postfix
                default_transport = smtp
                mynetworks = 10.0.0.0/8
                mynetworks = 127.0.0.0/8,
                    192.0.2.0/24
                """))) {
            String mainCf = Files.readString(pf.directory().resolve("etc/main.cf"));
            assertThat(mainCf).doesNotContain("/var/spool/postfix").doesNotContain("default_transport = smtp")
                    .contains("mynetworks = 127.0.0.0/8, 192.0.2.0/24");
            assertThat(mainCf.lines().filter(l -> l.startsWith("mynetworks ="))).hasSize(1);
        }
    }

    @Test
    void aMainCfThatSmtpdRejectsFailsTheReloadWithTheLog() throws Exception {
        try (PostfixInstance pf = PostfixInstance.start(PostfixInstance.defaultScript(), base(""))) {
            // Postfix 3.7 knows only yes/no/normalize/reject here; smtpd exits fatally.
            assertThatThrownBy(() -> pf.reload(base("smtpd_forbid_bare_newline = note\n")))
                    .hasMessageContaining("reload failed")
                    .hasMessageContaining("bad parameter value: 'smtpd_forbid_bare_newline = note'");
        }
    }
}
