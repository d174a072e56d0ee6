// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import org.secumail.config.ConfigException;

/**
 * Fuzzing bridge for the antivirus parsers: clamd.conf, the clamd server's command reader
 * and INSTREAM chunk decoder (private, reached by reflection, in the same loop as
 * ClamdServer.serve), and the MIME walk of the built-in scanner.
 */
public final class ClamdFuzzEntry {
    private static final Path TMP;
    private static final Method READ_COMMAND;
    private static final Method EXECUTE;
    private static final Scanner READ_ALL = new Scanner() {
        @Override public String name() { return "fuzz"; }

        @Override public ScanResult scan(Source source) {
            try (InputStream in = source.open()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                return ScanResult.error(e.getMessage(), List.of());
            }
            return ScanResult.clean(false, List.of());
        }
    };

    static {
        try {
            TMP = Files.createTempDirectory("clamd-fuzz");
            TMP.toFile().deleteOnExit();
            READ_COMMAND = ClamdServer.class.getDeclaredMethod("readCommand", InputStream.class, int.class, char.class);
            READ_COMMAND.setAccessible(true);
            EXECUTE = ClamdServer.class.getDeclaredMethod("execute", String.class, DataInputStream.class);
            EXECUTE.setAccessible(true);
        } catch (IOException | ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ClamdFuzzEntry() { }

    /** clamd.conf; ConfigException is its documented refusal (a bad StreamMaxLength). */
    public static void conf(String text) {
        try {
            ClamdConf c = ClamdConf.parse(text);
            c.endpoints().forEach(Object::toString);
        } catch (ConfigException e) {
            // refused
        }
    }

    /** Commands as a clamd client sends them (zCOMMAND\0, nCOMMAND\n, COMMAND\n), INSTREAM chunks included. */
    public static void server(byte[] data) throws Throwable {
        ClamdServer server = new ClamdServer(READ_ALL, 1 << 16, 1000, TMP);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        try {
            for (int i = 0; i < 50; i++) {
                int first = in.read();
                if (first < 0) return;
                char term = first == 'z' ? '\0' : '\n';
                String cmd = (String) READ_COMMAND.invoke(null, in, first == 'z' || first == 'n' ? -1 : first, term);
                if (cmd == null || cmd.equals("END")) return;
                if (cmd.equals("IDSESSION") || cmd.startsWith("SHUTDOWN") || cmd.startsWith("RELOAD")) continue;
                if (isScanOfExistingPath(cmd)) continue;   // would walk this machine's files
                String reply = (String) EXECUTE.invoke(server, cmd, in);
                if (reply == null || reply.contains("INSTREAM size limit")) return;
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException) return;   // the connection ends
            throw e.getCause();
        }
    }

    private static boolean isScanOfExistingPath(String cmd) {
        int sp = cmd.indexOf(' ');
        if (sp < 0 || !cmd.substring(0, sp).endsWith("SCAN")) return false;
        try {
            Path p = Path.of(cmd.substring(sp + 1));
            return p.isAbsolute() && Files.exists(p);
        } catch (InvalidPathException e) {
            return false;   // let the server see it
        }
    }

    /** The built-in scanner's MIME walk over a raw message, every part read to its end. */
    public static void mimeParts(byte[] message) {
        try {
            MimeParts.walk(new ByteArrayInputStream(message), 100, 10, (name, type, decoded) -> decoded.transferTo(java.io.OutputStream.nullOutputStream()));
        } catch (IOException e) {
            // TooComplex, or a decoding error of a part: the scanner reports the message as not scannable
        }
    }
}
