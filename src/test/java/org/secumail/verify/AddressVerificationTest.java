// SPDX-License-Identifier: Apache-2.0
package org.secumail.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;

/**
 * reject_unverified_recipient end to end: a relay (SecuMail) probes the next hop (another
 * SecuMail) before it accepts a recipient; the probe stops after RCPT TO and delivers
 * nothing; an unknown user is refused with the next hop's reply, an unreachable next hop
 * is deferred. Then the cache's rules with a fake transport and clock.
 */
class AddressVerificationTest {
    @TempDir
    Path dir;

    private final List<Server> running = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Server s : running) s.close();
    }

    private Server start(String name, String... lines) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx." + name + ".test", "mynetworks = 127.0.0.0/8",
                "alias_maps =", "queue_directory = " + d.resolve("queue"), "data_directory = " + d.resolve("data"),
                "mail_spool_directory = " + d.resolve("mail") + "/", "dns_servers = 127.0.0.1:9", String.join("\n", lines), "");
        Server s = Server.start(MainConfig.fromText(main, "main.cf", d), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        running.add(s);
        return s;
    }

    /** The replies to EHLO, MAIL and one RCPT per recipient (then QUIT). */
    private static List<String> rcpts(int port, String... to) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            List<String> replies = new ArrayList<>();
            in.readLine();
            List<String> cmds = new ArrayList<>(List.of("EHLO client.example", "MAIL FROM:<someone@elsewhere.test>"));
            for (String t : to) cmds.add("RCPT TO:<" + t + ">");
            for (String c : cmds) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String line;
                while ((line = in.readLine()) != null && line.length() > 3 && line.charAt(3) == '-') { }
                replies.add(line);
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return replies;
        }
    }

    private static long files(Path p) throws IOException {
        if (!Files.exists(p)) return 0;
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void theRelayProbesTheNextHopBeforeItAcceptsARecipient() throws Exception {
        Server mx = start("final", "mydestination = dest.test", "local_recipient_maps = inline:{ alice=ok }");
        int mxPort = mx.listeners().get(0).port();
        Server relay = start("relay", "mydestination =", "relay_domains = dest.test, down.test",
                "transport_maps = inline:{ {dest.test=smtp:[127.0.0.1]:" + mxPort + "}, {down.test=smtp:[127.0.0.1]:9} }",
                "smtpd_recipient_restrictions = reject_unverified_recipient", "address_verify_poll_delay = 2s",
                "smtp_connect_timeout = 2s", "unverified_recipient_reject_code = 550");
        int port = relay.listeners().get(0).port();
        List<String> r = rcpts(port, "alice@dest.test", "ghost@dest.test", "bob@down.test");
        assertThat(r.get(2)).isEqualTo("250 2.1.5 Ok");
        assertThat(r.get(3)).isEqualTo("550 5.1.1 <ghost@dest.test>: Recipient address rejected: undeliverable address: "
                + "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <ghost@dest.test>: Recipient address rejected: "
                + "User unknown in local recipient table (in reply to RCPT TO command)");
        assertThat(r.get(4)).startsWith("450 4.1.1 <bob@down.test>: Recipient address rejected: unverified address: ");
        // answered from the cache the second time, at once
        long t0 = System.nanoTime();
        List<String> again = rcpts(port, "alice@dest.test", "ghost@dest.test");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(again.get(2)).isEqualTo("250 2.1.5 Ok");
        assertThat(again.get(3)).startsWith("550 5.1.1 <ghost@dest.test>");
        // the probes delivered nothing, there or here
        Thread.sleep(500);
        assertThat(files(dir.resolve("final/mail"))).isZero();
        assertThat(files(dir.resolve("relay/mail"))).isZero();
    }

    /** A transport that answers probes from a script and counts them. */
    private static final class Probes implements Transport {
        final AtomicInteger count = new AtomicInteger();
        volatile DeliveryResult next = DeliveryResult.sent("2.0.0", "mx", "250 2.1.5 Ok");

        @Override public String name() { return "probes"; }

        @Override public DeliveryResult deliver(QueuedMessage msg, String recipient, Content content) {
            assertThat(AddressVerifier.isProbe(msg)).isTrue();
            assertThat(msg.envelope().sender()).isEqualTo("double-bounce@mx.example.test");
            count.incrementAndGet();
            return next;
        }
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId z) { return this; }
        @Override public Instant instant() { return now; }
    }

    private static AddressVerifier.Answer settled(AddressVerifier v, String addr) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            AddressVerifier.Answer a = v.query(addr);
            if (a.status() != AddressVerifier.Status.TODO) return a;
            Thread.sleep(20);
        }
        return v.query(addr);
    }

    @Test
    void cacheExpiryRefreshAndAFailedProbeNeverReplacesAPositiveEntry() throws Exception {
        MutableClock clock = new MutableClock();
        Probes probes = new Probes();
        AddressVerifier v = new AddressVerifier(MainConfig.fromText("myhostname = mx.example.test\n", "main.cf", dir), probes, clock);
        assertThat(v.query("a@x.test")).isEqualTo(new AddressVerifier.Answer(AddressVerifier.Status.TODO, "Address verification in progress"));
        assertThat(settled(v, "a@x.test").status()).isEqualTo(AddressVerifier.Status.OK);
        assertThat(probes.count.get()).isEqualTo(1);
        // within the positive refresh time (7d): no new probe
        clock.now = clock.now.plus(Duration.ofDays(6));
        assertThat(v.query("a@x.test").status()).isEqualTo(AddressVerifier.Status.OK);
        Thread.sleep(100);
        assertThat(probes.count.get()).isEqualTo(1);
        // after it: still OK, and one probe refreshes it; a failure then does not replace the OK
        probes.next = DeliveryResult.bounced("5.1.1", "mx", "host mx said: 550 gone");
        clock.now = clock.now.plus(Duration.ofDays(2));
        assertThat(v.query("a@x.test").status()).isEqualTo(AddressVerifier.Status.OK);
        Thread.sleep(200);
        assertThat(probes.count.get()).isEqualTo(2);
        assertThat(v.query("a@x.test").status()).isEqualTo(AddressVerifier.Status.OK);
        // past the positive expiry (31d) the entry is gone: in progress, and the failure is cached
        clock.now = clock.now.plus(Duration.ofDays(32));
        assertThat(v.query("a@x.test").status()).isEqualTo(AddressVerifier.Status.TODO);
        AddressVerifier.Answer bounced = settled(v, "a@x.test");
        assertThat(bounced).isEqualTo(new AddressVerifier.Answer(AddressVerifier.Status.BOUNCE, "host mx said: 550 gone"));
    }
}
