// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML subset the OpenSPF suites use, read the way a YAML 1.1 parser reads it. */
class MiniYamlTest {

    @Test
    @SuppressWarnings("unchecked")
    void readsTheSuiteConstructs() {
        String text = """
                # header comment
                ---
                description: Two
                  lines
                tests:
                  t1:
                    comment: >-
                      folded
                      text
                    literal: |
                      one
                      two
                    result: [fail, "perm error"]
                    mailfrom: ""
                    single: 'it''s'
                zonedata:
                  example.com:
                    - SPF: "v=spf1 \\x80a -all"
                    - MX: [0, mx.example.com]
                    - TIMEOUT
                  "quoted key.example.com":
                  - TXT: [ "a", "b" ]
                  - TXT: [ ]
                ---
                description: second
                """;
        List<Object> docs = MiniYaml.documents(text);
        assertThat(docs).hasSize(2);
        Map<String, Object> first = (Map<String, Object>) docs.get(0);
        assertThat(first.get("description")).isEqualTo("Two lines");
        Map<String, Object> t1 = (Map<String, Object>) ((Map<String, Object>) first.get("tests")).get("t1");
        assertThat(t1).containsEntry("comment", "folded text").containsEntry("literal", "one\ntwo\n")
                .containsEntry("result", List.of("fail", "perm error")).containsEntry("mailfrom", "")
                .containsEntry("single", "it's");
        Map<String, Object> zone = (Map<String, Object>) first.get("zonedata");
        assertThat((List<Object>) zone.get("example.com")).containsExactly(
                Map.of("SPF", "v=spf1 \u0080a -all"), Map.of("MX", List.of("0", "mx.example.com")), "TIMEOUT");
        assertThat((List<Object>) zone.get("quoted key.example.com")).containsExactly(
                Map.of("TXT", List.of("a", "b")), Map.of("TXT", List.of()));
        assertThat(((Map<String, Object>) docs.get(1)).get("description")).isEqualTo("second");
    }
}
