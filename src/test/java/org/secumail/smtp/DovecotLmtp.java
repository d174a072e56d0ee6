// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Dovecot (Debian dovecot-core + dovecot-lmtpd) serving only LMTP, on a free
 * loopback port and on a UNIX-domain socket in its own base_dir. Users come from a
 * passwd-file (full addresses, as LMTP looks them up); mail goes to
 * DIR/mail/ADDRESS/Maildir owned by the system user "mail" (Dovecot refuses to deliver as
 * root). Needs root to start; {@link #unavailableReason} says why it cannot run here.
 */
final class DovecotLmtp implements AutoCloseable {
    private static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final Path LMTP = Path.of("/usr/lib/dovecot/lmtp");

    final Path dir;
    final int port;
    private final Process process;

    private DovecotLmtp(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static String unavailableReason() {
        if (!Files.isExecutable(DOVECOT)) return DOVECOT + " is missing (Debian package dovecot-core)";
        if (!Files.isExecutable(LMTP)) return LMTP + " is missing (Debian package dovecot-lmtpd)";
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) return "not root (uid " + uid + "): dovecot's master must start as root";
            UserPrincipalLookupService users = Path.of("/").getFileSystem().getUserPrincipalLookupService();
            users.lookupPrincipalByName("mail");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot check root or the mail user: " + e;
        }
        return null;
    }

    /** Starts Dovecot with the given users ("alice@dest.test") and waits until LMTP answers. */
    static DovecotLmtp start(String... users) throws IOException, InterruptedException {
        // Not a JUnit @TempDir: the "mail" user must be able to traverse it (0755).
        Path dir = Files.createTempDirectory("secumail-dovecot-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path mail = Files.createDirectories(dir.resolve("mail"));
        UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(mail, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName("mail"));
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("mail");
        view.setGroup(group);
        StringBuilder passwd = new StringBuilder();
        for (String u : users) passwd.append(u).append(":{PLAIN}unused::::::\n");
        Files.writeString(dir.resolve("users"), passwd);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("dovecot.conf"), """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                info_log_path = %1$s/dovecot.log
                protocols = lmtp
                listen = 127.0.0.1
                ssl = no
                mail_location = maildir:%1$s/mail/%%u/Maildir
                mail_uid = mail
                mail_gid = mail
                first_valid_uid = 8
                passdb {
                  driver = passwd-file
                  args = %1$s/users
                }
                userdb {
                  driver = passwd-file
                  args = %1$s/users
                  default_fields = uid=mail gid=mail home=%1$s/mail/%%u
                }
                service lmtp {
                  inet_listener lmtp {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  unix_listener lmtp {
                    mode = 0666
                  }
                }
                default_internal_user = dovecot
                default_login_user = dovenull
                """.formatted(dir, port));
        Process p = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        DovecotLmtp d = new DovecotLmtp(dir, port, p);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                d.close();
                throw new IOException("dovecot exited with " + p.exitValue() + ": " + Files.readString(dir.resolve("stdout.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                if (Files.exists(d.socket())) return d;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        d.close();
        throw new IOException("dovecot did not listen on 127.0.0.1:" + port + " within 20s");
    }

    Path socket() { return dir.resolve("run/lmtp"); }

    /** The user's Maildir/new. */
    Path inbox(String user) { return dir.resolve("mail").resolve(user).resolve("Maildir/new"); }

    String log() throws IOException {
        Path l = dir.resolve("dovecot.log");
        return Files.exists(l) ? Files.readString(l) : "";
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a socket dovecot removes itself at the same time: ignore
        }
    }
}
