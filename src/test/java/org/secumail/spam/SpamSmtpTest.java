// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;

/**
 * Spam scoring in the SMTP server: scores decide tag, quarantine and reject at end of DATA,
 * the X-Spam-* fields reach the mailbox, clients in mynetworks are not scored, and Bayes
 * auto-learns (the database counts what the server learned).
 */
class SpamSmtpTest {
    @TempDir
    Path dir;

    private Server server;

    @BeforeEach
    void start() throws Exception {
        Path rules = dir.resolve("rules");
        Files.createDirectories(rules);
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), rules.resolve("50_test.cf"));
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "secumail_dmarc_enable = no",
                "secumail_spam_filter = yes",
                "secumail_spam_rules_directories = " + rules,
                "secumail_spam_site_rules_directory =",
                "secumail_spam_quarantine_score = 9",
                "secumail_spam_reject_score = 20",
                "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private String send(String client, String from, String subject, String body) throws Exception {
        String msg = "From: " + from + "\r\nTo: user1@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "@x>\r\n\r\n" + body + "\r\n";
        return MiniSmtp.send(server.listeners().get(0).port(), client, "outside.example", from, "user1@example.test", msg);
    }

    @Test
    void scoresDecideTagQuarantineAndReject() throws Exception {
        assertThat(send("192.0.2.10", "a@outside.example", "lunch", "See you at noon.")).startsWith("250 ");
        assertThat(send("192.0.2.10", "b@outside.example", "pills", "Buy cheap pills at http://shady.example.biz/")).startsWith("250 ");
        assertThat(send("192.0.2.10", "c@outside.example", "special offer", "Buy cheap pills")).startsWith("250 ");
        assertThat(send("192.0.2.10", "d@outside.example", "gtube", "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"))
                .isEqualTo("550 5.7.1 Message rejected as spam (score 1000.0)");
        assertThat(send("192.0.2.10", "e@friend.example", "pills friend", "Buy cheap pills")).as("a welcomelisted sender").startsWith("250 ");
        assertThat(send("127.0.0.1", "f@example.test", "local offer", "Buy cheap pills")).as("mynetworks: not scored").startsWith("250 ");

        List<String> mail = MiniSmtp.files(dir.resolve("mail/user1/new"), 4, "");
        String ham = find(mail, "Subject: lunch");
        assertThat(ham).contains("X-Spam-Status: No, score=0.0 required=5.0 tests=none autolearn=ham").doesNotContain("X-Spam-Flag");
        String tagged = find(mail, "Subject: pills");
        assertThat(tagged).contains("X-Spam-Flag: YES").contains("X-Spam-Score: 8.5").contains("X-Spam-Level: ********")
                .contains("tests=SELLS_PILLS,SHADY_LINK")
                .contains("*  6.0 SELLS_PILLS            Sells pills").contains("*      [Buy cheap pills]")
                .contains("*  2.5 SHADY_LINK             Links to a shady shop").contains("*      [http://shady.example.biz/]");
        assertThat(find(mail, "Subject: pills friend")).contains("X-Spam-Status: No, score=-94.0");
        assertThat(find(mail, "Subject: local offer")).doesNotContain("X-Spam-");
        // auto-learn: the two messages under 0.1 points were learned as ham (the default thresholds)
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("data/spam/bayes.db"))) {
            assertThat(store.totals().ham()).isEqualTo(2);
            assertThat(store.totals().spam()).isZero();
        }
        // 9.0 reaches the quarantine score: held, not delivered
        assertThat(mail).noneMatch(m -> m.contains("Subject: special offer"));
        List<String> held = MiniSmtp.files(dir.resolve("queue/hold"), 1, ".msg");
        assertThat(held.get(0)).contains("Subject: special offer").contains("X-Spam-Flag: YES").contains("X-Spam-Score: 9.0");
    }

    private static String find(List<String> mail, String needle) {
        return mail.stream().filter(m -> m.contains(needle + "\r\n") || m.contains(needle + "\n")).findFirst().orElseThrow(() -> new AssertionError("no message with " + needle));
    }
}
