// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Dates read as SpamAssassin 4.0.1's parse_rfc822_date reads them (the expected values are its output). */
class SaDateTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "undef", textBlock = """
        Sun, 19 May 2002 17:50:51                 | 1021830651
        Tue, 17 Sep 2002 18:47:24 +0100 (IST)     | 1032284844
        Mon Jan  6 10:11:12 2003                  | 1041811200
        19 May 02 17:50 EST                       | 1021848600
        31 Feb 2004 10:00:00 -0230                | 1078144200
        Thu, 1 Jan 1965 00:00:00 GMT              | 0
        garbage                                   | undef
        """)
    void readsDatesAsSpamAssassinDoes(String date, Long expected) {
        assertThat(SaDate.parse(date)).isEqualTo(expected);
    }
}
