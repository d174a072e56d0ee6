// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.milter.MilterProtocol.*;
import static org.secumail.milter.ScriptedMilter.indexed;
import static org.secumail.milter.ScriptedMilter.packet;
import static org.secumail.milter.ScriptedMilter.send;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.smtpd.LineClient;
import org.secumail.smtpd.LogCapture;

/**
 * SecuMail as a milter client (smtpd_milters), against a scripted milter on loopback: every
 * modification action lands in the queued and delivered message, every answer at every stage
 * gives Postfix's reply, and a milter that is down, breaks the protocol or stalls gets
 * milter_default_action without losing or crashing anything.
 */
class MilterClientSmtpTest {
    @TempDir
    Path dir;

    private Server server;
    private ScriptedMilter milter;

    @BeforeEach
    void startMilter() throws Exception {
        milter = new ScriptedMilter();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        milter.close();
    }

    private void start(String... extra) throws Exception {
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "secumail_dmarc_enable = no",
                "secumail_dkim_verify = no",
                "secumail_arc_verify = no",
                "milter_command_timeout = 2s",
                "milter_content_timeout = 2s",
                "milter_connect_timeout = 2s",
                // the XCLIENT client stands for a remote one: its mail is not stamped with the
                // Date: it lacks (Postfix's permit_inet_interfaces would take the proxy's 127.0.0.1)
                "local_header_rewrite_clients = permit_mynetworks",
                String.join("\n", extra),
                "");
        if (!main.contains("smtpd_milters")) main += "smtpd_milters = " + milter.endpoint() + "\n";
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    private int port() { return server.listeners().get(0).port(); }

    private static final String MSG = "From: a@outside.example\r\nTo: user1@example.test\r\nSubject: hello\r\nX-Remove: me\r\n"
            + "Message-ID: <m1@outside.example>\r\n\r\nfirst body line\r\n";

    private String sendMsg() throws Exception {
        return MiniSmtp.send(port(), "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test", MSG);
    }

    @Test
    void everyModificationLandsInTheDeliveredMessage() throws Exception {
        milter.script = e -> e.command() != 'E' ? null : send(
                packet(SMFIR_ADDHEADER, "X-Added", "by milter"),
                indexed(SMFIR_INSHEADER, 0, "X-Top", "above everything"),
                indexed(SMFIR_CHGHEADER, 1, "Subject", "changed subject"),
                indexed(SMFIR_CHGHEADER, 1, "X-Remove", ""),
                packet(SMFIR_REPLBODY, "new body line one\r\nline two\n".getBytes()),
                packet(SMFIR_ADDRCPT, "<user2@example.test>"),
                packet(SMFIR_DELRCPT, "<user1@example.test>"),
                packet(SMFIR_CHGFROM, "<changed@outside.example>"),
                packet(SMFIR_ACCEPT));
        start();
        try (LogCapture log = new LogCapture("secumail.smtpd", "secumail.milter")) {
            assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
            String got = MiniSmtp.files(dir.resolve("mail/user2/new"), 1, "").get(0);
            assertThat(got).startsWith("Return-Path: <changed@outside.example>\nDelivered-To: user2@example.test\nX-Top: above everything\nReceived: from outside.example");
            assertThat(got).contains("Subject: changed subject").doesNotContain("Subject: hello").doesNotContain("X-Remove")
                    .contains("Message-ID: <m1@outside.example>\nX-Added: by milter\n\nnew body line one\nline two\n")
                    .doesNotContain("first body line");
            assertThat(Files.exists(dir.resolve("mail/user1/new")) && Files.list(dir.resolve("mail/user1/new")).findAny().isPresent()).isFalse();
            assertThat(log.lines()).anyMatch(l -> l.matches("\\w+: milter inet:127.0.0.1:\\d+: change sender: <changed@outside.example>"))
                    .anyMatch(l -> l.contains(": add recipient: <user2@example.test>"))
                    .anyMatch(l -> l.contains(": delete recipient: <user1@example.test>"))
                    .anyMatch(l -> l.contains(": replace body"));
        }
        // what the milter saw: the envelope with macros, the headers without our Received:
        List<String> headers = milter.events('L').stream().map(e -> e.strings().get(0) + ": " + e.strings().get(1)).toList();
        assertThat(headers).containsExactly("From: a@outside.example", "To: user1@example.test", "Subject: hello", "X-Remove: me",
                "Message-ID: <m1@outside.example>");
        List<ScriptedMilter.Event> conns = milter.events('C');
        assertThat(conns.get(conns.size() - 1).strings().get(0)).as("after XCLIENT, the milters start over with its client").isEqualTo("[192.0.2.10]");
        assertThat(milter.events('M').get(0).strings()).containsExactly("<a@outside.example>");
        assertThat(milter.events('R').get(0).strings()).containsExactly("<user1@example.test>");
        assertThat(new String(milter.events('B').get(0).data())).isEqualTo("first body line\r\n");
        List<List<String>> macros = milter.events('D').stream().map(ScriptedMilter.Event::strings).toList();
        // each SMFIC_MACRO: the event's octet glued to the first name, then name/value pairs
        assertThat(macros).anyMatch(m -> m.equals(List.of("Cj", "mx.example.test", "{daemon_name}", "mx.example.test", "{daemon_addr}",
                "127.0.0.1", "v", "SecuMail 0.1", "_", "unknown [192.0.2.10]")));
        assertThat(macros).anyMatch(m -> m.equals(List.of("M{mail_addr}", "a@outside.example", "{mail_host}", "outside.example")));
        assertThat(macros).anyMatch(m -> m.equals(List.of("R{rcpt_addr}", "user1@example.test", "{rcpt_host}", "example.test")));
        assertThat(milter.events('D').stream().filter(e -> e.data()[0] == 'E').findFirst().orElseThrow().strings().get(0))
                .as("end-of-data macros carry the queue ID").startsWith("E").hasSizeGreaterThan(1);
    }

    @Test
    void rejectionsAtEachStageGivePostfixReplies() throws Exception {
        milter.script = e -> switch (e.command()) {
            case 'R' -> e.strings().get(0).contains("user2")
                    ? send(packet(SMFIR_REPLYCODE, "550-5.7.1 first line\r\n550 5.7.1 second 100%% sure")) : null;
            case 'T' -> null;
            case 'E' -> send(packet(SMFIR_TEMPFAIL));
            default -> null;
        };
        start();
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.cmd("EHLO outside.example")).startsWith("250-");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.cmd("RCPT TO:<user2@example.test>")).isEqualTo("550-5.7.1 first line\n550 5.7.1 second 100% sure");
            assertThat(c.cmd("RCPT TO:<user1@example.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.cmd("DATA")).startsWith("354 ");
            assertThat(c.cmd(MSG + ".")).isEqualTo("451 4.7.1 Service unavailable - try again later");
            assertThat(c.cmd("QUIT")).startsWith("221");
        }
        // the milter records packets on its own thread: give SMFIC_ABORT a moment to arrive
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (milter.events('A').isEmpty() && System.nanoTime() < end) Thread.sleep(20);
        assertThat(milter.events('A')).as("the transaction's end is reported to the milter").isNotEmpty();
        // the decision trace (secumail explain) names the milter's answers
        server.traces().flush();
        String trace = server.traces().since(0, 10).stream().map(org.secumail.trace.Trace::text).reduce("", String::concat);
        assertThat(trace).contains("milter milter-reject at RCPT: 550-5.7.1 first line 550 5.7.1 second 100% sure")
                .contains("milter milter-reject at END-OF-MESSAGE: 451 4.7.1 Service unavailable - try again later");
    }

    @Test
    void aConnectRejectionAnswersTheGreetingAndEveryMail() throws Exception {
        milter.script = e -> e.command() == 'C' ? send(packet(SMFIR_REJECT)) : null;
        start();
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).isEqualTo("554 mx.example.test ESMTP not accepting connections");
            assertThat(c.cmd("EHLO outside.example")).startsWith("250-");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("550 5.7.1 Command rejected");
            assertThat(c.cmd("MAIL FROM:<b@outside.example>")).isEqualTo("550 5.7.1 Command rejected");
        }
    }

    @Test
    void aHeloTempfailStillGets250AndPersistsToMail() throws Exception {
        milter.script = e -> e.command() == 'H' ? send(packet(SMFIR_TEMPFAIL)) : null;
        start();
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.cmd("HELO outside.example")).isEqualTo("250 mx.example.test");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("451 4.7.1 Service unavailable - try again later");
        }
    }

    @Test
    void quarantineHoldsAndDiscardDrops() throws Exception {
        milter.script = e -> {
            if (e.command() != 'E') return null;
            boolean hold = milter.events('E').size() == 1;
            return hold ? send(packet(SMFIR_QUARANTINE, "looks odd"), packet(SMFIR_CONTINUE)) : send(packet(SMFIR_DISCARD));
        };
        start();
        try (LogCapture log = new LogCapture("secumail.smtpd")) {
            assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(log.lines()).anyMatch(l -> l.matches("\\w+: milter-hold: END-OF-MESSAGE from unknown\\[192.0.2.10\\]: looks odd; from=<a@outside.example> .*"))
                    .anyMatch(l -> l.contains(": milter-discard: END-OF-MESSAGE from unknown[192.0.2.10]: milter triggers DISCARD action"));
        }
        assertThat(waitFiles(dir.resolve("queue/hold"))).as("the quarantined message is in the hold queue").isNotEmpty();
        Thread.sleep(300);
        assertThat(Files.exists(dir.resolve("mail/user1/new")) && Files.list(dir.resolve("mail/user1/new")).findAny().isPresent())
                .as("neither message delivered").isFalse();
    }

    private static List<Path> waitFiles(Path d) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.walk(d)) {
                    List<Path> f = s.filter(Files::isRegularFile).toList();
                    if (!f.isEmpty()) return f;
                }
            }
            Thread.sleep(50);
        }
        return List.of();
    }

    @Test
    void aMilterThatIsDownGetsTheDefaultAction() throws Exception {
        int dead = milter.port();
        milter.close();
        start("smtpd_milters = inet:127.0.0.1:" + dead);
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.cmd("EHLO outside.example")).startsWith("250-");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("451 4.7.1 Service unavailable - try again later");
        }
    }

    @Test
    void eachDefaultActionAnswersAsPostfixDoes() throws Exception {
        int dead = milter.port();
        milter.close();
        start("smtpd_milters = { inet:127.0.0.1:" + dead + ", default_action=reject }");
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).startsWith("554 mx.example.test ESMTP not accepting connections");
            assertThat(c.cmd("EHLO outside.example")).startsWith("250-");
            assertThat(c.cmd("MAIL FROM:<a@outside.example>")).isEqualTo("550 5.5.0 Service unavailable");
        }
        server.close();
        start("smtpd_milters = { inet:127.0.0.1:" + dead + ", default_action=shutdown }");
        try (LineClient c = new LineClient(port())) {
            assertThat(c.reply()).isEqualTo("421 mx.example.test Service unavailable - try again later");
            assertThat(c.reply()).as("and the connection is closed").isNull();
        }
        server.close();
        start("smtpd_milters = { inet:127.0.0.1:" + dead + ", default_action=quarantine }");
        assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(waitFiles(dir.resolve("queue/hold"))).as("held").isNotEmpty();
        server.close();
        start("smtpd_milters = { inet:127.0.0.1:" + dead + ", default_action=accept }");
        assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
    }

    @Test
    void smtpdMilterMapsChoosesMiltersPerClient() throws Exception {
        milter.script = e -> e.command() == 'E' ? send(packet(SMFIR_REPLYCODE, "550 5.7.1 not for you")) : null;
        ScriptedMilter other = new ScriptedMilter();
        try (other) {
            other.script = e -> e.command() == 'E' ? send(packet(SMFIR_ADDHEADER, "X-Other", "yes"), packet(SMFIR_CONTINUE)) : null;
            start("smtpd_milter_maps = inline:{ 192.0.2.10=DISABLE, 192.0.2.11=" + other.endpoint() + " }");
            assertThat(sendMsg()).as("DISABLE: no milter for this client").startsWith("250 ");
            assertThat(MiniSmtp.send(port(), "192.0.2.11", "outside.example", "a@outside.example", "user1@example.test", MSG))
                    .startsWith("250 ");
            assertThat(MiniSmtp.send(port(), "192.0.2.12", "outside.example", "a@outside.example", "user1@example.test", MSG))
                    .as("no entry: smtpd_milters").isEqualTo("550 5.7.1 not for you");
            assertThat(MiniSmtp.files(dir.resolve("mail/user1/new"), 2, "")).anyMatch(m -> m.contains("X-Other: yes"));
        }
    }

    @Test
    void thePerMilterFormOverridesTheDefaultAction() throws Exception {
        ScriptedMilter second = new ScriptedMilter();
        try (second) {
            int dead;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                dead = s.getLocalPort();
            }
            second.script = e -> e.command() == 'E' ? send(packet(SMFIR_ADDHEADER, "X-Second", "yes"), packet(SMFIR_CONTINUE)) : null;
            start("smtpd_milters = { inet:127.0.0.1:" + dead + ", default_action=accept, connect_timeout=1s }, " + second.endpoint());
            assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0)).contains("X-Second: yes");
        }
    }

    @Test
    void brokenMiltersGetTheDefaultActionAndLoseNothing() throws Exception {
        for (ScriptedMilter.Answer bad : List.of(new ScriptedMilter.Garbage(), new ScriptedMilter.Oversize(), new ScriptedMilter.Stall(4000),
                new ScriptedMilter.Close())) {
            milter.script = e -> e.command() == 'E' ? bad : null;
            if (server == null) start();
            try (LogCapture log = new LogCapture("secumail.milter")) {
                assertThat(sendMsg()).as(bad.toString()).isEqualTo("451 4.7.1 Service unavailable - try again later");
                assertThat(log.lines()).as(bad.toString()).anyMatch(l -> l.startsWith("warning: milter inet:127.0.0.1:"));
            }
        }
        assertThat(waitFiles(dir.resolve("queue/incoming"))).as("nothing queued").isEmpty();
        // the server is still up and a sane milter conversation works
        milter.script = e -> null;
        assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
    }

    @Test
    void anUnnegotiatedChangeIsCarriedOutWithAWarning() throws Exception {
        milter.actions = 0;
        milter.script = e -> e.command() == 'E' ? send(packet(SMFIR_ADDHEADER, "X-Sneaky", "1"), packet(SMFIR_CONTINUE)) : null;
        start();
        try (LogCapture log = new LogCapture("secumail.milter")) {
            assertThat(sendMsg()).startsWith("250 ");
            assertThat(log.lines()).anyMatch(l -> l.contains("add header request without negotiating it"));
        }
        assertThat(MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0)).contains("X-Sneaky: 1");
    }

    @Test
    void negotiatedStepsAreSkippedAndProgressKeepsTheMessageAlive() throws Exception {
        milter.steps = SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NR_CONN | SMFIP_NOHELO;
        // 4 s of progress in all, each packet within milter_content_timeout (2s), then continue
        milter.script = e -> e.command() != 'E' ? null : new ScriptedMilter.Drip(List.of(packet(SMFIR_PROGRESS), packet(SMFIR_PROGRESS),
                packet(SMFIR_PROGRESS), packet(SMFIR_PROGRESS), packet(SMFIR_CONTINUE)), 1000);
        start();
        assertThat(sendMsg()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(milter.events('L')).as("SMFIP_NOHDRS: no headers sent").isEmpty();
        assertThat(milter.events('B')).as("SMFIP_NOBODY: no body sent").isEmpty();
        assertThat(milter.events('H')).as("SMFIP_NOHELO").isEmpty();
        assertThat(milter.events('N')).as("end of headers still sent").hasSize(1);
    }
}
