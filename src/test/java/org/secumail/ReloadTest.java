// SPDX-License-Identifier: Apache-2.0
package org.secumail;

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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.smtpd.LogCapture;

/**
 * "secumail reload" (SIGHUP) reads main.cf, master.cf and tables again under load: no
 * connection dropped, no accepted message lost, the new restriction applies to new transactions
 * while a session in progress finishes under the configuration it started with, listeners follow
 * master.cf, and a configuration with an error keeps the old one.
 */
class ReloadTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void writeConfig(String extra, String master) throws Exception {
        Files.writeString(dir.resolve("main.cf"), String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "secumail_dmarc_enable = no",
                "smtpd_client_connection_count_limit = 0",
                extra,
                ""));
        Files.writeString(dir.resolve("master.cf"), master);
    }

    /** A small SMTP client that records every reply instead of asserting. */
    private static final class Client implements AutoCloseable {
        final Socket s;
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws Exception {
            this("127.0.0.1", port);
        }

        Client(String host, int port) throws Exception {
            s = new Socket(host, port);
            s.setSoTimeout(20_000);
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out = s.getOutputStream();
        }

        String reply() throws Exception {
            String line;
            do {
                line = in.readLine();
                if (line == null) return "(connection closed)";
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        String cmd(String line) throws Exception {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply();
        }

        @Override public void close() throws Exception { s.close(); }
    }

    /** One whole transaction from 192.0.2.10 (XCLIENT); returns the MAIL reply and the final reply, or where it stopped. */
    private static String[] transaction(int port, String from, int n) throws Exception {
        try (Client c = new Client(port)) {
            String r = c.reply();
            if (!r.startsWith("220")) return new String[] {r, r};
            c.cmd("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]");
            c.cmd("EHLO client.example");
            String mail = c.cmd("MAIL FROM:<" + from + ">");
            if (!mail.startsWith("250")) {
                c.cmd("QUIT");
                return new String[] {mail, mail};
            }
            String rcpt = c.cmd("RCPT TO:<user1@example.test>");
            if (!rcpt.startsWith("250")) return new String[] {mail, rcpt};
            String data = c.cmd("DATA");
            if (!data.startsWith("354")) return new String[] {mail, data};
            String end = c.cmd("From: " + from + "\r\nSubject: load " + n + "\r\n\r\nbody " + n + "\r\n.");
            String quit = c.cmd("QUIT");
            return new String[] {mail, end.startsWith("250") && !quit.startsWith("221") ? "QUIT: " + quit : end};
        }
    }

    private static int delivered(Path maildir) throws Exception {
        Path d = maildir.resolve("new");
        if (!Files.isDirectory(d)) return 0;
        try (var s = Files.list(d)) {
            return (int) s.count();
        }
    }

    @Test
    void reloadUnderLoadDropsNothingAndAppliesTheNewTableToNewTransactions() throws Exception {
        Files.writeString(dir.resolve("senders"), "other.example OK\n");
        writeConfig("smtpd_sender_restrictions = check_sender_access texthash:" + dir.resolve("senders"),
                "127.0.0.1:0 inet n - n - - smtpd\n");
        server = Server.start(dir);
        int port = server.listeners().get(0).port();

        // a session that starts before the reload and finishes after it
        Client early = new Client(port);
        assertThat(early.reply()).startsWith("220");
        assertThat(early.cmd("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]")).startsWith("220");
        assertThat(early.cmd("EHLO early.example")).startsWith("250");

        record Result(long at, String from, String end) { }
        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            load.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 2_000 && !stop.get(); i++) {
                    try {
                        long at = System.nanoTime();
                        String from = "user" + id + "@bad.example";
                        results.add(new Result(at, from, transaction(port, from, i)[1]));
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        Thread.sleep(1_500);
        Files.writeString(dir.resolve("senders"), "bad.example REJECT\n");
        long before = System.nanoTime();
        try (LogCapture log = new LogCapture("secumail.master")) {
            server.reload();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("reload: configuration reloaded"));
        }
        long after = System.nanoTime();
        Thread.sleep(1_500);
        stop.set(true);
        for (Thread t : load) t.join(60_000);

        assertThat(failures).as("no connection dropped").isEmpty();
        int accepted = 0;
        for (Result r : results) {
            if (r.at < before) {
                assertThat(r.end).as("before the reload: accepted").startsWith("250 2.0.0");
            } else if (r.at > after) {
                assertThat(r.end).as("after the reload: the new table refuses (at RCPT, smtpd_delay_reject)")
                        .isEqualTo("554 5.7.1 <" + r.from + ">: Sender address rejected: Access denied");
            } else {
                assertThat(r.end).as("during the reload: one or the other").matches("(250 2\\.0\\.0|554 5\\.7\\.1).*");
            }
            if (r.end.startsWith("250")) accepted++;
        }
        assertThat(results.stream().filter(r -> r.at < before)).isNotEmpty();
        assertThat(results.stream().filter(r -> r.at > after)).isNotEmpty();

        // the session opened before the reload still has the old table
        assertThat(early.cmd("MAIL FROM:<early@bad.example>")).startsWith("250");
        assertThat(early.cmd("RCPT TO:<user1@example.test>")).startsWith("250");
        assertThat(early.cmd("DATA")).startsWith("354");
        assertThat(early.cmd("Subject: early\r\n\r\nearly\r\n.")).startsWith("250");
        assertThat(early.cmd("QUIT")).startsWith("221");
        early.close();
        accepted++;

        // every accepted message is delivered
        Path maildir = dir.resolve("mail").resolve("user1");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (delivered(maildir) < accepted && System.nanoTime() < deadline) Thread.sleep(100);
        assertThat(delivered(maildir)).as("accepted messages delivered").isEqualTo(accepted);
    }

    @Test
    void masterCfListenersFollowAndABrokenConfigurationKeepsTheOldOne() throws Exception {
        writeConfig("", "127.0.0.1:0 inet n - n - - smtpd\n");
        server = Server.start(dir);
        int port = server.listeners().get(0).port();
        assertThat(transaction(port, "a@other.example", 1)[1]).startsWith("250");

        // a second listener, with its own -o override
        writeConfig("", "127.0.0.1:0 inet n - n - - smtpd\n127.0.0.2:0 inet n - n - - smtpd -o smtpd_sender_restrictions=reject\n");
        server.reload();
        assertThat(server.listeners()).hasSize(2);
        assertThat(server.listeners().get(0).port()).as("the old listener stays open").isEqualTo(port);
        int second = server.listeners().get(1).port();
        try (Client c = new Client("127.0.0.2", second)) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.cmd("EHLO x.example")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@other.example>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).as("smtpd_delay_reject: the sender is refused at RCPT")
                    .isEqualTo("554 5.7.1 <a@other.example>: Sender address rejected: Access denied");
        }

        // an error: the old configuration stays in force and the log says why
        writeConfig("smtpd_relay_restrictions = permit\nsmtpd_recipient_restrictions = permit", "127.0.0.1:0 inet n - n - - smtpd\n");
        try (LogCapture log = new LogCapture("secumail.master")) {
            server.reload();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l)
                    .contains("warning: reload:").contains("reject_unauth_destination").contains("keeping the configuration loaded before"));
        }
        assertThat(server.listeners()).hasSize(2);
        assertThat(transaction(port, "a@other.example", 2)[1]).startsWith("250");

        // the second listener removed: closed, the first one unchanged
        writeConfig("", "127.0.0.1:0 inet n - n - - smtpd\n");
        server.reload();
        assertThat(server.listeners()).hasSize(1);
        assertThat(server.listeners().get(0).port()).isEqualTo(port);
        assertThat(transaction(port, "a@other.example", 3)[1]).startsWith("250");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Socket("127.0.0.2", second).close())
                .isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void tracingAndMetricsSwitchOffAndOnAtReload() throws Exception {
        writeConfig("data_directory = " + dir.resolve("data"), "127.0.0.1:0 inet n - n - - smtpd\n");
        server = Server.start(dir);
        int port = server.listeners().get(0).port();
        var traces = server.traces();
        assertThat(traces).isNotNull();
        assertThat(transaction(port, "a@other.example", 1)[1]).startsWith("250");
        traces.flush();
        int before = traces.since(0, 1000).size();
        assertThat(before).isEqualTo(1);
        double conns = connections();

        writeConfig("data_directory = " + dir.resolve("data") + "\nsecumail_trace_enable = no\nsecumail_metrics_enable = no",
                "127.0.0.1:0 inet n - n - - smtpd\n");
        try (LogCapture log = new LogCapture("secumail.master")) {
            server.reload();
            assertThat(log.lines()).as("both take effect now").noneMatch(l -> l.contains("takes effect at the next start"));
        }
        assertThat(transaction(port, "a@other.example", 2)[1]).startsWith("250");
        traces.flush();
        assertThat(traces.since(0, 1000)).as("no trace while off").hasSize(before);
        assertThat(connections()).as("not counted while off").isEqualTo(conns);

        writeConfig("data_directory = " + dir.resolve("data"), "127.0.0.1:0 inet n - n - - smtpd\n");
        server.reload();
        assertThat(transaction(port, "a@other.example", 3)[1]).startsWith("250");
        traces.flush();
        assertThat(traces.since(0, 1000)).as("traced again").hasSize(before + 1);
        assertThat(connections()).as("counted again").isGreaterThan(conns);
    }

    private static double connections() {
        return org.secumail.metrics.Metrics.registry().find("secumail.messages.accepted").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
