// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Dovecot 2.3 with only its auth service (protocols = none), for tests: config, sockets
 * and log in a temp directory, a passwd-file passdb, auth-client on a unix socket and on a
 * loopback port. Runs as whoever runs the tests (default_internal_user is that user; anvil without chroot, so root is not needed); killed, with
 * all its children, by {@link #close()}.
 */
final class TestDovecot implements AutoCloseable {
    final Path dir;
    final Path socket;
    final int port;
    private Process process;
    private List<ProcessHandle> children = List.of();

    /**
     * @param passwdFile  users for secured requests (Dovecot's "secured" flag: TLS)
     * @param unsecuredFile users for the other requests: the passdb path contains %{secured},
     *                    which shows that the flag reaches Dovecot
     */
    TestDovecot(Path dir, String passwdFile, String unsecuredFile) throws IOException {
        this.dir = dir;
        Files.writeString(dir.resolve("passwd-secured"), passwdFile);
        Files.writeString(dir.resolve("passwd-"), unsecuredFile);
        this.socket = dir.resolve("run/auth-client");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        String user = System.getProperty("user.name");
        String group = primaryGroup();
        Files.writeString(dir.resolve("dovecot.conf"), String.join("\n",
                "base_dir = " + dir.resolve("run"),
                "state_dir = " + dir.resolve("state"),
                "log_path = " + dir.resolve("dovecot.log"),
                "instance_name = secumail-test-" + port,
                "protocols =",
                "ssl = no",
                "listen = 127.0.0.1",
                "default_internal_user = " + user,
                "default_internal_group = " + group,
                "default_login_user = " + user,
                "auth_mechanisms = plain login scram-sha-256",
                "auth_failure_delay = 0",
                "auth_verbose = yes",
                "passdb {",
                "  driver = passwd-file",
                "  args = " + dir.resolve("passwd-") + "%{secured}",
                "}",
                "userdb {",
                "  driver = static",
                "  args = uid=" + user + " gid=" + group + " home=" + dir.resolve("home"),
                "}",
                "service auth {",
                "  unix_listener auth-client {",
                "    mode = 0600",
                "  }",
                "  inet_listener auth-inet {",
                "    address = 127.0.0.1",
                "    port = " + port,
                "  }",
                "}",
                "# chroot needs root; CI runs the tests as an ordinary user",
                "service anvil {",
                "  chroot =",
                "}",
                ""));
    }

    private static String primaryGroup() throws IOException {
        Process p = new ProcessBuilder("id", "-gn").redirectErrorStream(true).start();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IOException("id -gn did not finish");
            String g = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0 || g.isEmpty()) throw new IOException("id -gn: " + g);
            return g;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            p.destroyForcibly();
        }
    }

    /** Starts dovecot -F and waits until both listeners accept connections. */
    TestDovecot start() throws IOException, InterruptedException {
        process = new ProcessBuilder(Doveadm.DOVECOT.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dovecot.stdout").toFile()).start();
        for (int i = 0; i < 200; i++) {
            if (!process.isAlive()) throw new IOException("dovecot exited: " + log());
            if (Files.exists(socket) && listening()) {
                children = process.descendants().toList();
                return this;
            }
            Thread.sleep(50);
        }
        close();
        throw new IOException("dovecot did not start in 10s: " + log());
    }

    private boolean listening() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String log() {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("dovecot.stdout", "dovecot.log")) {
            try {
                sb.append(Files.readString(dir.resolve(f)));
            } catch (IOException e) {
                // not written
            }
        }
        return sb.toString();
    }

    /** Stops Dovecot: SIGTERM to the master, then SIGKILL to whatever is left of it and its children. */
    @Override
    public void close() throws InterruptedException {
        if (process == null) return;
        List<ProcessHandle> all = new java.util.ArrayList<>(children);
        all.addAll(process.descendants().toList());
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        for (ProcessHandle h : all) {
            if (h.isAlive()) h.destroyForcibly();
        }
        for (ProcessHandle h : all) {
            h.onExit().completeOnTimeout(h, 5, TimeUnit.SECONDS).join();
        }
        process = null;
    }
}
