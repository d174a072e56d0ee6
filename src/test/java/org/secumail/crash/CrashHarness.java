// SPDX-License-Identifier: Apache-2.0
package org.secumail.crash;

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

/**
 * The common part of the crash tests: a SecuMail server in its own process (so that kill -9
 * really kills it) on a free loopback port, clients that send one message per session until
 * the server dies and remember which messages got "250 ... queued as", kill rounds under that
 * load, and reading Message-IDs back from a Maildir.
 */
final class CrashHarness {
    /** What each test message looks like: its Message-ID is {@code <idPrefix-N@test>}. */
    record Mail(String idPrefix, String from, List<String> recipients) {
        Pattern messageId() {
            return Pattern.compile("(?m)^Message-ID: <(" + Pattern.quote(idPrefix) + "-\\d+)@test>");
        }
    }

    private final Path dir;
    private final Path cfg;
    final int port;

    /** A main.cf delivering user1@example.test to a Maildir under DIR/mail, the queue in DIR/queue, no DNS. */
    static String localDeliveryMainCf(Path dir) {
        return String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = 127.0.0.1:9",
                "");
    }

    /** Writes DIR/etc/main.cf and a master.cf with one smtpd on a free loopback port. */
    CrashHarness(Path dir, String mainCf) throws IOException {
        this.dir = dir;
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        this.cfg = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(cfg.resolve("main.cf"), mainCf);
        Files.writeString(cfg.resolve("master.cf"), "127.0.0.1:" + port + " inet n - n - - smtpd\n");
    }

    /** Starts "secumail run" in a new JVM (log in DIR/server-NAME.log) and waits for its port. */
    Process start(String name) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.secumail.Main", "run", "-c", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server-" + name + ".log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException e) {
                if (!p.isAlive()) throw new AssertionError("server exited; see " + dir.resolve("server-" + name + ".log"));
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new AssertionError("server did not listen on port " + port);
    }

    /**
     * {@code kills} rounds of: start the server, {@code clients} senders, wait, SIGKILL (no
     * shutdown hook, no flush). Returns the Message-IDs the server acknowledged.
     */
    Set<String> killUnderLoad(int kills, int clients, long sleepMillis, long sleepStepMillis, Mail mail) throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger counter = new AtomicInteger();
        for (int round = 0; round < kills; round++) {
            Process p = start(Integer.toString(round));
            List<Thread> senders = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                senders.add(Thread.ofVirtual().start(() -> sendUntilFailure(mail, counter, acknowledged)));
            }
            Thread.sleep(sleepMillis + round * sleepStepMillis);
            p.destroyForcibly();
            p.waitFor();
            for (Thread t : senders) t.join(Duration.ofSeconds(20));
        }
        return acknowledged;
    }

    /** One message per session until the server goes away (at most 10,000). */
    private void sendUntilFailure(Mail mail, AtomicInteger counter, Set<String> acknowledged) {
        for (int n = 0; n < 10_000; n++) {
            String id = mail.idPrefix() + "-" + counter.incrementAndGet();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                expect(in, "220");
                send(out, "EHLO client.example");
                expect(in, "250");
                send(out, "MAIL FROM:<" + mail.from() + ">");
                expect(in, "250");
                for (String rcpt : mail.recipients()) {
                    send(out, "RCPT TO:<" + rcpt + ">");
                    expect(in, "250");
                }
                send(out, "DATA");
                expect(in, "354");
                StringBuilder msg = new StringBuilder("Message-ID: <" + id + "@test>\r\nSubject: crash test\r\n\r\n");
                for (int i = 0; i < 20; i++) msg.append("line ").append(i).append(" of ").append(id).append("\r\n");
                out.write(msg.append(".\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                if (expect(in, "250").contains("queued as")) acknowledged.add(id);
                send(out, "QUIT");
            } catch (IOException | IllegalStateException e) {
                return;   // the server was killed: this round is over for this client
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

    /**
     * How many files of a Maildir's new/ carry each Message-ID; with {@code everyMatch}, all
     * matches of a file count (a bounce quotes the returned message's Message-ID), else the first.
     */
    static Map<String, Integer> messageIds(Path maildirNew, Pattern messageId, boolean everyMatch) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        if (!Files.isDirectory(maildirNew)) return out;
        try (Stream<Path> files = Files.list(maildirNew)) {
            for (Path f : files.toList()) {
                Matcher m = messageId.matcher(Files.readString(f, StandardCharsets.ISO_8859_1));
                while (m.find()) {
                    out.merge(m.group(1), 1, Integer::sum);
                    if (!everyMatch) break;
                }
            }
        }
        return out;
    }
}
