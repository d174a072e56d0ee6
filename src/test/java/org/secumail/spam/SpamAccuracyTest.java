// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;

/**
 * Accuracy on a sample of the SpamAssassin public corpus, as the issue measures it (network
 * tests off): Bayes trained through the same code as "secumail bayes learn" on one part,
 * the shipped SpamAssassin rules plus Bayes scoring a disjoint part. The full measurement
 * (ten 50/50 splits, side by side with SpamAssassin and bogofilter) is bench/spam-accuracy.sh.
 */
class SpamAccuracyTest {
    @TempDir
    Path dir;

    @Test
    void rulesAndBayesOnAHeldOutSample() throws Exception {
        ShippedRules.assumeInstalled();
        Path corpus = TestCorpus.unpack(dir.resolve("corpus"));
        List<Path> spam = TestCorpus.shuffled(corpus, 11, "spam/spam", "spam/spam_2");
        List<Path> ham = TestCorpus.shuffled(corpus, 12, "ham/easy_ham", "ham/easy_ham_2");
        List<Path> hard = TestCorpus.shuffled(corpus, 13, "ham/hard_ham");

        // Debian's stock site files only (its plugin loads and 65_debian.cf): whatever else this
        // machine's /etc/spamassassin holds (use_bayes 0, say) must not change the measurement
        Path site = Files.createDirectories(dir.resolve("site"));
        try (var files = Files.newDirectoryStream(Path.of("/etc/spamassassin"), "{*.pre,65_debian.cf}")) {
            for (Path f : files) Files.copy(f, site.resolve(f.getFileName()));
        } catch (java.nio.file.NoSuchFileException e) {
            // no site directory: the rules alone
        }
        MainConfig cfg = MainConfig.fromText(String.join("\n",
                "data_directory = " + dir.resolve("data"),
                "secumail_spam_site_rules_directory = " + site,
                "secumail_spam_filter = yes",
                "secumail_spam_network_tests = no",
                "secumail_spam_bayes_auto_learn = no", ""), "main.cf", dir);
        try (SpamFilter f = SpamFilter.fromConfig(cfg)) {
            Bayes bayes = f.bayes();
            bayes.store().batch(() -> {
                try {
                    for (Path p : spam.subList(0, 500)) bayes.learn(message(p), true, "test");
                    for (Path p : ham.subList(0, 1000)) bayes.learn(message(p), false, "test");
                    for (Path p : hard.subList(0, 100)) bayes.learn(message(p), false, "test");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<String> failed = new java.util.ArrayList<>();
            int fn = count(f, spam.subList(1000, 1200), false, failed);
            int fp = count(f, ham.subList(2000, 2400), true, failed);
            int fpHard = count(f, hard.subList(150, 250), true, failed);
            System.out.printf("spam accuracy sample: %d of 200 spam missed, %d of 400 ham and %d of 100 hard ham flagged%n", fn, fp, fpHard);
            // measured: 12 of 200 missed, 1 and 3 flagged (19, 1 and 5 before the SpamAssassin-faithful relays, evals and Bayes tokens) (bench/spam-accuracy.sh compares with SpamAssassin);
            // the bounds catch a regression, they are no target
            assertThat(fp).as("ham flagged as spam").isLessThanOrEqualTo(1);
            assertThat(fn).as("spam missed").isLessThanOrEqualTo(16);
            assertThat(fpHard).as("hard ham flagged").isLessThanOrEqualTo(6);
            // a rule that throws is silently a miss: none may (the time and step budgets are not failures)
            assertThat(failed).as("rules that failed with an exception").isEmpty();
        }
    }

    /** A corpus file: one message after its mbox "From " line, read as sa-learn reads it. */
    static RawMessage message(Path p) throws Exception {
        RawMessage[] m = new RawMessage[1];
        MailSource.read(p, (name, bytes) -> m[0] = RawMessage.of(bytes));
        return m[0];
    }

    /** How many of these messages the filter calls spam (wantSpam) or ham (!wantSpam). */
    private static int count(SpamFilter f, List<Path> files, boolean wantSpam, List<String> failed) throws Exception {
        int n = 0;
        for (Path p : files) {
            SpamReport r = f.score(message(p), "", List.of(), Map.of(), false).report();
            for (String skip : r.skipped()) if (skip.endsWith("Exception)") || skip.endsWith("Error)")) failed.add(p.getFileName() + ": " + skip);
            if ((r.score() >= f.settings().required()) == wantSpam) n++;
        }
        return n;
    }
}
