// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetaExpressionTest {
    /** Evaluates by name and bound to slots (as the scorer does), and checks both agree. */
    private static double eval(String e, Map<String, Double> hits) {
        MetaExpression m = MetaExpression.parse(e);
        double byName = m.evaluate(n -> hits.getOrDefault(n, 0.0));
        List<String> names = new ArrayList<>(m.references());
        double[] slots = new double[names.size() + 1];   // slot 0 unused: indexes need not start at 0
        for (int i = 0; i < names.size(); i++) slots[i + 1] = hits.getOrDefault(names.get(i), 0.0);
        double bySlot = m.bind(n -> names.indexOf(n) + 1).evaluate(slots);
        assertThat(bySlot).as("bound %s", e).isEqualTo(byName);
        return byName;
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
    void boundExpressionListsTheSlotsItReads() {
        List<String> names = List.of("X", "A", "B", "__C");
        MetaExpression m = MetaExpression.parse("(A + __C) > 1 && !A || 2 * B").bind(names::indexOf);
        assertThat(m.slots()).containsExactly(1, 2, 3);
        assertThat(MetaExpression.parse("1 + 2").bind(names::indexOf).slots()).isEmpty();
        assertThatThrownBy(() -> MetaExpression.parse("A").slots()).isInstanceOf(IllegalStateException.class);
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
