// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

/**
 * Implemented by a check's {@link ContentResult#detail()} to say where its quarantine goes:
 * "hold" (the hold queue, released with {@code secumail queue release}) or the name of a
 * Maildir++ folder ("Junk" or ".Junk") that local delivery files the message into. A
 * quarantine whose detail does not say goes to the hold queue.
 */
public interface QuarantineTarget {
    String quarantineTarget();

    /** The Maildir++ folder (".Junk") for a target, or null for the hold queue. */
    static String folder(String target) {
        if (target == null || target.isBlank() || target.strip().equalsIgnoreCase("hold")) return null;
        String t = target.strip();
        return t.startsWith(".") ? t : "." + t;
    }
}
