// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.secumail.content.RawMessage;

/**
 * The body's pattern-set scan alone, for bench/set-scan.sh (skipped by the test command):
 * Debian's body rules, the paragraphs of a corpus of messages, and one filter per cache size
 * (secumail.bench.sizes, DFA states before a group splits) read over all of them in
 * interleaved passes in one JVM, so that the machine's slow minutes fall on every filter alike.
 * Prints each pass's milliseconds and each filter's groups, splits and restarts.
 */
@EnabledIfSystemProperty(named = "secumail.bench.setscan", matches = "true")
class SetScanBench {
    @Test
    void bodySetScan() throws Exception {
        RuleSet rules = RuleSet.load(List.of(ShippedRules.RULES));
        List<java.util.regex.Pattern> patterns = new ArrayList<>();
        for (Rule r : rules.rules(Rule.Type.BODY)) {
            if (r.test() instanceof Rule.Match m && m.pattern() != null && !m.negate()) patterns.add(m.pattern());
        }
        List<List<String>> messages = new ArrayList<>();
        long chars = 0;
        try (var files = Files.list(Path.of(System.getProperty("secumail.bench.corpus", "/var/lib/refstack/corpus")))) {
            for (Path p : files.sorted().toList()) {
                MessageView v = MessageView.of(RawMessage.of(Files.readAllBytes(p)), "", List.of(), Relays.Trust.INFERRED);
                messages.add(v.paragraphs);
                for (String t : v.paragraphs) chars += t.length();
            }
        }
        String[] sizes = System.getProperty("secumail.bench.sizes", "2000,4000").split(",");
        PatternSetFilter[] filters = new PatternSetFilter[sizes.length];
        for (int k = 0; k < sizes.length; k++) filters[k] = PatternSetFilter.of(patterns, Integer.parseInt(sizes[k].strip()));
        int passes = Integer.getInteger("secumail.bench.passes", 12);
        System.out.println("set-scan: " + patterns.size() + " body patterns, " + messages.size() + " messages, " + chars + " characters");
        long sink = 0;
        for (int pass = 1; pass <= passes; pass++) {
            StringBuilder line = new StringBuilder("pass " + pass + ":");
            for (int k = 0; k < filters.length; k++) {
                long t0 = System.nanoTime();
                for (List<String> paragraphs : messages) sink += filters[k].scan(paragraphs).length;
                line.append("  ").append(sizes[k].strip()).append(" states ").append((System.nanoTime() - t0) / 1_000_000).append(" ms");
            }
            System.out.println(line);
        }
        for (int k = 0; k < filters.length; k++) {
            String st = filters[k].stats();
            System.out.println(sizes[k].strip() + " states: " + st.substring(0, st.indexOf(" KiB") + 4) + (sink == 0 ? "" : ""));
        }
    }
}
