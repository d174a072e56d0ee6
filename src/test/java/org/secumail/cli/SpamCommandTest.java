// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** secumail spam check / rules and secumail bayes learn / stats / dump, on the test rules. */
class SpamCommandTest {
    @TempDir
    Path dir;

    private String run(int expectedRc, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).as(out.toString()).isEqualTo(expectedRc);
        return out.toString();
    }

    @BeforeEach
    void config() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), dir.resolve("rules/50_test.cf"));
        Files.writeString(dir.resolve("rules/60_min.cf"), "bayes_min_spam_num 2\nbayes_min_ham_num 2\nbody BAYES_99 eval:check_bayes('0.99', '1.00')\nscore BAYES_99 0 0 3.5 3.5\n");
        Files.writeString(dir.resolve("main.cf"), String.join("\n",
                "data_directory = " + dir.resolve("data"),
                "secumail_spam_rules_directories = " + dir.resolve("rules"),
                "secumail_spam_site_rules_directory =", ""));
    }

    private Path message(String name, String subject, String body) throws Exception {
        Path p = dir.resolve("msgs").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "From: x@example.org\nTo: y@example.net\nSubject: " + subject + "\nMessage-ID: <" + name + "@x>\n\n" + body + "\n");
        return p;
    }

    @Test
    void checkExplainsEveryHit() throws Exception {
        Path spam = message("s1", "special offer", "Buy cheap pills at http://shady.example.biz/now");
        String out = run(1, "spam", "check", "-c", dir.toString(), spam.toString());
        assertThat(out).contains(spam + ": spam, score=11.5 required=5.0")
                .contains("*  6.0 SELLS_PILLS            Sells pills").contains("*      [Buy cheap pills]")
                .contains("*  3.0 SUBJ_OFFER             Subject mentions an offer").contains("*      [Subject: offer]")
                .contains("*  2.5 SHADY_LINK             Links to a shady shop").contains("*      [http://shady.example.biz/now]")
                .contains("Bayes not used: 0 spam and 0 ham learned, needs 2 and 2");
        Path ham = message("h1", "lunch", "At noon?");
        assertThat(run(0, "spam", "check", "-q", "-c", dir.toString(), ham.toString())).isEqualTo(ham + ": ham, score=0.0 required=5.0 tests=none\n");
        assertThat(run(0, "spam", "rules", "-c", dir.toString())).contains("rules loaded: 14").contains("not usable: 0");
    }

    @Test
    void learnReportsWhatItDidAndBayesThenScores() throws Exception {
        // an mbox of two spam messages (mboxrd quoting), and a directory of two ham messages
        Path mbox = dir.resolve("spam.mbox");
        Files.writeString(mbox, "From a@b Mon Jan  1 00:00:00 2024\nFrom: s@spam.example\nSubject: pills\nMessage-ID: <m1@x>\n\nviagra lottery winner\n>From here\n"
                + "From a@b Mon Jan  1 00:00:01 2024\nFrom: s@spam.example\nSubject: pills again\nMessage-ID: <m2@x>\n\nviagra lottery money\n");
        message("h1", "minutes", "meeting agenda patch review");
        message("h2", "minutes 2", "meeting agenda build release");
        String learned = run(0, "bayes", "learn", "--spam", "-c", dir.toString(), mbox.toString());
        assertThat(learned).startsWith("learned as spam: 2 of 2 messages examined (0 already learned as that), ").contains("now: 2 spam, 0 ham, ");
        assertThat(run(0, "bayes", "learn", "--spam", "-c", dir.toString(), mbox.toString())).startsWith("learned as spam: 0 of 2 messages examined (2 already learned as that)");
        assertThat(run(0, "bayes", "learn", "--ham", "-c", dir.toString(), dir.resolve("msgs").toString())).contains("now: 2 spam, 2 ham, ");
        String stats = run(0, "bayes", "stats", "-c", dir.toString());
        assertThat(stats).contains("spam messages learned: 2").contains("ham messages learned:  2").contains("in use:                yes")
                .containsPattern("last learned: +20\\d\\d-.* \\(sa-learn " + java.util.regex.Pattern.quote(dir.resolve("msgs").toString()) + "\\)");
        assertThat(run(0, "bayes", "dump", "-c", dir.toString())).startsWith("0.000         2         2  non-token data: nspam, nham\n").containsPattern("\\n0\\.99\\d +2 +0  [0-9a-f]{16}\\n");
        Path probe = dir.resolve("probe.eml");
        Files.writeString(probe, "From: s@spam.example\nSubject: hello\nMessage-ID: <p1@x>\n\nviagra lottery winner money\n");
        String out = run(0, "spam", "check", "-c", dir.toString(), probe.toString());
        assertThat(out).contains("BAYES_99").containsPattern("Bayes: probability (0\\.99|1\\.00)\\d\\d, strongest tokens:").contains("lottery");
        assertThat(run(0, "bayes", "learn", "--forget", "-c", dir.toString(), mbox.toString())).startsWith("forgot: 2 of 2 messages").contains("now: 0 spam, 2 ham");
    }
}
