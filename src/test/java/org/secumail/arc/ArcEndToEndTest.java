// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.HeaderField;
import org.secumail.content.MiniSmtp;
import org.secumail.content.RawMessage;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimKeys;
import org.secumail.dkim.DkimSignOptions;
import org.secumail.dkim.DkimSigner;
import org.secumail.dns.TestDnsServer;

/**
 * ARC through the SMTP server: a mailing list's change breaks the author's DKIM signature and
 * DMARC p=reject would refuse the message, unless the list's ARC chain passes and the list is
 * a trusted sealer; and what SecuMail forwards for an alias carries an ARC set that the next
 * SecuMail validates.
 */
class ArcEndToEndTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private final List<Server> servers = new ArrayList<>();
    private KeyPair author;
    private KeyPair list;

    private static String txt(String name, String value) {
        StringBuilder sb = new StringBuilder(name).append(" TXT");
        for (int i = 0; i < value.length(); i += 200) sb.append(" \"").append(value, i, Math.min(value.length(), i + 200)).append('"');
        return sb.append('\n').toString();
    }

    @BeforeEach
    void setUp() throws Exception {
        author = DkimKeys.generate("rsa", 2048);
        list = DkimKeys.generate("rsa", 2048);
        Path fwdKey = dir.resolve("keys/fwd.test/arc.private");
        Files.createDirectories(fwdKey.getParent());
        KeyPair fwd = DkimKeys.generate("rsa", 2048);
        Files.writeString(fwdKey, DkimKeys.toPem(fwd.getPrivate()));
        Files.setPosixFilePermissions(fwdKey, PosixFilePermissions.fromString("rw-------"));
        dns = TestDnsServer.start("example.test SOA ns.example.test hostmaster.example.test 1 3600 600 86400 60\n"
                + txt("s._domainkey.orig.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(author.getPublic()))
                + txt("l._domainkey.list.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(list.getPublic()))
                + txt("arc._domainkey.fwd.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(fwd.getPublic()))
                + "_dmarc.orig.test TXT \"v=DMARC1; p=reject\"\n"
                + "orig.test TXT \"v=spf1 ip4:192.0.2.50 -all\"\n"
                + "list.test TXT \"v=spf1 ip4:192.0.2.60 -all\"\n"
                + "dest.test MX 10 mx.dest.test\nmx.dest.test A 127.0.0.1\n");
    }

    @AfterEach
    void tearDown() {
        for (Server s : servers.reversed()) s.close();
        dns.close();
    }

    private Server server(String name, String... extra) throws Exception {
        Path d = dir.resolve(name);
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx." + name + ".test",
                "mynetworks = 127.0.0.2/32", "smtpd_authorized_xclient_hosts = 127.0.0.0/8", "alias_maps =",
                "queue_directory = " + d.resolve("queue"), "mail_spool_directory = " + d.resolve("mail") + "/",
                "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s",
                // every client here on 127.0.0.1 (XCLIENT or the forwarder) stands for another
                // host: its mail is not local, else cleanup would add the Date: and Message-Id:
                // the test's original lacks and break the author's signature over them
                "local_header_rewrite_clients =", String.join("\n", extra), "");
        Server s = Server.start(MainConfig.fromText(main, "main.cf", d), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        servers.add(s);
        return s;
    }

    /** The author's signed message as the list changed it (subject tag, footer), ARC-sealed by the list. */
    private String listCopy() {
        String original = "From: CEO <ceo@orig.test>\r\nTo: members@list.test\r\nSubject: results\r\n"
                + "Date: Sat, 05 Dec 2026 08:00:00 +0000\r\nMessage-ID: <q4@orig.test>\r\n\r\nnumbers\r\n";
        HeaderField sig = new DkimSigner(Clock.systemUTC()).sign(RawMessage.of(original.getBytes(StandardCharsets.UTF_8)),
                new DkimKey("orig.test", "s", author.getPrivate()), DkimSignOptions.defaults());
        String received = "Authentication-Results: mx.list.test; dkim=pass header.d=orig.test; spf=pass smtp.mailfrom=ceo@orig.test\r\n"
                + new String(sig.raw(), StandardCharsets.UTF_8) + original;
        String changed = received.replace("Subject: results", "Subject: [members] results").replace("numbers\r\n", "numbers\r\n-- \r\nlist footer\r\n");
        RawMessage m = RawMessage.of(changed.getBytes(StandardCharsets.UTF_8));
        List<HeaderField> set = new ArcSealer(Clock.systemUTC()).seal(m, new DkimKey("list.test", "l", list.getPrivate()), "mx.list.test",
                ArcSealer.authResultsFor(m.headers(), "mx.list.test"), ArcResult.NONE, null);
        StringBuilder sb = new StringBuilder();
        for (HeaderField f : set) sb.append(new String(f.raw(), StandardCharsets.UTF_8));
        return sb + changed;
    }

    @Test
    void aTrustedListsArcChainOverridesDmarcReject() throws Exception {
        String copy = listCopy();
        Server strict = server("strict", "mydestination = example.test", "local_recipient_maps = inline:{ user1=ok }");
        assertThat(MiniSmtp.send(strict.listeners().get(0).port(), "192.0.2.60", "mx.list.test", "members-bounces@list.test",
                "user1@example.test", copy)).isEqualTo("550 5.7.1 rejected by DMARC policy for orig.test");
        Server trusting = server("trusting", "mydestination = example.test", "local_recipient_maps = inline:{ user1=ok }",
                "secumail_arc_trusted_sealers = list.test");
        assertThat(MiniSmtp.send(trusting.listeners().get(0).port(), "192.0.2.60", "mx.list.test", "members-bounces@list.test",
                "user1@example.test", copy)).startsWith("250");
        String got = MiniSmtp.files(dir.resolve("trusting/mail/user1/new"), 1, "").get(0);
        assertThat(got).contains("\tdkim=fail").contains("arc=pass smtp.remote-ip=192.0.2.60 header.oldest-pass=0").contains("dmarc=fail");
    }

    @Test
    void forwardedMailIsSealedAndTheChainValidatesDownstream() throws Exception {
        Server dest = server("dest", "mydestination = dest.test", "local_recipient_maps = inline:{ user1=ok }");
        int destPort = dest.listeners().get(0).port();
        Server fwd = server("fwd", "mydestination = fwd.test", "local_recipient_maps =",
                "virtual_alias_maps = inline:{ team@fwd.test=user1@dest.test }",
                "transport_maps = inline:{ dest.test=smtp:[127.0.0.1]:" + destPort + " }",
                "secumail_dkim_key_directory = " + dir.resolve("keys"),
                "secumail_arc_seal_domain = fwd.test", "secumail_arc_seal_selector = arc");
        String original = "From: CEO <ceo@orig.test>\r\nTo: team@fwd.test\r\nSubject: q4\r\n\r\nnumbers\r\n";
        HeaderField sig = new DkimSigner(Clock.systemUTC()).sign(RawMessage.of(original.getBytes(StandardCharsets.UTF_8)),
                new DkimKey("orig.test", "s", author.getPrivate()), DkimSignOptions.defaults());
        assertThat(MiniSmtp.send(fwd.listeners().get(0).port(), "192.0.2.50", "mx.orig.test", "ceo@orig.test", "team@fwd.test",
                new String(sig.raw(), StandardCharsets.UTF_8) + original)).startsWith("250");
        String got = MiniSmtp.files(dir.resolve("dest/mail/user1/new"), 1, "").get(0);
        assertThat(got).contains("ARC-Seal: ").contains("cv=none").contains("d=fwd.test")
                .contains("ARC-Authentication-Results: i=1; mx.fwd.test;")
                .contains("arc=pass smtp.remote-ip=127.0.0.1 header.oldest-pass=0");
    }
}
