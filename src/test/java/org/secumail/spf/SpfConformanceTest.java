// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every test of the OpenSPF suites (src/test/resources/spf, see SOURCE.md there) against
 * {@link SpfEvaluator} over a {@link ZoneResolver} built from each scenario's zonedata.
 * A test passes when the result is one of the allowed results and, when the suite gives an
 * explanation for a fail, the explanation is equal ("DEFAULT" means the default one). Every
 * test of both files runs; none is skipped or marked as a known deviation.
 */
class SpfConformanceTest {

    @TestFactory
    Stream<DynamicNode> rfc7208() throws IOException {
        return suite("rfc7208-tests.yml", 16, 203);
    }

    @TestFactory
    Stream<DynamicNode> rfc4408() throws IOException {
        return suite("rfc4408-tests.yml", 15, 191);
    }

    /** Builds one container per scenario; the counts (from SOURCE.md) guard the YAML reader. */
    @SuppressWarnings("unchecked")
    private Stream<DynamicNode> suite(String file, int scenarioCount, int testCount) throws IOException {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/spf/" + file)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<DynamicNode> scenarios = new ArrayList<>();
        int total = 0;
        for (Object doc : MiniYaml.documents(text)) {
            Map<String, Object> scenario = (Map<String, Object>) doc;
            Map<String, Object> tests = (Map<String, Object>) scenario.get("tests");
            if (tests == null) continue;
            ZoneResolver zone = new ZoneResolver((Map<String, Object>) scenario.get("zonedata"));
            List<DynamicTest> cases = new ArrayList<>();
            for (Map.Entry<String, Object> t : tests.entrySet()) {
                Map<String, Object> test = (Map<String, Object>) t.getValue();
                cases.add(DynamicTest.dynamicTest(t.getKey(), () -> {
                    run(zone, test);
                }));
            }
            scenarios.add(DynamicContainer.dynamicContainer(String.valueOf(scenario.get("description")), cases));
            total += cases.size();
        }
        assertThat(scenarios).as(file + " scenarios").hasSize(scenarioCount);
        assertThat(total).as(file + " tests").isEqualTo(testCount);
        return scenarios.stream();
    }

    private static void run(ZoneResolver zone, Map<String, Object> test) throws IOException {
        InetAddress ip = InetAddress.getByName((String) test.get("host"));
        String mailFrom = (String) test.getOrDefault("mailfrom", "");
        String helo = (String) test.get("helo");
        SpfResult result = new SpfEvaluator(zone, "unknown", java.time.Clock.systemUTC()).check(ip, mailFrom, helo);
        Object expected = test.get("result");
        List<String> allowed = new ArrayList<>();
        if (expected instanceof List<?> l) for (Object o : l) allowed.add(String.valueOf(o).toLowerCase(Locale.ROOT));
        else allowed.add(String.valueOf(expected).toLowerCase(Locale.ROOT));
        String detail = "spec " + test.get("spec") + ", mechanism " + result.mechanism() + ", queries " + result.queries();
        assertThat(result.code().keyword()).as(detail).isIn(allowed);
        Object explanation = test.get("explanation");
        if (explanation != null && result.code() == SpfResultCode.FAIL) {
            String want = explanation.equals("DEFAULT") ? SpfEvaluator.DEFAULT_EXPLANATION : (String) explanation;
            assertThat(result.explanation()).as(detail).isEqualTo(want);
        }
    }
}
