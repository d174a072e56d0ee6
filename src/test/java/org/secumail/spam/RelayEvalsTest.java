// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The relay and forgery evals; the message's verdicts are SpamAssassin 4.0.1's for the same message. */
class RelayEvalsTest {
    private static final String MESSAGE = """
            Received: from 198.51.100.77 (mail.other.example [203.0.113.9]) by mx.example.org (8.12.0/8.12.0) with SMTP id g7NBBsgm016319; Fri, 23 Aug 2002 07:11:54 -0400
            Received: from unknown (HELO yahoo.com) (192.0.2.99) by relay.example.net with SMTP; 23 Aug 2002 11:10:00 -0000
            Message-ID: <0000abcd1234$00000000$00000000@example.com>
            From: bob@example.com
            To: aa1@one.example, aa2@two.example, aa3@three.example, bb4@four.example, aa5@five.example
            Date: Fri, 23 Aug 2002 07:11:50 -0400
            Subject: hello

            hello
            """;

    @Test
    void heloAddressMismatchAndAnOutlookIdThatFitsNoDate() throws Exception {
        MessageView v = TestScoring.view(MESSAGE);
        assertThat(RelayEvals.heloIpMismatch(v.relays)).isEqualTo(1);
        assertThat(RelayEvals.outlookMessageId(v)).isEqualTo(1);
        // qmail's "unknown" means no lookup was passed on, not "no reverse DNS": no dotcom-HELO hit
        assertThat(RelayEvals.noRdnsDotcomHelo(v.relays)).isZero();
        // the hop before mx.example.org came from other.example, but the older hop was received by example.net
        assertThat(RelayEvals.forgedTrail(v.relays)).isEqualTo(1);
    }

    @Test
    void recipientsAlikeInUserOrHostAreSimilar() throws Exception {
        MessageView alike = TestScoring.view(MESSAGE.replace("bb4@four.example", "aa4@four.example"));
        assertThat(RelayEvals.recipients(alike).similar()).isGreaterThanOrEqualTo(0.65);
        MessageView sorted = TestScoring.view(MESSAGE.replace("To: aa1@one.example, aa2@two.example, aa3@three.example, bb4@four.example, aa5@five.example",
                "To: a@x.example, b@y.example, c@z.example, d@w.example, e@v.example, f@u.example, g@t.example"));
        assertThat(RelayEvals.recipients(sorted).sorted()).isTrue();
        assertThat(RelayEvals.recipients(TestScoring.view(MESSAGE)).sorted()).isFalse();
    }

    @Test
    void providerDomainsGuessedFromHostNames() {
        assertThat(RelayEvals.hostDomain("mail.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(RelayEvals.hostDomain("smtp.example.com")).isEqualTo("example.com");
        assertThat(RelayEvals.hostDomain("relay.example.ie")).isEqualTo("example.ie");
        assertThat(RelayEvals.hostDomain("192.0.2.1")).isEqualTo("192.0.2.1");
    }
}
