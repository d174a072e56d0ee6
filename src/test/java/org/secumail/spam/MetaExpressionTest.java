// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetaExpressionTest {
    private static double eval(String e, Map<String, Double> hits) {
        return MetaExpression.parse(e).evaluate(n -> hits.getOrDefault(n, 0.0));
    }

    @Test
    void booleanAndArithmeticAsPerl() {
        Map<String, Double> h = Map.of("A", 1.0, "B", 1.0, "__C", 3.0);
        assertThat(eval("A && B", h)).isEqualTo(1);
        assertThat(eval("A && !B", h)).isEqualTo(0);
        assertThat(eval("A || D", h)).isEqualTo(1);
        assertThat(eval("(A + B + D) > 1", h)).isEqualTo(1);
        assertThat(eval("(A + B + D) > 2", h)).isEqualTo(0);
        assertThat(eval("__C >= 3 && !(D || E)", h)).isEqualTo(1);
        assertThat(eval("A + B * 2 == 3", h)).isEqualTo(1);
        assertThat(eval("__C / 0", h)).isEqualTo(0);
        assertThat(eval("-A + 2", h)).isEqualTo(1);
    }

    @Test
    void referencesAreListed() {
        assertThat(MetaExpression.parse("(A || __B) && !C_1").references()).containsExactly("A", "__B", "C_1");
    }

    @Test
    void malformedIsRefused() {
        assertThatThrownBy(() -> MetaExpression.parse("A &&")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetaExpression.parse("(A")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetaExpression.parse("A $ B")).isInstanceOf(IllegalArgumentException.class);
    }
}
