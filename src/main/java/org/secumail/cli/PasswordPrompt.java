// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a password as doveadm pw does: from the terminal without echo, asked twice when it is
 * a new one; or, when standard input is not a terminal, one line from it (for scripts).
 */
final class PasswordPrompt {
    static final int MAX_PASSWORD = 1024;

    private PasswordPrompt() {
    }

    /** @throws IOException when no password was given, or the two entries differ */
    static String read(boolean confirm) throws IOException {
        Console console = System.console();
        if (interactive(console)) {
            char[] a = console.readPassword(confirm ? "Enter new password: " : "Enter password to verify: ");
            if (a == null || a.length == 0) throw new IOException("empty password");
            if (confirm) {
                char[] b = console.readPassword("Retype new password: ");
                if (b == null || !Arrays.equals(a, b)) throw new IOException("passwords don't match");
            }
            return new String(a);
        }
        return readLine(System.in);
    }

    /**
     * Whether the console is a terminal. From JDK 22 System.console() is not null even when
     * input is redirected, and Console.isTerminal() tells; the build targets Java 21, hence the
     * reflective call.
     */
    private static boolean interactive(Console c) {
        if (c == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true;  // Java 21: a console exists only for a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (buf.size() >= MAX_PASSWORD) throw new IOException("password longer than " + MAX_PASSWORD + " bytes");
            buf.write(c);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        if (s.isEmpty()) throw new IOException("empty password");
        return s;
    }
}
