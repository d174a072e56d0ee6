// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.content.RawMessage;
import org.secumail.dns.CachingResolver;
import org.secumail.dns.DnsjavaResolver;
import org.secumail.dns.TestDnsServer;

/**
 * DKIM through the SMTP server: incoming signatures verified at end of DATA and reported in
 * one Authentication-Results header (a forged one with our authserv-id removed), and mail from
 * mynetworks signed with an rsa and an ed25519 key (dual signing) before it is queued.
 */
class DkimSmtpEndToEndTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private Server server;
    private int port;
    private KeyPair sender;

    private static String txt(String name, String value) {
        StringBuilder sb = new StringBuilder(name).append(" TXT");
        for (int i = 0; i < value.length(); i += 200) sb.append(" \"").append(value, i, Math.min(value.length(), i + 200)).append('"');
        return sb.append('\n').toString();
    }

    @BeforeEach
    void start() throws Exception {
        sender = DkimKeys.generate("rsa", 2048);
        KeyPair rsa = DkimKeys.generate("rsa", 2048);
        KeyPair ed = DkimKeys.generate("ed25519", 0);
        Path keys = dir.resolve("dkim/example.test");
        Files.createDirectories(keys);
        Files.writeString(keys.resolve("rsa.private"), DkimKeys.toPem(rsa.getPrivate()));
        Files.writeString(keys.resolve("ed.private"), DkimKeys.toPem(ed.getPrivate()));
        for (Path p : List.of(keys.resolve("rsa.private"), keys.resolve("ed.private"))) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        String zone = "example.test SOA ns.example.test hostmaster.example.test 1 3600 600 86400 60\n"
                + txt("s1._domainkey.sender.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(sender.getPublic()))
                + txt("rsa._domainkey.example.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(rsa.getPublic()))
                + txt("ed._domainkey.example.test", "v=DKIM1; k=ed25519; p=" + DkimKeys.publicKeyValue(ed.getPublic()));
        dns = TestDnsServer.start(zone);
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "dns_servers = " + dns.serverSpec(),
                "secumail_dns_timeout = 1s",
                "secumail_dkim_domains = example.test",
                "secumail_dkim_selectors = rsa, ed",
                "secumail_dkim_key_directory = " + dir.resolve("dkim"),
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        port = server.listeners().get(0).port();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (dns != null) dns.close();
    }

    private String signedBySender(String body) {
        String msg = "From: bob@sender.test\r\nTo: user1@example.test\r\nSubject: signed\r\nDate: Sat, 05 Dec 2026 08:00:00 +0000\r\n"
                + "Message-ID: <1@sender.test>\r\n\r\n" + body;
        var field = new DkimSigner(Clock.systemUTC()).sign(RawMessage.of(msg.getBytes(StandardCharsets.UTF_8)),
                new DkimKey("sender.test", "s1", sender.getPrivate()), DkimSignOptions.defaults());
        return new String(field.raw(), StandardCharsets.UTF_8) + msg;
    }

    @Test
    void incomingSignaturesAreVerifiedAndForgedResultsRemoved() throws Exception {
        String good = "Authentication-Results: mx.example.test; dkim=pass header.d=paypal.test\r\n" + signedBySender("hello\r\n");
        send(true, "bob@sender.test", good);
        String tampered = signedBySender("hello\r\n").replace("hello", "HELLO");
        send(true, "bob@sender.test", tampered);
        List<String> got = delivered(2);
        String pass = got.stream().filter(m -> m.contains("\nhello\n")).findFirst().orElseThrow();
        assertThat(pass).contains("Authentication-Results: mx.example.test;\n").contains("\tdkim=pass header.d=sender.test header.s=s1");
        assertThat(pass).doesNotContain("paypal.test");
        String fail = got.stream().filter(m -> m.contains("\nHELLO\n")).findFirst().orElseThrow();
        assertThat(fail).contains("dkim=fail").contains("header.d=sender.test");
        // our header is above our own Received: line
        assertThat(pass.indexOf("Authentication-Results: mx.example.test")).isLessThan(pass.indexOf("Received: from"));
    }

    @Test
    void mailFromMynetworksIsSignedTwiceAndVerifies() throws Exception {
        String msg = "From: Alice <alice@example.test>\r\nTo: user1@example.test\r\nSubject: outgoing\r\n"
                + "Date: Sat, 05 Dec 2026 08:00:00 +0000\r\nMessage-ID: <2@example.test>\r\n\r\nsigned by us\r\n";
        send(false, "alice@example.test", msg);
        String got = delivered(1).get(0);
        assertThat(got).contains("a=rsa-sha256").contains("a=ed25519-sha256").doesNotContain("dkim=");
        // what was delivered verifies against the published keys (LF back to CRLF, as on the wire)
        byte[] wire = got.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        var resolver = new CachingResolver(DnsjavaResolver.fromConfig(List.of(dns.serverSpec()), Duration.ofSeconds(1)));
        List<DkimVerification> v = new DkimVerifier(resolver, Clock.systemUTC(), 10).verify(RawMessage.of(wire));
        assertThat(v).hasSize(2).allSatisfy(x -> assertThat(x.result()).isEqualTo(DkimResult.PASS));
        assertThat(v).extracting(DkimVerification::selector).containsExactlyInAnyOrder("rsa", "ed");
    }

    private void send(boolean outside, String from, String message) throws Exception {
        assertThat(MiniSmtp.send(port, outside ? "192.0.2.10" : null, "client.sender.test", from, "user1@example.test", message)).startsWith("250");
    }

    private List<String> delivered(int n) throws Exception {
        return MiniSmtp.files(dir.resolve("mail/user1/new"), n, "");
    }
}
