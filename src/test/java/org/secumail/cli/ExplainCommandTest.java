// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

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
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.smtpd.LineClient;
import picocli.CommandLine;

/**
 * secumail explain prints each restriction with its verdict and the reply each recipient would
 * get, greylisting included but not recorded (explaining twice gives the same answer), and its
 * replies are the ones the server gives the same envelope (sent through XCLIENT from the same
 * client address).
 */
class ExplainCommandTest {
    @TempDir
    Path dir;

    private static final String[] RCPTS = {"user1@example.test", "victim@elsewhere.example", "nobody@example.test"};

    private String explain(String sender) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ExplainCommand c = new ExplainCommand();
        c.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("-c", dir.toString(), "--client", "192.0.2.10", "--helo", "client.example",
                "--sender", sender));
        for (String r : RCPTS) args.addAll(List.of("--rcpt", r));
        assertThat(new CommandLine(c).execute(args.toArray(String[]::new))).isZero();
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static List<String> replies(String explained) {
        return explained.lines().filter(l -> l.startsWith("  reply: ")).map(l -> l.substring("  reply: ".length())).toList();
    }

    @Test
    void explainsEachRestrictionAndAgreesWithTheServer() throws Exception {
        Files.writeString(dir.resolve("main.cf"), String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }", "alias_maps =", "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"), "mail_spool_directory = " + dir.resolve("mail") + "/",
                "smtpd_peername_lookup = no", "dns_servers = 127.0.0.1:9", "secumail_dns_timeout = 1s",
                "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,"
                        + " check_sender_access inline:{ {spam@bad.example=REJECT go away} }, check_greylist, permit", ""));
        String bad = explain("spam@bad.example");
        assertThat(bad).contains("smtpd_recipient_restrictions: check_sender_access inline:{ {spam@bad.example=REJECT go away} } -> REJECT "
                + "554 5.7.1 <spam@bad.example>: Sender address rejected: go away")
                .contains("smtpd_relay_restrictions: defer_unauth_destination -> REJECT 454 4.7.1 <victim@elsewhere.example>: Relay access denied")
                .contains("decision: refused: 554 5.7.1 <spam@bad.example>: Sender address rejected: go away");
        assertThat(explain("someone@good.example")).as("nothing recorded").isEqualTo(explain("someone@good.example"));
        String good = explain("someone@good.example");
        assertThat(good).contains("smtpd_recipient_restrictions: check_greylist -> REJECT 450 4.2.0 <user1@example.test>: Recipient address rejected: Greylisted")
                .contains("decision: refused: 450 4.2.0 <user1@example.test>: Recipient address rejected: Greylisted");

        MainConfig cfg = MainConfig.load(dir);
        try (Server server = Server.start(cfg, MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100))) {
            for (String[] run : new String[][] {{"spam@bad.example", bad}, {"someone@good.example", good}}) {
                List<String> got = new ArrayList<>();
                try (LineClient c = new LineClient(server.listeners().get(0).port())) {
                    c.reply();
                    c.cmd("XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]");
                    c.cmd("EHLO client.example");
                    c.cmd("MAIL FROM:<" + run[0] + ">");
                    for (String r : RCPTS) got.add(c.cmd("RCPT TO:<" + r + ">"));
                    c.cmd("QUIT");
                }
                assertThat(got).as("the server's replies for " + run[0]).isEqualTo(replies(run[1]).subList(0, RCPTS.length));
            }
        }
    }
}
