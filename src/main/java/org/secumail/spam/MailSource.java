// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Messages to learn or score, as sa-learn reads them: a single message file, a directory
 * (a Maildir's cur/ and new/, or any directory: every regular file below it, in name order),
 * or an mbox (a file whose first line starts with "From "), split at "From " lines with
 * "&gt;From " unquoted (mboxrd).
 */
public final class MailSource {
    private MailSource() { }

    /** Receives each message with a name for messages ("file", "file#3" for the third of an mbox). */
    public interface Sink {
        void message(String name, byte[] message) throws IOException;
    }

    /** At most this many bytes of one message are read (larger ones are cut, as spamc -s does). */
    static final int MAX_MESSAGE = 32 << 20;

    public static void read(Path path, Sink sink) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(path)) {
                files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path f : files) readFile(f, sink);
        } else {
            readFile(path, sink);
        }
    }

    private static void readFile(Path f, Sink sink) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
            in.mark(5);
            byte[] head = in.readNBytes(5);
            in.reset();
            if (new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).equals("From ")) {
                mbox(f.toString(), in, sink);
            } else {
                sink.message(f.toString(), in.readNBytes(MAX_MESSAGE));
            }
        }
    }

    private static void mbox(String name, InputStream in, Sink sink) throws IOException {
        ByteArrayOutputStream cur = null;
        int n = 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        boolean eof = false;
        while (!eof) {
            line.reset();
            while ((c = in.read()) >= 0) {
                line.write(c);
                if (c == '\n') break;
            }
            if (c < 0) eof = true;
            byte[] l = line.toByteArray();
            if (l.length == 0) continue;
            String s = new String(l, 0, Math.min(l.length, 6), java.nio.charset.StandardCharsets.ISO_8859_1);
            if (s.startsWith("From ")) {
                if (cur != null) sink.message(name + "#" + n, cur.toByteArray());
                cur = new ByteArrayOutputStream();
                n++;
                continue;
            }
            if (cur == null) continue;
            int skip = 0;
            if (l[0] == '>') { // mboxrd: ">From " and ">>From " lose one ">"
                int k = 0;
                while (k < l.length && l[k] == '>') k++;
                if (l.length - k >= 5 && new String(l, k, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("From ")) skip = 1;
            }
            if (cur.size() < MAX_MESSAGE) cur.write(l, skip, l.length - skip);
        }
        if (cur != null) sink.message(name + "#" + n, cur.toByteArray());
    }
}
