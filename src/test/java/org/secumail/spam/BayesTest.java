// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Random;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BayesTest {
    @TempDir
    Path dir;

    @Test
    void chiSquareSurvivalFunction() {
        // chi-square with 2 degrees of freedom: Q = exp(-x/2)
        assertThat(Bayes.chi2q(2.0, 1)).isCloseTo(Math.exp(-1), within(1e-12));
        // 4 degrees of freedom, x = 4: Q = e^-2 (1 + 2) = 0.40601
        assertThat(Bayes.chi2q(4.0, 2)).isCloseTo(0.40601, within(1e-5));
        assertThat(Bayes.chi2q(0.0, 5)).isEqualTo(1.0);
    }

    @Test
    void robinsonCorrectionPullsRareTokensTowardsX() {
        assertThat(Bayes.tokenProbability(100, 0, 100, 100)).isGreaterThan(0.999);
        assertThat(Bayes.tokenProbability(0, 100, 100, 100)).isLessThan(0.001);
        assertThat(Bayes.tokenProbability(1, 1, 100, 100)).isCloseTo(0.5, within(0.01));
        // seen once in spam only: strong but not certain
        double once = Bayes.tokenProbability(1, 0, 100, 100);
        assertThat(once).isBetween(0.9, 0.99);
    }

    /**
     * A synthetic message: 80 words drawn from its class's vocabulary of 300 (skewed towards the
     * first ones, as word frequencies are), and a
     * third from a vocabulary both share; one in a hundred from the other class.
     */
    private static String message(Random r, boolean spam, int i) {
        StringBuilder body = new StringBuilder();
        for (int k = 0; k < 80; k++) {
            int w = (int) Math.min(299, Math.abs(r.nextGaussian()) * 60);
            String word;
            if (r.nextInt(3) == 0) word = "common" + (char) ('a' + w % 26) + (char) ('a' + w / 26 % 26);
            else if (r.nextInt(100) == 0) word = (spam ? "hamword" : "spamword") + (char) ('a' + w % 26) + (char) ('a' + w / 26 % 26);
            else word = (spam ? "spamword" : "hamword") + (char) ('a' + w % 26) + (char) ('a' + w / 26 % 26);
            body.append(word).append(' ');
        }
        return "From: " + (spam ? "promo" : "colleague") + i + "@example.org\nSubject: note " + i + "\nMessage-ID: <" + spam + i + "@x>\n\n" + body + "\n";
    }

    @Test
    void learnsSeparatesAndAbstainsUntilTrained() throws Exception {
        Random r = new Random(42);
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("bayes.db"))) {
            Bayes bayes = new Bayes(store, 20, 20, BayesTokenizer.defaults());
            Bayes.Result untrained = bayes.classify(TestScoring.view(message(r, true, 0)));
            assertThat(untrained.probability()).isNaN();
            assertThat(untrained.note()).isEqualTo("Bayes not used: 0 spam and 0 ham learned, needs 20 and 20");
            store.batch(() -> {
                for (int i = 0; i < 30; i++) {
                    try {
                        assertThat(bayes.learn(TestScoring.view(message(r, true, i)), true, "test")).isPositive();
                        assertThat(bayes.learn(TestScoring.view(message(r, false, i)), false, "test")).isPositive();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            assertThat(store.totals().spam()).isEqualTo(30);
            assertThat(store.totals().ham()).isEqualTo(30);
            assertThat(store.totals().lastLearnSource()).isEqualTo("test");
            double spamSum = 0, hamSum = 0;
            for (int i = 100; i < 120; i++) {
                double s = bayes.classify(TestScoring.view(message(r, true, i))).probability();
                double h = bayes.classify(TestScoring.view(message(r, false, i))).probability();
                assertThat(s).as("spam %d", i).isGreaterThan(0.6);
                assertThat(h).as("ham %d", i).isLessThan(0.4);
                spamSum += s;
                hamSum += h;
            }
            assertThat(spamSum / 20).isGreaterThan(0.8);
            assertThat(hamSum / 20).isLessThan(0.2);
        }
    }

    @Test
    void aMessageCountsOnceAndCanMoveOrBeForgotten() throws Exception {
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("b.db"))) {
            Bayes bayes = new Bayes(store, 1, 1, BayesTokenizer.defaults());
            MessageView m = TestScoring.view("From: a@example.org\nSubject: hello there\nMessage-ID: <1@x>\n\nsome words here\n");
            assertThat(bayes.learn(m, true, "t")).isPositive();
            assertThat(bayes.learn(m, true, "t")).isEqualTo(-1);
            assertThat(store.totals().spam()).isEqualTo(1);
            // learned again as ham: moved, not counted twice
            assertThat(bayes.learn(m, false, "t")).isPositive();
            assertThat(store.totals().spam()).isZero();
            assertThat(store.totals().ham()).isEqualTo(1);
            assertThat(bayes.forget(m, "t")).isPositive();
            assertThat(store.totals().ham()).isZero();
            assertThat(store.totals().tokens()).isZero();
            assertThat(bayes.forget(m, "t")).isEqualTo(-1);
        }
    }

    @Test
    void aDatabaseOfAnotherTokenizerIsNeitherUsedNorLearnedInto() throws Exception {
        MessageView m = TestScoring.view("From: a@example.org\nSubject: hello there\nMessage-ID: <1@x>\n\nsome words here\n");
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("old.db"))) {
            Bayes bayes = new Bayes(store, 1, 1, BayesTokenizer.defaults());
            assertThat(bayes.learn(m, true, "t")).isPositive();
            assertThat(store.variable("tokenizer")).isEqualTo(Bayes.TOKENIZER_VERSION);
            store.variable("tokenizer", "1"); // as if learned by the earlier tokenizer
        }
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("old.db"))) {
            Bayes bayes = new Bayes(store, 1, 0, BayesTokenizer.defaults());
            Bayes.Result r = bayes.classify(m);
            assertThat(r.probability()).isNaN();
            assertThat(r.note()).contains("tokenizer version 1").contains("learn again");
            assertThatThrownBy(() -> bayes.learn(m, false, "t")).isInstanceOf(IllegalStateException.class).hasMessageContaining("version 1");
            assertThat(store.totals().spam()).isEqualTo(1);
        }
    }

    @Test
    void expiryRemovesTheTokensOfTheOldestMailWhenTheDatabaseIsOverItsLimit() throws Exception {
        try (SqliteBayesStore store = SqliteBayesStore.open(dir.resolve("expire.db"))) {
            Bayes bayes = new Bayes(store, 1, 1, BayesTokenizer.defaults());
            long day = 86_400;
            long now = System.currentTimeMillis() / 1000;
            // 5,000 tokens last seen 300 days ago, 15,000 100 days ago, 100,000 a day ago
            List<Long> oldest = new java.util.ArrayList<>();
            List<Long> old = new java.util.ArrayList<>();
            List<Long> recent = new java.util.ArrayList<>();
            for (long i = 0; i < 5_000; i++) oldest.add(i);
            for (long i = 0; i < 15_000; i++) old.add(100_000 + i);
            for (long i = 0; i < 100_000; i++) recent.add(1_000_000 + i);
            store.learn("oldest", true, oldest, "t", now - 300 * day);
            store.learn("old", true, old, "t", now - 100 * day);
            store.learn("recent", false, recent, "t", now - day);
            bayes.expiry(true, 100_000);
            // the goal is to remove 20,000 (down to 100,000): the age limit is the shortest that removes no more
            Bayes.Expiry e = bayes.expireIfDue(false);
            assertThat(e.deleted()).isEqualTo(20_000);
            assertThat(store.totals().tokens()).isEqualTo(100_000);
            assertThat(store.countOlderThan(now - 2 * day)).isZero();
            // the next expiry waits 12 hours
            store.learn("older", true, old, "t", now - 50 * day);
            assertThat(bayes.expireIfDue(false).deleted()).isZero();
        }
    }

    @Test
    void theReceiveTimeIsTheNewestReceivedDate() throws Exception {
        MessageView v = TestScoring.view("Received: from a.example (a.example [192.0.2.1]) by b.example (Postfix) with ESMTP id 1; Tue, 17 Sep 2002 18:47:24 +0100\n"
                + "Date: Mon, 16 Sep 2002 10:00:00 +0000\nSubject: x\n\nbody\n");
        assertThat(Bayes.receiveTime(v)).isEqualTo(1032284844L);
        assertThat(Bayes.receiveTime(TestScoring.view("Date: Mon, 16 Sep 2002 10:00:00 +0000\nSubject: x\n\nbody\n"))).isEqualTo(1032170400L);
    }
}
