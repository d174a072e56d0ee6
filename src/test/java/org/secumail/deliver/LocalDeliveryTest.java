// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * End to end through SMTP, the queue and the local transport: aliases, address extensions,
 * virtual mailboxes, mbox files, and the DISCARD and HOLD actions.
 */
class LocalDeliveryTest {
    @TempDir
    Path dir;

    private Server start(String extra) throws IOException {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "recipient_delimiter = +",
                "local_recipient_maps = inline:{ user1=ok, user2=ok } $alias_maps",
                "alias_maps = inline:{ {postmaster=user1}, {team=user1, user2}, {root=root} }",
                "virtual_mailbox_domains = virtual.test", "virtual_mailbox_base = " + dir.resolve("vmail"),
                "virtual_mailbox_maps = inline:{ {v1@virtual.test=virtual.test/v1/}, {v2@virtual.test=virtual.test/v2.mbox} }",
                "queue_directory = " + dir.resolve("queue"), "dns_servers = 127.0.0.1:9", extra, "");
        return Server.start(MainConfig.fromText(main, "main.cf", dir),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    private static String send(int port, String from, String to, String subject) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String msg = "EHLO client.example\r\nMAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\nDATA\r\n";
            out.write(msg.getBytes(StandardCharsets.US_ASCII));
            StringBuilder replies = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                replies.append(line).append('\n');
                if (line.startsWith("354")) {
                    out.write(("Subject: " + subject + "\r\n\r\nFrom the start of a line\r\nbody\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                if (line.startsWith("221") || line.startsWith("5")) break;
            }
            return replies.toString();
        }
    }

    /** The text of every file under place once all needles appear (or after 15 s): deliveries may finish in any order. */
    private static String waitForText(Path place, String... needles) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            String all = readTree(place);
            if (java.util.Arrays.stream(needles).allMatch(all::contains)) return all;
            Thread.sleep(100);
        }
        return readTree(place);
    }

    private static String readTree(Path place) throws IOException {
        if (!Files.exists(place)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(place)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) sb.append(Files.readString(p, StandardCharsets.ISO_8859_1)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void aliasesExtensionsAndMaildir() throws Exception {
        try (Server server = start("mail_spool_directory = " + dir.resolve("mail") + "/")) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@example.test", "postmaster@example.test", "to postmaster")).contains("queued as");
            assertThat(send(port, "a@example.test", "team@example.test", "to the team")).contains("queued as");
            assertThat(send(port, "a@example.test", "user2+lists@example.test", "with extension")).contains("queued as");
            assertThat(waitForText(dir.resolve("mail/user1/new"), "to the team", "to postmaster")).contains("Subject: to postmaster")
                    .contains("Delivered-To: postmaster@example.test");
            assertThat(waitForText(dir.resolve("mail/user2/new"), "with extension", "to the team")).contains("Subject: to the team")
                    .contains("Delivered-To: user2+lists@example.test");
        }
    }

    @Test
    void virtualMailboxesAndMboxFiles() throws Exception {
        try (Server server = start("mail_spool_directory = " + dir.resolve("spool"))) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@example.test", "v1@virtual.test", "virtual maildir")).contains("queued as");
            assertThat(send(port, "a@example.test", "v2@virtual.test", "virtual mbox")).contains("queued as");
            assertThat(send(port, "a@example.test", "user1@example.test", "local mbox")).contains("queued as");
            assertThat(waitForText(dir.resolve("vmail/virtual.test/v1/new"), "virtual maildir")).contains("virtual maildir");
            String mbox = waitForText(dir.resolve("vmail/virtual.test/v2.mbox"), "virtual mbox");
            assertThat(mbox).startsWith("From a@example.test ").contains(">From the start of a line");
            assertThat(waitForText(dir.resolve("spool/user1"), "local mbox")).contains("Subject: local mbox");
        }
    }

    @Test
    void discardHoldAndRedirectActions() throws Exception {
        try (Server server = start("mail_spool_directory = " + dir.resolve("mail") + "/\n"
                + "smtpd_sender_restrictions = check_sender_access inline:{ {drop@example.test=DISCARD}, {keep@example.test=HOLD review}, "
                + "{redir@example.test=REDIRECT user2@example.test} }")) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "drop@example.test", "user1@example.test", "discarded")).contains("queued as");
            assertThat(send(port, "keep@example.test", "user1@example.test", "held")).contains("queued as");
            assertThat(send(port, "ok@example.test", "user1@example.test", "normal")).contains("queued as");
            assertThat(send(port, "redir@example.test", "user1@example.test", "redirected")).contains("queued as");
            assertThat(waitForText(dir.resolve("mail/user2/new"), "redirected")).contains("Subject: redirected")
                    .contains("Delivered-To: user2@example.test");
            String delivered = waitForText(dir.resolve("mail/user1/new"), "normal");
            assertThat(delivered).contains("Subject: normal").doesNotContain("Subject: discarded").doesNotContain("Subject: held")
                    .doesNotContain("Subject: redirected");
            assertThat(waitForText(dir.resolve("queue/hold"), "held")).contains("Subject: held");
        }
    }

    /** header_checks(5) actions that change where the message goes or what it holds (cleanup package). */
    @Test
    void headerAndBodyCheckActions() throws Exception {
        try (Server server = start("mail_spool_directory = " + dir.resolve("mail") + "/\n"
                + "header_checks = regexp:{ {/^Subject: discarded/ DISCARD}, {/^Subject: held/ HOLD review}, "
                + "{/^Subject: redirected/ REDIRECT user2@example.test}, {/^Subject: copied/ BCC user2@example.test}, "
                + "{/^Subject: renamed/ REPLACE Subject: replaced}, {/^Subject: marked/ PREPEND X-Marked: yes} }\n"
                + "body_checks = regexp:{ {/^body$$/ REPLACE body was checked} }")) {
            int port = server.listeners().get(0).port();
            for (String subject : new String[] {"discarded", "held", "redirected", "copied", "renamed", "marked"}) {
                assertThat(send(port, "a@example.test", "user1@example.test", subject)).contains("queued as");
            }
            String user1 = waitForText(dir.resolve("mail/user1/new"), "Subject: copied", "Subject: replaced", "Subject: marked");
            assertThat(user1).contains("Subject: copied", "Subject: replaced", "X-Marked: yes\nSubject: marked", "body was checked\n")
                    .doesNotContain("Subject: discarded", "Subject: held", "Subject: redirected", "Subject: renamed", "\nbody\n");
            String user2 = waitForText(dir.resolve("mail/user2/new"), "Subject: redirected", "Subject: copied");
            assertThat(user2).contains("Subject: redirected", "Subject: copied").doesNotContain("Subject: marked");
            assertThat(waitForText(dir.resolve("queue/hold"), "held")).contains("Subject: held");
        }
    }

    /** A recipient given twice (same NOTIFY and ORCPT) is delivered once, as cleanup's duplicate filter does. */
    @Test
    void aRepeatedRecipientIsDeliveredOnce() throws Exception {
        try (Server server = start("mail_spool_directory = " + dir.resolve("mail") + "/")) {
            int port = server.listeners().get(0).port();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write(("EHLO client.example\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<user1@example.test>\r\n"
                        + "RCPT TO:<user1@example.test>\r\nRCPT TO:<user1@example.test> NOTIFY=NEVER\r\nDATA\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("354")) {
                    assertThat(line).matches("2\\d\\d[ -].*");
                }
                out.write("Subject: twice\r\n\r\nx\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("250 2.0.0 Ok: queued as");
            }
            waitForText(dir.resolve("mail/user1/new"), "Subject: twice");
            Thread.sleep(500);   // a second copy, if there were one, would be written by now
            try (Stream<Path> files = Files.list(dir.resolve("mail/user1/new"))) {
                // the first two are one recipient; the third asked for other DSN notices, so it stays (as in Postfix)
                assertThat(files.count()).isEqualTo(2);
            }
        }
    }

    /**
     * A user the passwd file does not know, local(8)'s deliver_unknown: luser_relay (with
     * $user expanded) takes the mail for another mailbox; fallback_transport, which comes
     * first, hands it to another transport (here error(8), whose text is the bounce's).
     */
    @Test
    void unknownUsersGoToLuserRelayOrFallbackTransport() throws Exception {
        String spool = "mail_spool_directory = " + dir.resolve("mail") + "/\nmyorigin = example.test\nlocal_recipient_maps =\n";
        try (Server server = start(spool + "luser_relay = root+$user")) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@example.test", "ghost@example.test", "for a ghost")).contains("queued as");
            assertThat(waitForText(dir.resolve("mail/root/new"), "for a ghost")).contains("Subject: for a ghost");
        }
        try (org.secumail.outbound.LogLinesAccess log = new org.secumail.outbound.LogLinesAccess("secumail.local");
             Server server = start(spool + "luser_relay = root\nfallback_transport = error:5.1.1 no such mailbox here")) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@example.test", "nobody2@example.test", "to nobody")).contains("queued as");
            assertThat(log.await(l -> l.contains("to=<nobody2@example.test>"), Duration.ofSeconds(15)))
                    .contains("dsn=5.1.1").contains("status=bounced (no such mailbox here)");
        }
        assertThat(readTree(dir.resolve("mail/root/new"))).doesNotContain("to nobody");
    }

    /**
     * cleanup's automatic BCC: sender_bcc_maps (by the sender's domain), recipient_bcc_maps
     * (by the recipient) and always_bcc each add a recipient, once per message however many
     * recipients map to it; the copies arrive like the original.
     */
    @Test
    void automaticBccFromTheSenderTheRecipientAndAlways() throws Exception {
        String extra = String.join("\n", "mail_spool_directory = " + dir.resolve("mail") + "/",
                "sender_bcc_maps = inline:{ {@outside.test=user2@example.test} }",
                "recipient_bcc_maps = inline:{ {team@example.test=postmaster@example.test} }",
                "always_bcc = root@example.test");
        try (Server server = start(extra)) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@outside.test", "user1@example.test", "copied three ways")).contains("queued as");
            assertThat(waitForText(dir.resolve("mail/user1/new"), "copied three ways")).contains("Delivered-To: user1@example.test");
            assertThat(waitForText(dir.resolve("mail/user2/new"), "copied three ways")).contains("Delivered-To: user2@example.test");
            assertThat(waitForText(dir.resolve("mail/root/new"), "copied three ways")).contains("Subject: copied three ways");
            assertThat(send(port, "b@inside.test", "team@example.test", "to the team")).contains("queued as");
            // team expands to user1 and user2; its BCC goes to postmaster (an alias of user1); root as always
            assertThat(waitForText(dir.resolve("mail/root/new"), "to the team")).contains("Subject: to the team");
            String user1 = waitForText(dir.resolve("mail/user1/new"), "to the team", "Delivered-To: postmaster@example.test");
            assertThat(user1).contains("Delivered-To: postmaster@example.test");
            assertThat(readTree(dir.resolve("mail/user2/new"))).contains("to the team");
        }
    }

    /**
     * mailbox_size_limit: a message that would take the mbox file past the limit is not
     * appended and bounces with 5.2.2 (the mailbox keeps what it had).
     */
    @Test
    void mailboxSizeLimitBouncesWhatWouldNotFit() throws Exception {
        try (org.secumail.outbound.LogLinesAccess log = new org.secumail.outbound.LogLinesAccess("secumail.local");
             Server server = start("mail_spool_directory = " + dir.resolve("spool") + "\nmailbox_size_limit = 700\nmessage_size_limit = 600")) {
            int port = server.listeners().get(0).port();
            assertThat(send(port, "a@example.test", "user1@example.test", "first fits")).contains("queued as");
            assertThat(waitForText(dir.resolve("spool/user1"), "first fits")).contains("Subject: first fits");
            assertThat(send(port, "a@example.test", "user1@example.test", "second does not")).contains("queued as");
            assertThat(log.await(l -> l.contains("status=bounced"), Duration.ofSeconds(15))).contains("dsn=5.2.2")
                    .contains("cannot update mailbox " + dir.resolve("spool/user1") + " for user user1. error writing message: File too large");
            assertThat(readTree(dir.resolve("spool/user1"))).doesNotContain("second does not");
        }
    }
}
