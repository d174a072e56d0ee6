// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.secumail.config.MainConfig;

/**
 * mail_owner, as Postfix's master(8) checks it. Postfix's master starts as root, binds its
 * listeners and runs every daemon as mail_owner. A JVM cannot setuid(2) itself, so the launcher
 * (packaging/secumail) drops to mail_owner before the JVM starts, keeping only
 * CAP_NET_BIND_SERVICE for port 25; what is left here is refusing the cases in which that did
 * not happen.
 */
final class MailOwner {
    private MailOwner() { }

    /**
     * Null when the server may start, else the fatal error. Warnings go to stderr. Refused, as
     * Postfix refuses it: mail_owner naming a user with user ID 0 ("user root has privileged user
     * ID"). Running as root is only warned about, whether main.cf sets mail_owner or not: a
     * Postfix main.cf commonly says {@code mail_owner = postfix}, and an administrator trying
     * it on SecuMail by hand as root must get a running server, told how to drop privileges.
     */
    static String check(MainConfig cfg, long uid, Path passwd) {
        String owner = cfg.get("mail_owner").trim();
        if (owner.isEmpty()) return "parameter mail_owner: empty";
        OptionalLong ownerUid = uidOf(owner, passwd);
        if (owner.equals("root") || (ownerUid.isPresent() && ownerUid.getAsLong() == 0)) {
            return "parameter mail_owner: user " + owner + " has privileged user ID";
        }
        if (uid == 0) System.err.println(rootWarning(owner));
        return null;
    }

    /** What running as root means here, and the way out. */
    static String rootWarning(String owner) {
        return "secumail: warning: running as root: a JVM cannot give up root by itself, so every part"
                + " of the server has root's privileges; start it with the launcher /usr/bin/secumail"
                + " run, which runs it as mail_owner (" + owner + ") with only CAP_NET_BIND_SERVICE,"
                + " or as user " + owner;
    }

    /** The user ID of this process: the owner of /proc/self (Linux); -1 when unknown. */
    static long currentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }

    /** The user ID of a user name in the passwd file, or empty (no such user, file unreadable). */
    static OptionalLong uidOf(String user, Path passwd) {
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(user)) return OptionalLong.of(Long.parseLong(f[2].trim()));
            }
        } catch (IOException | NumberFormatException e) {
            // no verdict: the launcher already resolved the name, or there is no such user
        }
        return OptionalLong.empty();
    }
}
