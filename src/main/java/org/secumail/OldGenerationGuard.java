// SPDX-License-Identifier: Apache-2.0
package org.secumail;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the garbage in the old generation bounded, and with it the resident size of a server
 * that runs for days. The serial collector (scripts/jvm-options) collects the old generation
 * only when it is full, and expands it before that, up to -Xmx: under steady load the little
 * that is promoted each second (buffers of the messages in flight at a young collection, DFA
 * caches started afresh, DNS answers that expired) piles up as garbage and the process grows for
 * as long as it runs (the whole chain of bench/chain-parts.sh: 269 MiB after 120,000 messages,
 * 288 MiB after 150,000; with this guard 227 MiB). Every {@link #INTERVAL_MS}, when the old
 * generation holds more than the limit beyond what the last full collection left alive, this
 * asks for a full collection; the heap then shrinks back (-XX:MaxHeapFreeRatio with
 * -XX:-ShrinkHeapInSteps). It costs the pause of a full collection of the live heap, every two
 * to three minutes under full load (that run: 5.26 ms of CPU per message, as without it).
 *
 * <p>The limit is the system property {@code secumail.old_garbage_limit_mb} (default
 * {@value #DEFAULT_LIMIT_MB}; 0 turns the guard off).
 */
public final class OldGenerationGuard {
    private static final Logger LOG = LoggerFactory.getLogger("secumail/master");
    static final int DEFAULT_LIMIT_MB = 32;
    static final long INTERVAL_MS = 10_000;

    private OldGenerationGuard() { }

    /** Starts the guard on a daemon thread, unless the limit is 0 or there is no old generation to watch. */
    public static void start() {
        long limitMb = Long.getLong("secumail.old_garbage_limit_mb", DEFAULT_LIMIT_MB);
        MemoryPoolMXBean old = oldGeneration();
        if (limitMb <= 0 || old == null) return;
        long limit = limitMb << 20;
        Thread.ofPlatform().daemon().name("old-generation-guard").start(() -> {
            try {
                while (true) {
                    Thread.sleep(INTERVAL_MS);
                    MemoryUsage after = old.getCollectionUsage();
                    long used = old.getUsage().getUsed();
                    long live = after == null ? 0 : after.getUsed();
                    if (garbageOverLimit(used, live, limit)) {
                        LOG.info("old generation: {} MB in use, {} MB alive after its last collection: collecting", used >> 20, live >> 20);
                        System.gc();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Whether what was added to the old generation since its last collection passes the limit. */
    static boolean garbageOverLimit(long used, long aliveAfterLastCollection, long limit) {
        return used - aliveAfterLastCollection > limit;
    }

    /** The heap pool that holds promoted objects (serial: "Tenured Gen"; G1, Parallel: "... Old Gen"). */
    static MemoryPoolMXBean oldGeneration() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()
                    && (p.getName().contains("Tenured") || p.getName().contains("Old Gen"))) return p;
        }
        return null;
    }
}
