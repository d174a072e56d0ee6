// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirCounterTest {
    private static void file(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
    }

    @Test
    void countsFilesInNewDirectoriesOnly(@TempDir Path root) throws Exception {
        file(root.resolve("user1/new/1"));
        file(root.resolve("user1/new/2"));
        file(root.resolve("user1/cur/3"));
        file(root.resolve("user1/tmp/4"));
        file(root.resolve("user2/new/5"));
        file(root.resolve("user3/Maildir/new/6"));
        file(root.resolve("user3/Maildir/new/.hidden"));
        Files.createDirectories(root.resolve("user4/new"));

        assertThat(MaildirCounter.underRoot(root).count()).isEqualTo(4);
        assertThat(MaildirCounter.matching(root + "/*/new").count()).isEqualTo(3);
        assertThat(MaildirCounter.matching(root + "/user1/new").count()).isEqualTo(2);
        assertThat(MaildirCounter.matching(root + "/*/Maildir/new").count()).isEqualTo(1);
        assertThat(MaildirCounter.matching(root + "/missing*/new").count()).isZero();
    }

    @Test
    void awaitGivesUpAtTheDeadline(@TempDir Path root) throws Exception {
        file(root.resolve("u/new/1"));
        MaildirCounter c = MaildirCounter.underRoot(root);
        long[] done = c.awaitCount(1, System.nanoTime() + 5_000_000_000L, 10);
        assertThat(done[0]).isEqualTo(1);
        long t0 = System.nanoTime();
        long[] missing = c.awaitCount(2, t0 + 100_000_000L, 10);
        assertThat(missing[0]).isEqualTo(1);
        assertThat(missing[1] - t0).isGreaterThanOrEqualTo(100_000_000L).isLessThan(3_000_000_000L);
    }
}
