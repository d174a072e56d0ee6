// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The differential test: every transcript, unchanged, against a real Postfix configured
 * with the same main.cf (base-main.cf plus the transcript's "@main.cf" lines), compared
 * in mode CODES. One private instance serves all transcripts; main.cf is swapped by a
 * reload. Transcripts tagged "secumail-only" (SecuMail behaviour Postfix does not have)
 * or "dns" (they need a test DNS that Postfix cannot be pointed at) are skipped.
 *
 * Without Postfix, or when not root, the test is skipped with the reason; under CI
 * (environment variable CI set) that is a failure instead, so a CI machine that lost
 * its Postfix cannot pass silently.
 */
class DifferentialTest {
    private static final Logger LOG = LoggerFactory.getLogger(DifferentialTest.class);
    static final Set<String> SKIP_TAGS = Set.of("secumail-only", "dns");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private static PostfixInstance postfix;

    @TestFactory
    Stream<DynamicTest> transcriptsGetPostfixReplyCodes() throws Exception {
        Path script = PostfixInstance.defaultScript();
        String unavailable = PostfixInstance.unavailableReason(script);
        if (unavailable != null) {
            if (underCi()) {
                throw new AssertionError("CI is set, so the differential test may not be skipped: " + unavailable);
            }
            Assumptions.abort("differential test skipped: " + unavailable);
        }
        Path dir = TranscriptSuite.directory();
        LOG.info("differential test against Postfix {}", PostfixInstance.version());
        postfix = PostfixInstance.start(script, TranscriptSuite.baseMainCf(dir));
        PostfixInstance pf = postfix;
        return TranscriptSuite.dynamicTests(dir, SKIP_TAGS, (t, mainCf) -> {
            pf.reload(mainCf);
            long mark = pf.maillogSize();
            return new TranscriptSuite.Endpoint("127.0.0.1", pf.port(), () -> pf.maillogSince(mark), () -> {});
        }, Mode.CODES, READ_TIMEOUT, DifferentialTest::logConversation);
    }

    /** Postfix's exact wording for each passing transcript: the reference for SecuMail's STRICT patterns. */
    private static void logConversation(TranscriptResult r) {
        LOG.info("{} passed against Postfix in {} ms:\n{}", r.transcript().source(), r.elapsed().toMillis(),
                String.join("\n", r.conversation()).indent(4));
    }

    @AfterAll
    static void stopPostfix() {
        if (postfix != null) {
            postfix.close();
            postfix = null;
        }
    }

    static boolean underCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
    }
}
