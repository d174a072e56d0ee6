// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.cli.SecumailCommand;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.smtpd.LineClient;
import org.secumail.smtpd.LogCapture;
import picocli.CommandLine;

/**
 * The server keeps one decision trace per transaction; "secumail explain QUEUEID" and
 * "secumail explain 'NOQUEUE log line'" print it; "secumail replay --config NEWDIR" over a
 * recorded run of test traffic lists exactly the transactions that one added restriction
 * changes, and nothing for an unchanged configuration.
 */
class TraceReplayTest {
    @TempDir
    Path dir;

    private static String mainCf(Path dir, String extraSenderEntries) {
        return String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok }", "alias_maps =", "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"), "mail_spool_directory = " + dir.resolve("mail") + "/",
                "smtpd_peername_lookup = no", "dns_servers = 127.0.0.1:9", "secumail_dns_timeout = 1s", "secumail_dmarc_enable = no",
                "secumail_trace_database = " + dir.resolve("data/trace.sqlite"),
                "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,"
                        + " check_sender_access inline:{ {spam@bad.example=REJECT go away}" + extraSenderEntries + " }, permit", "");
    }

    /** One transaction from 192.0.2.N; returns every reply. */
    private static List<String> send(int port, int client, String from, String... rcpts) throws Exception {
        List<String> got = new ArrayList<>();
        try (LineClient c = new LineClient(port)) {
            c.reply();
            c.cmd("XCLIENT ADDR=192.0.2." + client + " NAME=[UNAVAILABLE]");
            c.cmd("EHLO client" + client + ".example");
            got.add(c.cmd("MAIL FROM:<" + from + ">"));
            boolean any = false;
            for (String r : rcpts) {
                String reply = c.cmd("RCPT TO:<" + r + ">");
                got.add(reply);
                any |= reply.startsWith("250");
            }
            if (any) {
                got.add(c.cmd("DATA"));
                got.add(c.cmd("Subject: t\r\n\r\nhello\r\n."));
            }
            c.cmd("QUIT");
        }
        return got;
    }

    private static String run(int expectedExit, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(new SecumailCommand()).execute(args)).as(String.join(" ", args) + "\n" + buf).isEqualTo(expectedExit);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tracesExplainAndReplay() throws Exception {
        Files.writeString(dir.resolve("main.cf"), mainCf(dir, ""));
        String queued;
        String noqueue;
        try (Server server = Server.start(MainConfig.load(dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
             LogCapture log = new LogCapture("secumail.smtpd")) {
            int port = server.listeners().get(0).port();
            // a recorded "day": 12 transactions, 4 of them from other@flip.example, which the new configuration refuses
            for (int i = 1; i <= 3; i++) {
                assertThat(send(port, 10 + i, "a" + i + "@good.example", "user1@example.test")).last().asString().startsWith("250 2.0.0 Ok: queued as");
                assertThat(send(port, 20 + i, "other@flip.example", "user2@example.test")).last().asString().startsWith("250 2.0.0");
                assertThat(send(port, 30 + i, "spam@bad.example", "user1@example.test")).last().asString().startsWith("554 5.7.1");
            }
            List<String> mixed = send(port, 40, "other@flip.example", "user1@example.test", "nobody@example.test");
            assertThat(mixed.get(2)).startsWith("550 5.1.1");
            send(port, 41, "b@good.example", "victim@elsewhere.example");
            send(port, 42, "c@good.example", "user1@example.test", "user2@example.test");
            server.traces().flush();
            queued = log.lines().stream().filter(l -> l.contains(": client=unknown[192.0.2.11]")).findFirst().orElseThrow().split(":")[0];
            noqueue = log.lines().stream().filter(l -> l.startsWith("NOQUEUE: reject: RCPT from unknown[192.0.2.31]")).findFirst().orElseThrow();
        }

        // explain QUEUEID: the stored trace of an accepted message
        String q = run(0, "explain", "-c", dir.toString(), queued);
        assertThat(q).startsWith("transaction " + queued + " at ")
                .contains("MAIL FROM:<a1@good.example>")
                .contains("RCPT TO:<user1@example.test>")
                .contains("smtpd_recipient_restrictions: check_sender_access inline:{ {spam@bad.example=REJECT go away} } -> DUNNO")
                // the keys the table was asked, in Postfix's order, and what it answered
                .contains("    inline:{ {spam@bad.example=REJECT go away} }: looked up [a1@good.example, good.example, example, a1@]: not found")
                .contains("  reply: 250 2.0.0 Ok: queued as " + queued)
                .contains("decision: accepted: 250 2.0.0 Ok: queued as " + queued);
        // explain with the NOQUEUE log line: found by client, from= and to=
        String n = run(0, "explain", "-c", dir.toString(), noqueue);
        assertThat(n).startsWith("transaction NOQUEUE at ").contains("client unknown[192.0.2.31]")
                .contains("check_sender_access inline:{ {spam@bad.example=REJECT go away} } -> REJECT 554 5.7.1 <spam@bad.example>: Sender address rejected: go away")
                .contains(": looked up [spam@bad.example, bad.example, example, spam@]: found \"REJECT go away\"")
                .contains("decision: refused: 554 5.7.1 <spam@bad.example>: Sender address rejected: go away");
        assertThat(run(1, "explain", "-c", dir.toString(), "NOSUCHQUEUEID1")).isEmpty();

        // replay against the same configuration: nothing flips
        Path same = Files.createDirectories(dir.resolve("same"));
        Files.writeString(same.resolve("main.cf"), mainCf(dir, ""));
        assertThat(run(0, "replay", "-c", dir.toString(), "--config", same.toString()))
                .contains("replay: 12 transaction(s) evaluated, 0 skipped (no recipient reached the restrictions); 0 flip(s)");

        // one restriction added: exactly the four transactions from other@flip.example flip
        Path changed = Files.createDirectories(dir.resolve("new"));
        Files.writeString(changed.resolve("main.cf"), mainCf(dir, ", {other@flip.example=REJECT moved away}"));
        String r = run(3, "replay", "-c", dir.toString(), "--config", changed.toString(), "--since", "1h");
        List<String> flips = r.lines().filter(l -> l.startsWith("flip: ")).toList();
        assertThat(flips).hasSize(4).allSatisfy(l -> assertThat(l).contains("from=<other@flip.example>")
                .contains("-> refused (554 5.7.1 <other@flip.example>: Sender address rejected: moved away)"));
        assertThat(flips).anySatisfy(l -> assertThat(l).contains("unknown[192.0.2.40]").contains("accepted for user1@example.test ->"));
        assertThat(r).contains("  recorded: accepted (250 2.0.0 Ok: queued as")
                .contains("| --- with " + changed).contains("{other@flip.example=REJECT moved")
                .contains("replay: 12 transaction(s) evaluated, 0 skipped (no recipient reached the restrictions); 4 flip(s): 4 accepted -> refused, 0 refused -> accepted");
        // and the reverse change: the same four flip back
        assertThat(run(3, "replay", "-c", changed.toString(), "--config", dir.toString()))
                .contains("4 flip(s): 0 accepted -> refused, 4 refused -> accepted");
    }
}
