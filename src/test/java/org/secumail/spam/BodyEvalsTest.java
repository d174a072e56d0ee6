// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BodyEvalsTest {
    /** check_abundant_unicode_ratio's count tries only the places "&#" begins: the same count as a find() loop. */
    @Test
    void numericEntitiesCountAsFindDoes() {
        Pattern entity = Pattern.compile("&#(?:\\d{3,}|x[0-9a-fA-F]{3,});");
        String[] tokens = {"&", "#", "&#", "x", "X", "1", "12", "123", "4567", "abc", "F0", ";", " ", "&#&#", "\u00e9", "&#233;", "&#x2019;"};
        Random rnd = new Random(3);
        int counted = 0;
        for (int k = 0; k < 20_000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = rnd.nextInt(30); n > 0; n--) sb.append(tokens[rnd.nextInt(tokens.length)]);
            String t = sb.toString();
            int expected = 0;
            for (Matcher m = entity.matcher(t); m.find(); ) expected++;
            assertThat(BodyEvals.numericEntities(t)).as(t).isEqualTo(expected);
            counted += expected;
        }
        assertThat(counted).as("the texts hold references").isGreaterThan(2000);
        assertThat(BodyEvals.numericEntities("caf&#233; &#x2019;s &#12;")).isEqualTo(2);
    }
}
