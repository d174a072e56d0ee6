// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.secumail.content.RawMessage;

class HeaderEvalsTest {
    private static final RuleSet RULES = RuleSet.parse("");

    private static double toInSubject(String to, String subject, String test) throws Exception {
        RawMessage m = RawMessage.of(("From: a@example.org\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        MessageView v = MessageView.of(m, "", List.of(), Relays.Trust.INFERRED);
        Scan scan = new Scan(v, RULES, Double.NaN, Map.of(), Instant.parse("2026-12-07T00:00:00Z"));
        return EvalTests.run("check_for_to_in_subject", scan, Rule.Type.HEADER, List.of(test));
    }

    /** SpamAssassin's check_for_to_in_subject as the pattern alone reads it (HeaderEvals first checks the Subject holds the name). */
    private static boolean reference(String to, String subject, String test) {
        if (test.equals("address")) {
            return Pattern.compile("\\b" + Pattern.quote(to) + "\\b", Pattern.CASE_INSENSITIVE).matcher(subject).find();
        }
        String q = Pattern.quote(to.replaceAll("@.*", ""));
        return Pattern.compile("^(?:(?:re|fw):\\s*(?:\\w+\\s+)?" + q + "$|(?-i:" + q + ")\\s*[,:;!?-](?:$|\\s)|" + q + "$|,\\s*" + q + "[,:;!?-]$)",
                Pattern.CASE_INSENSITIVE).matcher(subject).find();
    }

    /** check_for_to_in_subject: the To: address or its local part standing as the Subject, in SpamAssassin's forms. */
    @Test
    void theRecipientStandingAsTheSubject() throws Exception {
        assertThat(toInSubject("John <john.doe@example.com>", "john.doe", "user")).isEqualTo(1);
        assertThat(toInSubject("john.doe@example.com", "JOHN.DOE", "user")).as("folded").isEqualTo(1);
        assertThat(toInSubject("john.doe@example.com", "Re: order john.doe", "user")).isEqualTo(1);
        assertThat(toInSubject("john.doe@example.com", "john.doe, your invoice", "user")).isEqualTo(1);
        assertThat(toInSubject("john.doe@example.com", "JOHN.DOE, your invoice", "user")).as("this form keeps case").isZero();
        assertThat(toInSubject("john.doe@example.com", "Meeting tomorrow", "user")).isZero();
        assertThat(toInSubject("john.doe@example.com", "Hello JOHN.DOE@EXAMPLE.COM today", "address")).isEqualTo(1);
        assertThat(toInSubject("john.doe@example.com", "Hello john.doe today", "address")).isZero();
        // the check before the pattern changes no answer
        String[] tokens = {"Re:", "fw:", " ", "john.doe", "JOHN.DOE", "John.Doe", "john", ",", ":", "!", "-", "x", "john.doe@example.com", "\u00e9"};
        Random rnd = new Random(11);
        int hits = 0;
        for (int k = 0; k < 1500; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 1 + rnd.nextInt(5); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
            String subject = sb.toString().strip();
            if (subject.isEmpty()) continue;
            for (String test : List.of("user", "address")) {
                boolean expected = reference("john.doe@example.com", subject, test);
                assertThat(toInSubject("john.doe@example.com", subject, test)).as(test + ": " + subject).isEqualTo(expected ? 1 : 0);
                if (expected) hits++;
            }
        }
        assertThat(hits).as("the subjects exercise hits").isGreaterThan(50);
    }
}
