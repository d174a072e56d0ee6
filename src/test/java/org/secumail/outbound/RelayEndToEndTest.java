// SPDX-License-Identifier: Apache-2.0
package org.secumail.outbound;

import org.secumail.smtpd.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
import org.secumail.dns.TestDnsServer;

/**
 * Two SecuMail instances on loopback: a sender that relays for its network and a receiver
 * for dest.test, whose MX record (in the test DNS server) points to 127.0.0.1. The MX-based
 * cases use the next hop "dest.test:PORT" (MX lookup with a port, as Postfix allows).
 */
class RelayEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    TestDnsServer dns;
    LogCapture log;
    final List<AutoCloseable> running = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dns = TestDnsServer.start("""
                dest.test MX 10 mx.dest.test
                mx.dest.test A 127.0.0.1
                nullmx.test MX 0 .
                """);
        log = new LogCapture("secumail.delivery", "secumail.smtp", "secumail.local", "secumail.relay", "secumail.lmtp");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
        log.close();
        dns.close();
    }

    private Server receiver(String name, String listen, String... extra) throws IOException {
        Path d = dir.resolve(name);
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx." + name + ".test",
                "mydestination = dest.test, direct.test", "mynetworks = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok, grey=ok }", "alias_maps =",
                "queue_directory = " + d.resolve("queue"), "data_directory = " + d.resolve("data"),
                "mail_spool_directory = " + d.resolve("mail") + "/", "dns_servers = " + dns.serverSpec(),
                String.join("\n", extra), "");
        Server s = Server.start(MainConfig.fromText(main, "main.cf", d),
                MasterConfig.parse(listen + " inet n - n - - smtpd\n", "master.cf", 100));
        running.add(s);
        return s;
    }

    private Server sender(String transportMaps, String... extra) throws IOException {
        Path d = dir.resolve("sender");
        Files.createDirectories(d);
        Files.writeString(d.resolve("transport"), transportMaps);
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.sender.test",
                "mydestination = sender.test", "mynetworks = 127.0.0.0/8", "alias_maps =", "local_recipient_maps =",
                "queue_directory = " + d.resolve("queue"), "mail_spool_directory = " + d.resolve("mail") + "/",
                "dns_servers = " + dns.serverSpec(), "transport_maps = texthash:" + d.resolve("transport"),
                "minimal_backoff_time = 1s", "maximal_backoff_time = 1s", "queue_run_delay = 1s",
                "smtp_connect_timeout = 2s", String.join("\n", extra), "");
        Server s = Server.start(MainConfig.fromText(main, "main.cf", d),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        running.add(s);
        return s;
    }

    private static int port(Server s) { return s.listeners().get(0).port(); }

    static String submit(int port, String from, String subject, String... to) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            StringBuilder cmd = new StringBuilder("EHLO client.sender.test\r\nMAIL FROM:<" + from + ">\r\n");
            for (String t : to) cmd.append("RCPT TO:<").append(t).append(">\r\n");
            cmd.append("DATA\r\n");
            out.write(cmd.toString().getBytes(StandardCharsets.US_ASCII));
            StringBuilder replies = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                replies.append(line).append('\n');
                if (line.startsWith("354")) {
                    out.write(("Subject: " + subject + "\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                if (line.startsWith("221")) break;
            }
            assertThat(replies).contains("queued as");
            return replies.toString();
        }
    }

    static String awaitMail(Path maildir, String needle) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String all = "";
        while (System.nanoTime() < deadline) {
            all = readTree(maildir);
            if (all.contains(needle)) return all;
            Thread.sleep(100);
        }
        return all;
    }

    static String readTree(Path place) throws IOException {
        if (!Files.exists(place)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(place)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) sb.append(Files.readString(p, StandardCharsets.ISO_8859_1)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void deliveredThroughBracketedNextHopAndThroughMx() throws Exception {
        Server rcv = receiver("dest", "127.0.0.1:0");
        int p = port(rcv);
        Server snd = sender("direct.test smtp:[127.0.0.1]:" + p + "\ndest.test smtp:dest.test:" + p + "\n");
        submit(port(snd), "alice@sender.test", "direct hop", "user1@direct.test");
        String mail = awaitMail(dir.resolve("dest/mail/user1"), "direct hop");
        assertThat(mail).contains("Subject: direct hop").contains("\n.leading dot\n").doesNotContain("..leading").contains("by mx.sender.test");
        submit(port(snd), "alice@sender.test", "via mx", "user2@dest.test");
        assertThat(awaitMail(dir.resolve("dest/mail/user2"), "via mx")).contains("Subject: via mx");
        // the sender's delivery line, not the receiver's local one (both name user2, in either order)
        String line = log.await(l -> l.contains("to=<user2@dest.test>") && l.contains("status=sent") && !l.contains("relay=local"), WAIT);
        assertThat(line).contains("relay=mx.dest.test[127.0.0.1]:" + p).contains("dsn=2.0.0").contains("queued as");
    }

    @Test
    void mixedRecipientsOneBouncesTheOtherIsDelivered() throws Exception {
        Server rcv = receiver("dest", "127.0.0.1:0");
        Server snd = sender("dest.test smtp:dest.test:" + port(rcv) + "\n");
        submit(port(snd), "alice@sender.test", "mixed", "user1@dest.test", "nobody@dest.test");
        assertThat(awaitMail(dir.resolve("dest/mail/user1"), "mixed")).contains("Subject: mixed");
        String bounced = log.await(l -> l.contains("to=<nobody@dest.test>"), WAIT);
        assertThat(bounced).contains("relay=mx.dest.test[127.0.0.1]:" + port(rcv)).contains("dsn=5.1.1").contains("status=bounced (host mx.dest.test[127.0.0.1] said: 550 5.1.1 <nobody@dest.test>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command))");
        assertThat(Files.exists(dir.resolve("dest/mail/nobody"))).isFalse();
        // the RFC 3464 bounce for the refused recipient arrives in the sender's own Maildir
        String dsn = awaitMail(dir.resolve("sender/mail/alice"), "Final-Recipient: rfc822; nobody@dest.test");
        assertThat(dsn).contains("Subject: Undelivered Mail Returned to Sender")
                .contains("Content-Type: multipart/report; report-type=delivery-status;")
                .contains("Final-Recipient: rfc822; nobody@dest.test").contains("Action: failed").contains("Status: 5.1.1")
                .contains("Remote-MTA: dns; mx.dest.test").contains("Diagnostic-Code: smtp; 550 5.1.1")
                .contains("Subject: mixed").doesNotContain("Final-Recipient: rfc822; user1@dest.test");
    }

    @Test
    void nullMxBouncesWithoutAConnection() throws Exception {
        Server snd = sender("");
        submit(port(snd), "alice@sender.test", "nullmx", "someone@nullmx.test");
        String line = log.await(l -> l.contains("to=<someone@nullmx.test>"), WAIT);
        assertThat(line).contains("relay=none").contains("dsn=5.1.10").contains("status=bounced (Domain nullmx.test does not accept mail (nullMX))");
    }

    @Test
    void receiverDownThenUpIsDeferredThenDelivered() throws Exception {
        int p;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            p = probe.getLocalPort();
        }
        Server snd = sender("dest.test smtp:[127.0.0.1]:" + p + "\n");
        submit(port(snd), "alice@sender.test", "later", "user1@dest.test");
        String deferred = log.await(l -> l.contains("to=<user1@dest.test>") && l.contains("status=deferred"), WAIT);
        assertThat(deferred).contains("relay=none").contains("dsn=4.4.1")
                .contains("(connect to 127.0.0.1[127.0.0.1]:" + p + ": Connection refused)");
        // the log line comes just before the queue file moves to deferred/
        String tree = "";
        for (long end = System.nanoTime() + WAIT.toNanos(); System.nanoTime() < end && !tree.contains("user1@dest.test"); Thread.sleep(50)) {
            tree = readTree(dir.resolve("sender/queue/deferred"));
        }
        assertThat(tree).contains("user1@dest.test");
        receiver("dest", "127.0.0.1:" + p);
        assertThat(awaitMail(dir.resolve("dest/mail/user1"), "later")).contains("Subject: later");
        assertThat(log.await(l -> l.contains("to=<user1@dest.test>") && l.contains("status=sent"), WAIT)).isNotNull();
    }

    @Test
    void greylistedFirstThenAccepted() throws Exception {
        Server rcv = receiver("dest", "127.0.0.1:0", "smtpd_recipient_restrictions = reject_unauth_destination, check_greylist",
                "secumail_greylist_delay = 1s", "mynetworks = 192.0.2.0/24");   // greylisting skips mynetworks
        Server snd = sender("dest.test smtp:dest.test:" + port(rcv) + "\n");
        submit(port(snd), "alice@sender.test", "grey", "grey@dest.test");
        String first = log.await(l -> l.contains("to=<grey@dest.test>") && l.contains("status=deferred"), WAIT);
        assertThat(first).contains("relay=mx.dest.test[127.0.0.1]:" + port(rcv)).contains("said: 450 4.")
                .contains("(in reply to RCPT TO command)");
        assertThat(awaitMail(dir.resolve("dest/mail/grey"), "Subject: grey")).contains("Subject: grey");
        assertThat(log.await(l -> l.contains("to=<grey@dest.test>") && l.contains("status=sent"), WAIT)).isNotNull();
    }

    @Test
    void aliasToARemoteAddressIsForwardedAndALoopBounces() throws Exception {
        Server rcv = receiver("dest", "127.0.0.1:0");
        Server snd = sender("dest.test smtp:dest.test:" + port(rcv) + "\n", "alias_maps = inline:{ {fwd=user1@dest.test} }");
        submit(port(snd), "alice@sender.test", "forward me", "fwd@sender.test");
        String mail = awaitMail(dir.resolve("dest/mail/user1"), "forward me");
        assertThat(mail).contains("Subject: forward me").contains("Delivered-To: fwd@sender.test");
        String local = log.await(l -> l.contains("to=<fwd@sender.test>"), WAIT);
        assertThat(local).contains("relay=local").contains("status=sent (forwarded as ");
        // a message that already passed through this alias: local(8)'s Delivered-To loop check
        submit(port(snd), "alice@sender.test", "looped\r\nDelivered-To: fwd@sender.test", "fwd@sender.test");
        String loop = log.await(l -> l.contains("to=<fwd@sender.test>") && l.contains("status=bounced"), WAIT);
        assertThat(loop).contains("dsn=5.4.6").contains("(mail forwarding loop for fwd@sender.test)");
    }
}
