// SPDX-License-Identifier: Apache-2.0
package org.secumail.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of bounces: every message goes to one deliverable and one undeliverable
 * recipient, while the server process is killed with SIGKILL several times. For every message
 * acknowledged with 250, the good recipient must get it and the sender must get its
 * non-delivery notification (which returns the message, so its Message-ID shows up in the
 * sender's Maildir): a bounce may be repeated after a kill, never lost.
 */
class BounceCrashTest {
    private static final Pattern MID = Pattern.compile("(?m)^Message-ID: <(bcrash-\\d+)@test>");

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageIsDeliveredAndBouncedDespiteKillMinus9() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path cfg = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(cfg.resolve("main.cf"), String.join("\n",
                "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok, sender=ok } $alias_maps",
                "alias_maps = inline:{ {pipe=|/bin/true} }", "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "dns_servers = 127.0.0.1:9", ""));
        Files.writeString(cfg.resolve("master.cf"), "127.0.0.1:" + port + " inet n - n - - smtpd\n");

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger counter = new AtomicInteger();
        for (int round = 0; round < 3; round++) {
            Process p = start(cfg, round);
            waitForPort(port);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) clients.add(Thread.ofVirtual().start(() -> sendUntilFailure(port, counter, acknowledged)));
            Thread.sleep(1500 + round * 400L);
            p.destroyForcibly();   // SIGKILL
            p.waitFor();
            for (Thread t : clients) t.join(Duration.ofSeconds(20));
        }
        assertThat(acknowledged).as("messages acknowledged before the kills").hasSizeGreaterThan(10);

        Process p = start(cfg, 99);
        try {
            waitForPort(port);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Set<String> delivered = Set.of();
            Set<String> bounced = Set.of();
            while (System.nanoTime() < deadline) {
                delivered = ids(dir.resolve("mail/user1/new"));
                bounced = ids(dir.resolve("mail/sender/new"));
                if (delivered.containsAll(acknowledged) && bounced.containsAll(acknowledged)) break;
                Thread.sleep(200);
            }
            System.out.printf("BounceCrashTest: %d acknowledged, %d delivered, %d bounced (distinct Message-IDs)%n",
                    acknowledged.size(), delivered.size(), bounced.size());
            Set<String> notDelivered = new TreeSet<>(acknowledged);
            notDelivered.removeAll(delivered);
            Set<String> notBounced = new TreeSet<>(acknowledged);
            notBounced.removeAll(bounced);
            assertThat(notDelivered).as("acknowledged with 250 but never delivered").isEmpty();
            assertThat(notBounced).as("acknowledged with 250 but its bounce never arrived").isEmpty();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private Process start(Path cfg, int round) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.secumail.Main", "run", "-c", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server-" + round + ".log").toFile()).start();
    }

    private static void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("server did not listen on port " + port);
    }

    private static void sendUntilFailure(int port, AtomicInteger counter, Set<String> acknowledged) {
        for (int n = 0; n < 10_000; n++) {
            String id = "bcrash-" + counter.incrementAndGet();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                expect(in, "220");
                for (String cmd : List.of("EHLO client.example", "MAIL FROM:<sender@example.test>", "RCPT TO:<user1@example.test>",
                        "RCPT TO:<pipe@example.test>")) {
                    out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    expect(in, "250");
                }
                out.write("DATA\r\n".getBytes(StandardCharsets.US_ASCII));
                expect(in, "354");
                out.write(("Message-ID: <" + id + "@test>\r\nSubject: bounce crash test\r\n\r\nbody of " + id + "\r\n.\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                if (expect(in, "250").contains("queued as")) acknowledged.add(id);
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException | IllegalStateException e) {
                return;   // the server was killed
            }
        }
    }

    private static String expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) throw new IllegalStateException("expected " + code + ", got " + line);
        return line;
    }

    private static Set<String> ids(Path maildir) throws IOException {
        Set<String> out = new HashSet<>();
        if (!Files.isDirectory(maildir)) return out;
        try (Stream<Path> files = Files.list(maildir)) {
            for (Path f : files.toList()) {
                Matcher m = MID.matcher(Files.readString(f, StandardCharsets.ISO_8859_1));
                while (m.find()) out.add(m.group(1));
            }
        }
        return out;
    }
}
