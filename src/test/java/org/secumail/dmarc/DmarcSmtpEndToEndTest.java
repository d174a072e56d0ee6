// SPDX-License-Identifier: Apache-2.0
package org.secumail.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.dns.TestDnsServer;

/**
 * DMARC through the SMTP server: p=quarantine holds the message (the hold queue, or a
 * Maildir++ folder), p=none delivers it with the result in Authentication-Results, and SPF
 * for DMARC is evaluated at end of DATA when the restrictions have no check_spf.
 */
class DmarcSmtpEndToEndTest {
    @TempDir
    Path dir;

    private TestDnsServer dns;
    private Server server;

    private static final String ZONE = """
            example.test SOA ns.example.test hostmaster.example.test 1 3600 600 86400 60
            _dmarc.quarantine.test TXT "v=DMARC1; p=quarantine"
            quarantine.test TXT "v=spf1 ip4:192.0.2.30 -all"
            _dmarc.none.test TXT "v=DMARC1; p=none"
            """;

    private int start(String extra) throws Exception {
        dns = TestDnsServer.start(ZONE);
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
                extra,
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        return server.listeners().get(0).port();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (dns != null) dns.close();
    }

    private static String msg(String from) {
        return "From: " + from + "\r\nTo: user1@example.test\r\nSubject: dmarc\r\n\r\nbody\r\n";
    }

    @Test
    void quarantineGoesToTheHoldQueueAndNoneIsDelivered() throws Exception {
        int port = start("");
        assertThat(MiniSmtp.send(port, "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test",
                msg("boss@quarantine.test"))).startsWith("250 2.0.0 Ok: queued as");
        List<String> held = MiniSmtp.files(dir.resolve("queue/hold"), 1, ".msg");
        assertThat(held.get(0)).contains("dmarc=fail").contains("header.from=quarantine.test").contains("spf=none smtp.mailfrom=a@outside.example");
        assertThat(MiniSmtp.send(port, "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test",
                msg("x@none.test"))).startsWith("250");
        String got = MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0);
        // since ARC verification joined, an arc= entry sits between dkim= and dmarc=
        assertThat(got).contains("Authentication-Results: mx.example.test;\n\tspf=none smtp.mailfrom=a@outside.example;\n\tdkim=none;\n")
                .contains("\tdmarc=fail (p=none dis=none) header.from=none.test");
        // an SPF-aligned message of the quarantine domain passes and is delivered
        assertThat(MiniSmtp.send(port, "192.0.2.30", "mail.quarantine.test", "boss@quarantine.test", "user1@example.test",
                msg("boss@quarantine.test"))).startsWith("250");
        List<String> two = MiniSmtp.files(dir.resolve("mail/user1/new"), 2, "");
        assertThat(two).anySatisfy(m -> assertThat(m).contains("spf=pass smtp.mailfrom=boss@quarantine.test").contains("dmarc=pass"));
    }

    @Test
    void quarantineIntoAMaildirFolder() throws Exception {
        int port = start("secumail_dmarc_quarantine_target = Junk");
        assertThat(MiniSmtp.send(port, "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test",
                msg("boss@quarantine.test"))).startsWith("250");
        String junk = MiniSmtp.files(dir.resolve("mail/user1/.Junk/new"), 1, "").get(0);
        assertThat(junk).contains("dmarc=fail");
        assertThat(dir.resolve("mail/user1/.Junk/maildirfolder")).exists();
        assertThat(dir.resolve("mail/user1/new")).doesNotExist();
    }
}
