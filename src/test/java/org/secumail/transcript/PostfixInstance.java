// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private Postfix instance on a free loopback port, driven through
 * scripts/postfix-instance.sh (see there for its layout and settings). One instance
 * serves many transcripts: {@link #reload} swaps main.cf and waits until new
 * connections get the new configuration. Stopped by {@link #close}, or by a JVM
 * shutdown hook if the test run is cut short. Public so that tests of other packages (the
 * OpenDKIM milter interop test) can put a real Postfix in their mail path.
 */
public final class PostfixInstance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostfixInstance.class);
    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final long START_TIMEOUT_S = 60;
    private static final long RELOAD_TIMEOUT_S = 30;
    private static final int EXIT_NOT_RUNNING = 3;

    private final Path script;
    private final Path dir;
    private final int port;
    private final Thread shutdownHook;
    private String appliedMainCf;
    private boolean stopped;

    private PostfixInstance(Path script, Path dir, int port) {
        this.script = script;
        this.dir = dir;
        this.port = port;
        this.shutdownHook = new Thread(this::stopQuietly, "postfix-instance-stop");
    }

    /** Why no private instance can run here, or null when it can. */
    public static String unavailableReason(Path script) {
        if (!Files.isExecutable(POSTFIX)) {
            return "Postfix is not installed (" + POSTFIX + " missing); run scripts/install-test-deps.sh as root";
        }
        if (!Files.isRegularFile(script)) return "missing " + script;
        if (!Files.isExecutable(Path.of("/bin/bash"))) return "/bin/bash is needed by " + script;
        try {
            // /proc/self belongs to our own uid; postfix(1) is reserved to the super-user.
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) return "not root (uid " + uid + "): postfix(1) needs the super-user";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot tell whether we are root: " + e;
        }
        return null;
    }

    /** scripts/postfix-instance.sh of this project. */
    public static Path defaultScript() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "scripts", "postfix-instance.sh");
    }

    public static PostfixInstance start(Path script, String mainCf) throws IOException {
        return start(script, mainCf, "");
    }

    /** With lines added to master.cf (POSTFIX_INSTANCE_MASTER_EXTRA of the script). */
    public static PostfixInstance start(Path script, String mainCf, String masterExtra) throws IOException {
        Path dir = Files.createTempDirectory("secumail-postfix-");
        PostfixInstance pi = new PostfixInstance(script, dir, freeLoopbackPort());
        if (!masterExtra.isEmpty()) {
            pi.masterExtra = Files.createTempFile("postfix-master-extra-", ".cf");
            Files.writeString(pi.masterExtra, masterExtra.endsWith("\n") ? masterExtra : masterExtra + "\n");
        }
        Runtime.getRuntime().addShutdownHook(pi.shutdownHook);
        try {
            pi.startInstance(mainCf);
        } catch (RuntimeException | IOException e) {
            pi.close();
            throw e;
        }
        return pi;
    }

    public int port() { return port; }

    public Path directory() { return dir; }

    /** Makes mainCf the configuration of new connections; a no-op when it already is. */
    void reload(String mainCf) throws IOException {
        if (mainCf.equals(appliedMainCf)) return;
        Path extra = writeExtra(mainCf);
        long t0 = System.nanoTime();
        Run r = script(RELOAD_TIMEOUT_S, "reload", dir.toString(), extra.toString());
        if (r.exit == EXIT_NOT_RUNNING) {
            // The master died (e.g. a previous main.cf it rejected): start afresh.
            LOG.warn("postfix instance in {} was not running; starting it again", dir);
            startInstance(mainCf);
            return;
        }
        r.check("reload");
        appliedMainCf = mainCf;
        LOG.debug("postfix reload took {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Bytes in the instance's maillog so far (a mark for {@link #maillogSince}). */
    public long maillogSize() {
        try {
            Path log = dir.resolve("maillog");
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The maillog written after mark, for failure messages. postlogd writes asynchronously,
     * so first wait (at most 1 s) until the file has stopped growing for 150 ms.
     */
    public String maillogSince(long mark) {
        Path log = dir.resolve("maillog");
        long size = maillogSize();
        long stableSince = System.nanoTime();
        long deadline = stableSince + 1_000_000_000L;
        while (System.nanoTime() < deadline && System.nanoTime() - stableSince < 150_000_000L) {
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = maillogSize();
            if (now != size) {
                size = now;
                stableSince = System.nanoTime();
            }
        }
        try {
            byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            int from = (int) Math.min(Math.max(0, mark), all.length);
            return "Postfix maillog (" + log + "):\n" + new String(all, from, all.length - from, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "cannot read " + log + ": " + e;
        }
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook itself is running: nothing to remove
        }
    }

    private synchronized void stopQuietly() {
        if (stopped) return;
        stopped = true;
        try {
            script(30, "stop", dir.toString()).check("stop");
        } catch (IOException | RuntimeException e) {
            LOG.warn("stopping postfix instance in {}: {}", dir, e.toString());
        }
        deleteTree(dir);
    }

    private void startInstance(String mainCf) throws IOException {
        Path extra = writeExtra(mainCf);
        long t0 = System.nanoTime();
        script(START_TIMEOUT_S, "start", dir.toString(), Integer.toString(port), extra.toString()).check("start");
        appliedMainCf = mainCf;
        LOG.info("postfix instance started in {} ms on 127.0.0.1:{} ({})", (System.nanoTime() - t0) / 1_000_000, port, dir);
    }

    private Path writeExtra(String mainCf) throws IOException {
        Path extra = dir.resolve("main.cf.extra");
        Files.writeString(extra, mainCf, StandardCharsets.UTF_8);
        return extra;
    }

    private record Run(String action, int exit, String output) {
        void check(String what) {
            if (exit != 0) throw new IllegalStateException("scripts/postfix-instance.sh " + what + " failed (exit " + exit + "):\n" + output);
        }
    }

    private Path masterExtra;

    private Run script(long timeoutSeconds, String... args) throws IOException {
        Path out = Files.createTempFile("postfix-instance-", ".out");
        try {
            List<String> cmd = Stream.concat(Stream.of("/bin/bash", script.toString()), Stream.of(args)).toList();
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (masterExtra != null) pb.environment().put("POSTFIX_INSTANCE_MASTER_EXTRA", masterExtra.toString());
            Process p = pb
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            boolean done;
            try {
                done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while running " + cmd, e);
            }
            if (!done) {
                p.destroyForcibly();
                return new Run(args[0], -1, "timed out after " + timeoutSeconds + " s\n" + Files.readString(out));
            }
            String text = Files.readString(out);
            if (!text.isBlank()) LOG.debug("postfix-instance.sh {}: {}", args[0], text.strip());
            return new Run(args[0], p.exitValue(), text);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot remove {}: {}", root, e.toString());
        }
    }

    /** Convenience for messages: the first line of the instance's Postfix version. */
    static String version() {
        try {
            Process p = new ProcessBuilder("/usr/sbin/postconf", "-d", "-h", "mail_version").redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                String v = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                p.waitFor(10, TimeUnit.SECONDS);
                return v;
            }
        } catch (IOException e) {
            return "unknown (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }
}
