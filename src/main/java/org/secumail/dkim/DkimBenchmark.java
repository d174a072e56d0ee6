// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/**
 * DKIM signatures and verifications per second on this machine, for bench/dkim.sh ("secumail
 * dkim bench", a hidden subcommand). Each case is one key and one message file: the loop
 * signs the file's bytes (parsing included, as each message is parsed once at end of DATA),
 * or verifies the signed copy the script made with "secumail dkim sign" (FILE with
 * ".SELECTOR" before its extension), against an in-memory resolver, so that DNS is not what is
 * measured. Every operation is checked (a verification must pass) so that a broken setup
 * cannot print a fast figure. Loops are bounded by time, never by an open count.
 */
public final class DkimBenchmark {
    private DkimBenchmark() { }

    /** One measured loop: ops done by all threads in wall seconds, with the CPU they used. */
    public record Result(String op, String algorithm, String message, long bytes, int threads, long ops, double wallSeconds,
                         double threadCpuSeconds, double processCpuSeconds) {
        public double perSecond() { return ops / wallSeconds; }

        public String json() {
            return String.format(Locale.ROOT, "{\"impl\":\"secumail\",\"op\":\"%s\",\"alg\":\"%s\",\"message\":\"%s\",\"bytes\":%d,"
                    + "\"threads\":%d,\"ops\":%d,\"seconds\":%.3f,\"per_second\":%.1f,\"cpu_ms_per_op\":%.4f,\"process_cpu_ms_per_op\":%.4f}",
                    op, algorithm, message, bytes, threads, ops, wallSeconds, perSecond(), 1000 * threadCpuSeconds / ops,
                    1000 * processCpuSeconds / ops);
        }

        public String row() {
            return String.format(Locale.ROOT, "%-9s %-6s %-14s %-7s %7d %10.1f %12.4f %12.4f", "secumail", op, algorithm, message, threads,
                    perSecond(), 1000 * threadCpuSeconds / ops, 1000 * processCpuSeconds / ops);
        }
    }

    public static final String HEADER = String.format(Locale.ROOT, "%-9s %-6s %-14s %-7s %7s %10s %12s %12s",
            "impl", "op", "alg", "message", "threads", "ops/s", "cpu ms/op", "proc ms/op");

    /** Serves the one key record it was given, NXDOMAIN for anything else: no network. */
    record OneRecord(Map<String, String> txt) implements Resolver {
        @Override public DnsAnswer<InetAddress> a(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<MxRecord> mx(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }

        @Override
        public DnsAnswer<String> txt(String name) {
            String r = txt.get(name.toLowerCase(Locale.ROOT));
            return r == null ? DnsAnswer.of(DnsStatus.NXDOMAIN) : new DnsAnswer<>(DnsStatus.OK, List.of(r), 3600);
        }
    }

    /** The signed copy of a message file for a selector: "m5k.eml" and "rsa" give "m5k.rsa.eml". */
    public static Path signedFile(Path message, String selector) {
        String n = message.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String s = dot > 0 ? n.substring(0, dot) + "." + selector + n.substring(dot) : n + "." + selector;
        return message.resolveSibling(s);
    }

    /** The work of one case: one operation, checked. */
    private interface Op {
        void once() throws Exception;
    }

    /**
     * Runs {@code op} on {@code threads} platform threads for {@code warmupSeconds} (not
     * counted), then for {@code seconds}, each thread checking the clock between operations.
     */
    static Result measure(String opName, String alg, String label, long bytes, int threads, double warmupSeconds, double seconds, Op op)
            throws Exception {
        if (threads < 1 || threads > 64 || seconds <= 0 || seconds > 3600 || warmupSeconds < 0 || warmupSeconds > 3600) {
            throw new IllegalArgumentException("threads 1..64, seconds (0, 3600], warm-up [0, 3600]");
        }
        if (warmupSeconds > 0) loop(threads, warmupSeconds, op, new long[threads], new long[threads]);
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] ops = new long[threads];
        long[] cpu = new long[threads];
        long p0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        loop(threads, seconds, op, ops, cpu);
        double wall = (System.nanoTime() - t0) / 1e9;
        double proc = (os.getProcessCpuTime() - p0) / 1e9;
        long total = 0, cpuTotal = 0;
        for (int i = 0; i < threads; i++) {
            total += ops[i];
            cpuTotal += cpu[i];
        }
        if (!tmx.isCurrentThreadCpuTimeSupported()) cpuTotal = 0;
        return new Result(opName, alg, label, bytes, threads, Math.max(total, 1), wall, cpuTotal / 1e9, proc);
    }

    private static void loop(int threads, double seconds, Op op, long[] ops, long[] cpu) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        for (int t = 0; t < threads; t++) {
            int me = t;
            all.add(Thread.ofPlatform().name("dkim-bench-" + t).start(() -> {
                long c0 = tmx.getCurrentThreadCpuTime();
                long n = 0;
                try {
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        op.once();
                        n++;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                ops[me] = n;
                cpu[me] = tmx.getCurrentThreadCpuTime() - c0;
            }));
        }
        for (Thread th : all) th.join();
        if (failure.get() != null) throw new IllegalStateException("benchmark operation failed: " + failure.get(), failure.get());
    }

    /**
     * Every case: for each key (selector = the key's label) and each message, signing and
     * verification with each thread count. {@code out} gets table rows and {@code json}, when
     * not null, one JSON line per result.
     *
     * @param keys     selector -> PEM private key file (rsa or ed25519)
     * @param messages label -> unsigned message file; its signed copies sit beside it ({@link #signedFile})
     */
    public static List<Result> run(String domain, Map<String, Path> keys, Map<String, Path> messages, List<Integer> threadCounts,
                                   double warmupSeconds, double seconds, java.io.PrintWriter out, java.io.PrintWriter json) throws Exception {
        List<Result> results = new ArrayList<>();
        out.println(HEADER);
        out.flush();
        DkimSigner signer = new DkimSigner(Clock.systemUTC());
        DkimSignOptions options = DkimSignOptions.defaults();
        for (var k : keys.entrySet()) {
            String selector = k.getKey();
            DkimKeys.Loaded loaded = DkimKeys.load(k.getValue());
            DkimKey key = new DkimKey(domain, selector, loaded.privateKey(), loaded.algorithm());
            String record = DkimKeys.recordOf(DkimKeys.zoneLine(selector, domain, loaded.publicKey()));
            DkimVerifier verifier = new DkimVerifier(new OneRecord(Map.of((selector + "._domainkey." + domain).toLowerCase(Locale.ROOT), record)),
                    Clock.systemUTC(), DkimVerifier.DEFAULT_MAX_SIGNATURES);
            for (var m : messages.entrySet()) {
                byte[] plain = Files.readAllBytes(m.getValue());
                byte[] signed = Files.readAllBytes(signedFile(m.getValue(), selector));
                // A verification that does not pass would measure an early exit: refuse to start.
                List<DkimVerification> check = verifier.verify(RawMessage.of(signed));
                if (check.size() != 1 || check.get(0).result() != DkimResult.PASS) {
                    throw new IllegalStateException(signedFile(m.getValue(), selector) + " does not verify with key " + selector + ": " + check);
                }
                for (int threads : threadCounts) {
                    Result s = measure("sign", loaded.algorithm(), m.getKey(), plain.length, threads, warmupSeconds, seconds, () -> {
                        if (signer.sign(RawMessage.of(plain), key, options).raw().length < 100) throw new IllegalStateException("short signature");
                    });
                    print(out, s, json);
                    results.add(s);
                    Result v = measure("verify", loaded.algorithm(), m.getKey(), signed.length, threads, warmupSeconds, seconds, () -> {
                        List<DkimVerification> r = verifier.verify(RawMessage.of(signed));
                        if (r.get(0).result() != DkimResult.PASS) throw new IllegalStateException("verification did not pass: " + r.get(0).result());
                    });
                    print(out, v, json);
                    results.add(v);
                }
            }
        }
        return results;
    }

    private static void print(java.io.PrintWriter out, Result r, java.io.PrintWriter json) {
        out.println(r.row());
        out.flush();
        if (json != null) {
            json.println(r.json());
            json.flush();
        }
    }
}
