// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

/** Postfix's printable(): text from the network made safe for one log line or report line. */
public final class Printable {
    private Printable() {
    }

    /** Control characters (and DEL) become '?', so no value can forge a second log line. */
    public static String of(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }
}
