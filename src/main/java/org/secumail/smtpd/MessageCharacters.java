// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.ByteArrayOutputStream;

/**
 * message_reject_characters and message_strip_characters (Postfix 2.3, cleanup(8)): octets a
 * message may not contain (the message gets "550 5.7.1 disallowed character") or that are
 * removed from it. Both are empty by default: Postfix accepts a NUL or any other octet in the
 * message text, and so does SecuMail; an administrator who wants otherwise writes, as in
 * postconf(5), {@code message_reject_characters = \0}. The values take C escapes: \a \b \f \n
 * \r \t \v \\ and octal \ooo (\0 is NUL). They apply to the headers and body the client sent,
 * not under receive_override_options = no_header_body_checks.
 */
final class MessageCharacters {
    private MessageCharacters() { }

    /** The octets a setting names, or null when it is empty. */
    static boolean[] parse(String value) {
        if (value.isEmpty()) return null;
        boolean[] set = new boolean[256];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\\' || i + 1 >= value.length()) {
                out.write(c & 0xff);
                continue;
            }
            char e = value.charAt(++i);
            switch (e) {
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write(10);
                case 'r' -> out.write(13);
                case 't' -> out.write(9);
                case 'v' -> out.write(11);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < value.length() && value.charAt(i + 1) >= '0' && value.charAt(i + 1) <= '7'; k++) {
                            v = v * 8 + (value.charAt(++i) - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write(e & 0xff);   // "\\" and any other escaped character stand for themselves
                    }
                }
            }
        }
        for (byte b : out.toByteArray()) set[b & 0xff] = true;
        return set;
    }

    static boolean containsAny(byte[] b, int off, int len, boolean[] set) {
        for (int i = off; i < off + len; i++) if (set[b[i] & 0xff]) return true;
        return false;
    }

    /** Removes the octets of the set in place; returns the new length. */
    static int strip(byte[] b, int off, int len, boolean[] set) {
        int w = off;
        for (int i = off; i < off + len; i++) if (!set[b[i] & 0xff]) b[w++] = b[i];
        return w - off;
    }
}
