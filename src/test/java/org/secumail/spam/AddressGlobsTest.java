// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AddressGlobsTest {
    @Test
    void theShippedKindsOfGlob() {
        AddressGlobs banks = AddressGlobs.of(List.of("*@paypal.com", "*@*.PayPal.co.uk", "billing@example.org", "*@bank?.example"));
        assertThat(banks.matches("service@PAYPAL.com")).isTrue();
        assertThat(banks.matches("x@mail.paypal.co.uk")).isTrue();
        assertThat(banks.matches("x@paypal.co.uk")).as("*@*. needs a label before").isFalse();
        assertThat(banks.matches("Billing@Example.org")).isTrue();
        assertThat(banks.matches("billing@example.org.evil")).isFalse();
        assertThat(banks.matches("me@bank1.example")).isTrue();
        assertThat(banks.matches("me@bank12.example")).isFalse();
        assertThat(banks.matches("evil\n@paypal.com")).as("* does not stand for a line end, as in Java's .*").isFalse();
        assertThat(banks.matches("")).isFalse();
        assertThat(AddressGlobs.NONE.isEmpty()).isTrue();
    }

    /** Each list answers as its globs do one by one through Scan.globMatch. */
    @Test
    void answersAsTheGlobsOneByOne() {
        String[] parts = {"a", "b", "@", ".", "*", "?", "x.com", "@b.", "A", "\n", "\u00e9"};
        Random rnd = new Random(17);
        int hits = 0;
        for (int k = 0; k < 3000; k++) {
            List<String> globs = new ArrayList<>();
            for (int g = 1 + rnd.nextInt(4); g > 0; g--) globs.add(word(rnd, parts, 1 + rnd.nextInt(4)));
            AddressGlobs compiled = AddressGlobs.of(globs);
            for (int t = 0; t < 20; t++) {
                String address = word(rnd, parts, rnd.nextInt(6)).replace("*", "").replace("?", "");
                boolean expected = !address.isEmpty() && globs.stream().anyMatch(g -> Scan.globMatch(g, address));
                assertThat(compiled.matches(address)).as(globs + " on \"" + address + "\"").isEqualTo(expected);
                if (expected) hits++;
            }
        }
        assertThat(hits).as("the lists match some addresses").isGreaterThan(1000);
    }

    private static String word(Random rnd, String[] parts, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(parts[rnd.nextInt(parts.length)]);
        return sb.toString();
    }
}
