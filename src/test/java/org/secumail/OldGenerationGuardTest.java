// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OldGenerationGuardTest {
    @Test
    void collectsOnlyWhenTheGarbageSinceTheLastCollectionPassesTheLimit() {
        long mb = 1 << 20;
        assertThat(OldGenerationGuard.garbageOverLimit(100 * mb, 60 * mb, 48 * mb)).isFalse();
        assertThat(OldGenerationGuard.garbageOverLimit(109 * mb, 60 * mb, 48 * mb)).isTrue();
        assertThat(OldGenerationGuard.garbageOverLimit(40 * mb, 0, 48 * mb)).as("before any collection").isFalse();
        assertThat(OldGenerationGuard.garbageOverLimit(50 * mb, 0, 48 * mb)).isTrue();
    }

    @Test
    void findsTheOldGenerationOfThisJvm() {
        // whichever collector runs the tests (serial in scripts/jvm-options, G1 by default)
        assertThat(OldGenerationGuard.oldGeneration()).isNotNull();
    }
}
