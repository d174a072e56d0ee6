// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The automaton against a naive search: every occurrence of every pattern, overlapping and
 * nested ones included, over a small alphabet (deep failure chains), with few states (all of
 * them dense) and with more states than get a dense row (the sparse path too).
 */
class AhoCorasickTest {
    private static TreeSet<String> naive(List<byte[]> patterns, byte[] data) {
        TreeSet<String> out = new TreeSet<>();
        for (int p = 0; p < patterns.size(); p++) {
            byte[] pat = patterns.get(p);
            outer:
            for (int i = 0; i + pat.length <= data.length; i++) {
                for (int k = 0; k < pat.length; k++) if (data[i + k] != pat[k]) continue outer;
                out.add(p + "@" + i);
            }
        }
        return out;
    }

    private static void compare(long seed, int patterns, int alphabet, int maxLen, int dataLen) {
        Random r = new Random(seed);
        List<byte[]> pats = new ArrayList<>();
        for (int i = 0; i < patterns; i++) {
            byte[] p = new byte[2 + r.nextInt(maxLen - 1)];
            for (int k = 0; k < p.length; k++) p[k] = (byte) (200 + r.nextInt(alphabet));
            pats.add(p);
        }
        byte[] data = new byte[dataLen];
        for (int k = 0; k < data.length; k++) data[k] = (byte) (200 + r.nextInt(alphabet));
        AhoCorasick ac = AhoCorasick.build(pats);
        TreeSet<String> got = new TreeSet<>();
        ac.scan(ByteBuffer.wrap(data), (p, start) -> {
            got.add(p + "@" + start);
            return false;
        });
        assertThat(got).as("seed " + seed).isEqualTo(naive(pats, data));
    }

    @Test
    void smallAutomatonAllDense() {
        for (long seed = 1; seed <= 20; seed++) compare(seed, 30, 3, 6, 3000);
    }

    @Test
    void largeAutomatonDenseAndSparse() {
        // about 20,000 states over 16 letters: past DENSE_STATES, so deep states take the sparse path
        for (long seed = 100; seed <= 103; seed++) compare(seed, 1500, 16, 24, 20_000);
    }
}
