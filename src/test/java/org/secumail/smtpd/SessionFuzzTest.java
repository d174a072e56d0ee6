// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * Mutation fuzzing of the session over real sockets, with a fixed seed so a failure repeats:
 * 400 sessions built from the ProFuzzBench SMTP seed, the SMTP verb dictionary and the
 * transcripts' client lines, mutated by byte flips, inserted CR/LF/NUL, long runs and spliced
 * verbs. Every line the server sends must be a well-formed reply ("NNN " or "NNN-"), and
 * after all sessions the server must still greet and answer.
 */
class SessionFuzzTest {
    private static final Pattern REPLY = Pattern.compile("[2-5]\\d\\d[ -].*");
    private static final Path FUZZ = Path.of("../shared/conformance/smtp-fuzz/profuzzbench-exim");

    private static final byte[] SPECIALS = {'<', '>', '@', ':', '"', '\\', '%', '!', '.', ' '};

    @TempDir
    Path dir;

    @Test
    void randomSessionsGetWellFormedRepliesAndTheServerStaysUp() throws Exception {
        List<byte[]> seeds = seeds();
        List<String> dict = dictionary();
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }", "alias_maps =", "smtpd_timeout = 2s",
                "smtpd_error_sleep_time = 0", "message_size_limit = 100000",
                "queue_directory = " + dir.resolve("queue"), "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9", "secumail_dns_timeout = 1s", "");
        Random rnd = new Random(20261123L);
        java.util.Set<String> codesSeen = new java.util.TreeSet<>();
        try (Server server = Server.start(MainConfig.fromText(main, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int port = server.listeners().get(0).port();
            for (int i = 0; i < 400; i++) {
                byte[] input = mutate(seeds.get(rnd.nextInt(seeds.size())), dict, rnd);
                String out = converse(port, input);
                for (String line : out.split("\r\n")) {
                    if (line.isEmpty()) continue;
                    assertThat(line).as("session %d, input %s", i, printable(input)).matches(REPLY);
                    codesSeen.add(line.substring(0, 3));
                }
            }
            // the inputs reached the parser and the checks, not just the greeting
            assertThat(codesSeen).contains("220", "250", "354", "500", "501", "503");
            assertThat(converse(port, "NOOP\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("220 ").contains("250 2.0.0 Ok").contains("221 2.0.0 Bye");
        }
    }

    private static String converse(int port, byte[] input) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(4000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(input);
                out.write("\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
            } catch (IOException e) {
                // the server hung up early (e.g. too many errors): read what it said
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0 && b.size() < 1_000_000) b.write(buf, 0, n);
            } catch (IOException e) {
                // reset or timeout: what we have is the answer
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] mutate(byte[] seed, List<String> dict, Random rnd) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(seed);
        byte[] data = b.toByteArray();
        int rounds = 1 + rnd.nextInt(8);
        for (int r = 0; r < rounds; r++) {
            int pos = data.length == 0 ? 0 : rnd.nextInt(data.length);
            byte[] insert = switch (rnd.nextInt(7)) {
                case 0 -> new byte[] {(byte) rnd.nextInt(256)};
                case 1 -> new byte[] {'\n'};
                case 2 -> new byte[] {'\r'};
                case 3 -> new byte[] {0};
                case 4 -> "A".repeat(200 + rnd.nextInt(3000)).getBytes(StandardCharsets.US_ASCII);
                case 5 -> (dict.get(rnd.nextInt(dict.size())) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                default -> new byte[] {SPECIALS[rnd.nextInt(SPECIALS.length)]};
            };
            byte[] next = new byte[data.length + insert.length];
            System.arraycopy(data, 0, next, 0, pos);
            System.arraycopy(insert, 0, next, pos, insert.length);
            System.arraycopy(data, pos, next, pos + insert.length, data.length - pos);
            data = next;
            if (rnd.nextInt(4) == 0 && data.length > 0) data[rnd.nextInt(data.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return data;
    }

    private static List<byte[]> seeds() throws IOException {
        List<byte[]> out = new ArrayList<>();
        Path seed = FUZZ.resolve("smtp_requests_full.raw");
        if (Files.exists(seed)) out.add(Files.readAllBytes(seed));
        out.add(("XCLIENT ADDR=192.0.2.10\r\nEHLO x.example\r\nMAIL FROM:<a@b.example> SIZE=10\r\n"
                + "RCPT TO:<user1@example.test>\r\nDATA\r\nSubject: s\r\n\r\nbody\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
        StringBuilder lines = new StringBuilder();
        for (Path t : Files.list(Path.of("src/test/resources/transcripts")).filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
            for (String l : Files.readAllLines(t)) if (l.startsWith("C: ")) lines.append(l.substring(3)).append("\r\n");
        }
        String all = lines.toString();
        for (int i = 0; i + 600 < all.length(); i += 600) out.add(all.substring(i, i + 600).getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private static List<String> dictionary() throws IOException {
        List<String> out = new ArrayList<>(List.of("HELO", "EHLO x", "MAIL FROM:<>", "RCPT TO:<user1@example.test>", "DATA",
                "RSET", "NOOP", "VRFY user1", "XCLIENT NAME=x", "BDAT 10 LAST", "STARTTLS", "AUTH PLAIN"));
        Path d = FUZZ.resolve("smtp.dict");
        if (Files.exists(d)) {
            for (String l : Files.readAllLines(d)) {
                int q = l.indexOf('"');
                if (q >= 0 && l.lastIndexOf('"') > q) out.add(l.substring(q + 1, l.lastIndexOf('"')).replace("\\r\\n", ""));
            }
        }
        return out;
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 400); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }
}
