// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DsnReportTest {
    @Test
    void longReasonsAreFoldedAndNoLineIsTooLong() {
        String reason = "<a@x>: host mx said: 550 " + "y".repeat(3000) + " and then some more words " + "z".repeat(10);
        String wrapped = DsnReport.wrap(reason);
        assertThat(wrapped).endsWith("\r\n");
        assertThat(wrapped.split("\r\n")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
        // nothing is lost but the folding whitespace
        assertThat(wrapped.replace("\r\n    ", "").replace("\r\n", "").replace(" ", ""))
                .isEqualTo(reason.replace(" ", ""));
        assertThat(DsnReport.headerSafe("x\r\nBcc: victim@example.org" + "q".repeat(2000))).startsWith("x??Bcc:").hasSize(903);
    }
}
