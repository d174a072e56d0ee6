// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How many password checks per second this machine does for a scheme: the bound on AUTH
 * logins per second with the built-in backend ("secumail pw --benchmark COUNT -s SCHEME").
 * Each check is one full verification of a correct password, as a successful AUTH PLAIN is.
 */
public final class SaslBenchmark {
    private SaslBenchmark() {
    }

    /** @param checks total verifications; @param threads run at once (platform threads: the work is CPU) */
    public record Result(String scheme, int checks, int threads, double seconds) {
        public double perSecond() {
            return checks / seconds;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%s: %d verifications in %.2fs with %d threads: %.1f/s (%.1f ms each)",
                    scheme, checks, seconds, threads, perSecond(), seconds * 1000 * threads / checks);
        }
    }

    public static Result run(String scheme, int checks, int threads) throws Exception {
        if (checks < 1 || checks > 1_000_000 || threads < 1 || threads > 256) throw new IllegalArgumentException("checks 1..1000000, threads 1..256");
        String stored = PasswordSchemes.hash(scheme, "benchmark password");
        byte[] pw = "benchmark password".getBytes(StandardCharsets.UTF_8);
        if (!PasswordSchemes.verify(stored, pw)) throw new IllegalStateException("self-check failed for " + scheme);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            long t0 = System.nanoTime();
            List<Future<Boolean>> all = new ArrayList<>();
            for (int i = 0; i < checks; i++) all.add(pool.submit(() -> PasswordSchemes.verify(stored, pw)));
            for (Future<Boolean> f : all) {
                if (!f.get()) throw new IllegalStateException("verification failed");
            }
            return new Result(PasswordSchemes.schemeOf(stored), checks, threads, (System.nanoTime() - t0) / 1e9);
        }
    }
}
