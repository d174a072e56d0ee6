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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * Crash safety with outbound delivery: a relaying SecuMail runs as a separate process and
 * forwards everything over SMTP to a receiving SecuMail (in this JVM); 4 clients send to the
 * relay while it is killed with SIGKILL three times and restarted on the same queue. Every
 * message the relay acknowledged must reach the receiver's Maildir; a message may arrive
 * twice only when its delivery was in flight at a kill (at most secumail_delivery_concurrency
 * per kill).
 */
class OutboundCrashTest {
    private static final Pattern MID = Pattern.compile("(?m)^Message-ID: <(ocrash-\\d+)@test>");
    private static final int KILLS = 3;
    private static final int CONCURRENCY = 20;

    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesReachTheNextHopDespiteKillMinus9() throws Exception {
        String rcvMain = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.dest.test", "mydestination = dest.test",
                "mynetworks = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("rcv-queue"), "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9", "smtpd_peername_lookup = no", "");
        try (Server receiver = Server.start(MainConfig.fromText(rcvMain, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            int rcvPort = receiver.listeners().get(0).port();
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path cfg = Files.createDirectories(dir.resolve("etc"));
            Files.writeString(cfg.resolve("main.cf"), String.join("\n", "compatibility_level = 3.6", "myhostname = mx.relay.test",
                    "mydestination = relay.test", "mynetworks = 127.0.0.0/8", "alias_maps =", "local_recipient_maps =",
                    "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9", "smtpd_peername_lookup = no",
                    "transport_maps = inline:{ {dest.test=smtp:[127.0.0.1]:" + rcvPort + "} }",
                    "secumail_delivery_concurrency = " + CONCURRENCY,
                    "minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s", ""));
            Files.writeString(cfg.resolve("master.cf"), "127.0.0.1:" + port + " inet n - n - - smtpd\n");

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger counter = new AtomicInteger();
            for (int round = 0; round < KILLS; round++) {
                Process p = start(cfg, round);
                waitForPort(port);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) clients.add(Thread.ofVirtual().start(() -> sendUntilFailure(port, counter, acknowledged)));
                Thread.sleep(1500 + round * 300L);
                p.destroyForcibly();   // SIGKILL
                p.waitFor();
                for (Thread t : clients) t.join(Duration.ofSeconds(20));
            }
            assertThat(acknowledged).as("messages acknowledged before the kills").hasSizeGreaterThan(20);

            Process p = start(cfg, 99);
            try {
                waitForPort(port);
                Path maildir = dir.resolve("mail/user1/new");
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                Map<String, Integer> delivered = Map.of();
                while (System.nanoTime() < deadline) {
                    delivered = deliveredIds(maildir);
                    if (delivered.keySet().containsAll(acknowledged)) break;
                    Thread.sleep(200);
                }
                Set<String> missing = new java.util.TreeSet<>(acknowledged);
                missing.removeAll(delivered.keySet());
                assertThat(missing).as("acknowledged by the relay but never delivered by it").isEmpty();
                long repeats = delivered.values().stream().mapToLong(n -> n - 1).sum();
                assertThat(repeats).as("repeated deliveries (only those in flight at a kill)").isLessThanOrEqualTo((long) KILLS * CONCURRENCY);
                org.slf4j.LoggerFactory.getLogger(OutboundCrashTest.class).info("outbound crash test: {} acknowledged, {} delivered, {} repeated",
                        acknowledged.size(), delivered.size(), repeats);
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    private Process start(Path cfg, int round) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.secumail.Main", "run", "-c", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("relay-" + round + ".log").toFile()).start();
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
        throw new AssertionError("relay did not listen on port " + port);
    }

    private static void sendUntilFailure(int port, AtomicInteger counter, Set<String> acknowledged) {
        for (int n = 0; n < 10_000; n++) {
            String id = "ocrash-" + counter.incrementAndGet();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                expect(in, "220");
                send(out, "EHLO client.example");
                expect(in, "250");
                send(out, "MAIL FROM:<a@relay.test>");
                expect(in, "250");
                send(out, "RCPT TO:<user1@dest.test>");
                expect(in, "250");
                send(out, "DATA");
                expect(in, "354");
                StringBuilder msg = new StringBuilder("Message-ID: <" + id + "@test>\r\nSubject: outbound crash\r\n\r\n");
                for (int i = 0; i < 20; i++) msg.append("line ").append(i).append(" of ").append(id).append("\r\n");
                msg.append(".\r\n");
                out.write(msg.toString().getBytes(StandardCharsets.US_ASCII));
                if (expect(in, "250").contains("queued as")) acknowledged.add(id);
                send(out, "QUIT");
            } catch (IOException | IllegalStateException e) {
                return;
            }
        }
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
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

    private static Map<String, Integer> deliveredIds(Path maildir) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        if (!Files.isDirectory(maildir)) return out;
        try (Stream<Path> files = Files.list(maildir)) {
            for (Path f : files.toList()) {
                Matcher m = MID.matcher(Files.readString(f, StandardCharsets.ISO_8859_1));
                if (m.find()) out.merge(m.group(1), 1, Integer::sum);
            }
        }
        return out;
    }
}
