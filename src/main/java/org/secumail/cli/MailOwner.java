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
     * Null when the server may start, else the fatal error. Warnings go to stderr. Refused:
     * mail_owner naming a user with user ID 0 (Postfix: "user root has privileged user ID"), and
     * running as root when main.cf sets mail_owner (as the packaged one does: whoever set it
     * wants the privileges dropped, and starting the JVM as root by hand skipped that). With
     * mail_owner left at its default, a development checkout or the test suite run as root: a
     * warning, because there is no mail_owner user there to run as.
     */
    static String check(MainConfig cfg, long uid, Path passwd) {
        String owner = cfg.get("mail_owner").trim();
        if (owner.isEmpty()) return "parameter mail_owner: empty";
        OptionalLong ownerUid = uidOf(owner, passwd);
        if (owner.equals("root") || (ownerUid.isPresent() && ownerUid.getAsLong() == 0)) {
            return "parameter mail_owner: user " + owner + " has privileged user ID";
        }
        if (uid != 0) return null;
        if (cfg.isExplicit("mail_owner")) {
            return "running as root: a JVM cannot give up root by itself; start it with the launcher"
                    + " (/usr/bin/secumail run, which runs it as mail_owner = " + owner
                    + " with only CAP_NET_BIND_SERVICE) or as user " + owner;
        }
        System.err.println("secumail: warning: running as root with mail_owner at its default (" + owner
                + "): every part of the server has root's privileges; start it with the launcher"
                + " /usr/bin/secumail, which drops to mail_owner");
        return null;
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
