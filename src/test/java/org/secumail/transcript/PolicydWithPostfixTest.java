// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.greylist.GreylistRestrictions;
import org.secumail.policy.PolicyServer;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restrictions;

/**
 * A real Postfix (Debian package) uses "secumail policyd" as it would use postgrey:
 * check_policy_service inet:127.0.0.1:PORT; a new triplet is greylisted by SecuMail and
 * Postfix gives the client the 450 4.2.0 reply.
 */
class PolicydWithPostfixTest {
    @TempDir
    Path dir;

    @Test
    void postfixGreylistsThroughSecuMailPolicyd() throws Exception {
        Path script = PostfixInstance.defaultScript();
        String unavailable = PostfixInstance.unavailableReason(script);
        if (unavailable != null) {
            if (DifferentialTest.underCi()) throw new AssertionError("CI is set, so this test may not be skipped: " + unavailable);
            Assumptions.abort(unavailable);
        }
        MainConfig cfg = MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "mynetworks = 127.0.0.0/8",
                "myhostname = policy.example.test", "data_directory = " + dir.resolve("data"), "alias_maps =",
                "secumail_policyd_restrictions = check_greylist", ""), "main.cf", dir);
        CheckSettings settings = new CheckSettings(cfg, Restrictions.builtin(),
                new DnsjavaResolver(java.util.List.of("127.0.0.1:9"), Duration.ofSeconds(1)));
        try (PolicyServer policyd = new PolicyServer(cfg, settings, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             PostfixInstance postfix = PostfixInstance.start(script, TranscriptSuite.baseMainCf(TranscriptSuite.directory())
                     + "\nsmtpd_recipient_restrictions = reject_unauth_destination, check_policy_service inet:127.0.0.1:" + policyd.port() + "\n")) {
            Transcript t = TranscriptParser.parse("policyd-with-postfix", String.join("\n",
                    "# Postfix asks secumail policyd",
                    "S: 220 *",
                    "C: XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]",
                    "S: 220 *",
                    "C: EHLO outside.example",
                    "S: 250 *",
                    "C: MAIL FROM:<a@outside.example>",
                    "S: 250 2.1.0 Ok",
                    "C: RCPT TO:<user1@example.test>",
                    "S: 450 4.2.0 <user1@example.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.test.html",
                    "C: QUIT",
                    "S: 221 *", ""));
            TranscriptResult r = TranscriptRunner.run(t, "127.0.0.1", postfix.port(), Mode.STRICT, Duration.ofSeconds(15));
            assertThat(r.conversation()).anyMatch(l -> l.contains("Greylisted"));
        } finally {
            GreylistRestrictions.closeAll();
        }
    }
}
