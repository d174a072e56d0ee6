// SPDX-License-Identifier: Apache-2.0
package org.secumail.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One SMTP transaction for end-to-end tests of the content checks, and reading what was delivered. */
public final class MiniSmtp {
    private MiniSmtp() { }

    /**
     * Sends one message; {@code clientAddr} non-null makes the client that address via XCLIENT.
     * Returns the reply to the final dot.
     */
    public static String send(int port, String clientAddr, String helo, String from, String rcpt, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            if (clientAddr != null) {
                cmd(out, "XCLIENT ADDR=" + clientAddr + " NAME=[UNAVAILABLE]");
                expect(in, "220");
            }
            cmd(out, "EHLO " + helo);
            expect(in, "250");
            cmd(out, "MAIL FROM:<" + from + ">");
            expect(in, "250");
            cmd(out, "RCPT TO:<" + rcpt + ">");
            expect(in, "250");
            cmd(out, "DATA");
            expect(in, "354");
            out.write(message.getBytes(StandardCharsets.UTF_8));
            cmd(out, ".");
            String last = reply(in);
            cmd(out, "QUIT");
            return last;
        }
    }

    private static void cmd(OutputStream out, String line) throws Exception {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("reply").isNotNull();
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(BufferedReader in, String code) throws Exception {
        assertThat(reply(in)).startsWith(code);
    }

    /** Waits until {@code n} files are in {@code dir} (a Maildir's new/ or a queue), then returns their text. */
    public static List<String> files(Path dir, int n, String suffix) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> out = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            out.clear();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.filter(p -> p.toString().endsWith(suffix)).toList()) out.add(Files.readString(p, StandardCharsets.UTF_8));
                }
            }
            if (out.size() >= n) break;
            Thread.sleep(50);
        }
        assertThat(out).as("files in " + dir).hasSize(n);
        return out;
    }
}
