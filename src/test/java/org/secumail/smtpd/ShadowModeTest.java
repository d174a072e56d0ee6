// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * secumail_shadow_mode: what the restrictions would refuse is logged as Postfix's
 * warn_if_reject logs it ("reject_warning: RCPT from ...") and the mail is accepted; relay
 * control and unknown recipients stay in force, so shadow mode never makes an open relay or
 * accepts mail it could not deliver. A service with -o secumail_shadow_mode=no beside it refuses.
 */
class ShadowModeTest {
    @TempDir
    Path dir;

    @Test
    void wouldBeRejectionsAreLoggedAndTheMailAccepted() throws Exception {
        MainConfig cfg = MainConfig.fromText(String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.9/32", "local_recipient_maps = inline:{ user1=ok }", "alias_maps =",
                "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "smtpd_peername_lookup = no", "secumail_shadow_mode = yes",
                "smtpd_recipient_restrictions = reject_unauth_destination, check_sender_access inline:{ {spammer@bad.example=REJECT go away} }, permit",
                "smtpd_end_of_data_restrictions = check_sender_access inline:{ spammer@bad.example=DISCARD }", ""), "main.cf", dir);
        String master = "127.0.0.1:0 inet n - n - - smtpd\n127.0.0.1:0 inet n - n - - smtpd -o secumail_shadow_mode=no\n";
        try (Server server = Server.start(cfg, MasterConfig.parse(master, "master.cf", 100));
             LogCapture log = new LogCapture("secumail.smtpd")) {
            try (LineClient c = new LineClient(server.listeners().get(0).port())) {
                c.reply();
                c.cmd("EHLO client.example");
                assertThat(c.cmd("MAIL FROM:<spammer@bad.example>")).startsWith("250");
                assertThat(c.cmd("RCPT TO:<user1@example.test>")).isEqualTo("250 2.1.5 Ok");
                assertThat(c.cmd("RCPT TO:<victim@elsewhere.example>")).as("relay control stays")
                        .isEqualTo("454 4.7.1 <victim@elsewhere.example>: Relay access denied");
                assertThat(c.cmd("RCPT TO:<nobody@example.test>")).as("unknown users stay refused").startsWith("550 5.1.1");
                assertThat(c.cmd("DATA")).startsWith("354");
                assertThat(c.cmd("Subject: shadow\r\n\r\nhello\r\n.")).startsWith("250 2.0.0 Ok: queued as");
            }
            try (LineClient c = new LineClient(server.listeners().get(1).port())) {
                c.reply();
                c.cmd("EHLO client.example");
                c.cmd("MAIL FROM:<spammer@bad.example>");
                assertThat(c.cmd("RCPT TO:<user1@example.test>")).as("the service without shadow mode refuses")
                        .isEqualTo("554 5.7.1 <spammer@bad.example>: Sender address rejected: go away");
            }
            assertThat(log.lines()).anyMatch(l -> l.matches("\\w+: reject_warning: RCPT from \\S+\\[127.0.0.1\\]: 554 5.7.1 <spammer@bad.example>: "
                    + "Sender address rejected: go away; from=<spammer@bad.example> to=<user1@example.test> proto=ESMTP helo=<client.example>"))
                    .anyMatch(l -> l.matches("\\w+: discard_warning: END-OF-MESSAGE from \\S+\\[127.0.0.1\\]: .*; from=<spammer@bad.example>.*"));
        }
    }
}
