// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Bayes classifier, as SpamAssassin's (Plugin/Bayes.pm with Bayes/CombineChi.pm) and
 * bogofilter's: each token's spam probability from its counts with Robinson's f(w)
 * correction for rare tokens, the 150 strongest tokens outside [0.5 - 0.346, 0.5 + 0.346],
 * combined by Fisher's chi-square method into one probability (Robinson, "A Statistical
 * Approach to the Spam Problem", 2003).
 *
 * <p>It abstains (NaN, with a note saying why for the report header) until it has learned
 * bayes_min_spam_num spam and bayes_min_ham_num ham messages (200 each by default), rather
 * than scoring 0 silently.
 */
public final class Bayes {
    static final double S = 0.030;
    static final double X = 0.538;
    static final double MIN_PROB_STRENGTH = 0.346;
    static final int N_SIGNIFICANT = 150;
    /**
     * The tokenizer's version, kept in the database when it is first learned into: tokens
     * of another version would not match, so a database learned by another tokenizer is not
     * used, nor learned into, until it is learned again from scratch. (Version 1, which
     * kept no mark, tokenized differently from SpamAssassin; version 2 lacked the tokens of
     * invisible text.)
     */
    static final String TOKENIZER_VERSION = "3";

    /** One token's part in a classification. */
    public record TokenProb(String token, double prob, int spam, int ham) { }

    /** A classification: the probability (NaN when Bayes abstained), why it abstained, the tokens that decided. */
    public record Result(double probability, String note, List<TokenProb> strongest) { }

    private final BayesStore store;
    private final long minSpam;
    private final long minHam;
    private final BayesTokenizer tokenizer;

    Bayes(BayesStore store, long minSpam, long minHam, BayesTokenizer tokenizer) {
        this.store = store;
        this.minSpam = minSpam;
        this.minHam = minHam;
        this.tokenizer = tokenizer;
    }

    public BayesStore store() { return store; }

    public Result classify(MessageView v) {
        BayesStore.Totals t = store.messageTotals();
        if (t.spam() < minSpam || t.ham() < minHam) {
            return new Result(Double.NaN, "Bayes not used: " + t.spam() + " spam and " + t.ham() + " ham learned, needs "
                    + minSpam + " and " + minHam, List.of());
        }
        String stale = staleTokenizer(t);
        if (stale != null) return new Result(Double.NaN, "Bayes not used: " + stale, List.of());
        List<String> tokens = new ArrayList<>(tokenizer.tokens(v));
        List<Long> hashes = new ArrayList<>(tokens.size());
        for (String s : tokens) hashes.add(BayesTokenizer.hash(s));
        Map<Long, BayesStore.Counts> counts = store.counts(hashes);
        List<TokenProb> probs = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            BayesStore.Counts c = counts.get(hashes.get(i));
            if (c == null || c.spam() + c.ham() == 0) continue;
            double p = tokenProbability(c.spam(), c.ham(), t.spam(), t.ham());
            if (Math.abs(p - 0.5) < MIN_PROB_STRENGTH) continue;
            probs.add(new TokenProb(tokens.get(i), p, c.spam(), c.ham()));
        }
        probs.sort((a, b) -> Double.compare(Math.abs(b.prob() - 0.5), Math.abs(a.prob() - 0.5)));
        if (probs.size() > N_SIGNIFICANT) probs = new ArrayList<>(probs.subList(0, N_SIGNIFICANT));
        if (probs.isEmpty()) return new Result(0.5, "no significant tokens", List.of());
        double[] f = new double[probs.size()];
        for (int i = 0; i < f.length; i++) f[i] = probs.get(i).prob();
        return new Result(combine(t.spam(), t.ham(), f), "", List.copyOf(probs));
    }

    private volatile boolean tokenizerChecked;

    /** Refuses to change a database of another tokenizer; marks an empty one with this one's version (once per instance). */
    private void checkTokenizer() {
        if (tokenizerChecked) return;
        BayesStore.Totals t = store.totals();
        String stale = staleTokenizer(t);
        if (stale != null) throw new IllegalStateException(stale);
        if (!TOKENIZER_VERSION.equals(store.variable("tokenizer"))) store.variable("tokenizer", TOKENIZER_VERSION);
        tokenizerChecked = true;
    }

    /** Why the database cannot be used with this tokenizer, or null when it can. */
    public String staleTokenizer(BayesStore.Totals t) {
        if (t.spam() + t.ham() == 0) return null;
        String version = store.variable("tokenizer");
        if (TOKENIZER_VERSION.equals(version)) return null;
        return "the database was learned by tokenizer version " + (version == null ? "1" : version) + ", this is version " + TOKENIZER_VERSION
                + ": move it away and learn again (secumail bayes learn)";
    }

    /**
     * When the message was received, in epoch seconds, as SpamAssassin's receive_date reads
     * it: the newest Received: date (past a local pick-up and a fetchmail hop), else the
     * Resent-Date or Date, else now; never in the future. The tokens learned from it are
     * stamped with it, so expiry forgets what only old mail said.
     */
    static long receiveTime(MessageView v) {
        long now = System.currentTimeMillis() / 1000;
        List<java.util.Date> received = HeaderEvals.receivedTimes(v);
        Long t = received.isEmpty() ? null : received.get(0).getTime() / 1000;
        for (String h : List.of("Resent-Date", "Date")) {
            if (t != null) break;
            String d = v.header(h, "");
            if (d != null) t = SaDate.parse(d.lines().findFirst().orElse(""));
        }
        return t == null ? now : Math.min(t, now);
    }

    private boolean autoExpire = true;
    private long maxDbSize = 150_000;

    /** bayes_auto_expire and bayes_expiry_max_db_size. */
    void expiry(boolean auto, long maxTokens) {
        this.autoExpire = auto;
        this.maxDbSize = maxTokens;
    }

    /** What an expiry did: tokens removed and kept, and the age limit in seconds (0 when nothing was due). */
    public record Expiry(long deleted, long kept, long olderThanSeconds) { }

    static final long EXPIRY_PERIOD = 43_200;
    static final int EXPIRY_MAX_EXPONENT = 9;

    /**
     * SpamAssassin's expiry (BayesStore expire_old_tokens): when the database holds more than
     * bayes_expiry_max_db_size tokens (and at least 100,000, spanning at least 12 hours, and
     * the last expiry was 12 hours ago), the tokens not seen for longest are removed until
     * about 75% of the limit remain, the age limit chosen among 12 hours times a power of two
     * (up to 256 days) that removes no more than needed.
     */
    public Expiry expireIfDue(boolean force) {
        if (!force && !autoExpire) return new Expiry(0, 0, 0);
        long now = System.currentTimeMillis() / 1000;
        String last = store.variable("last_expire");
        if (!force && last != null && now - Long.parseLong(last) < EXPIRY_PERIOD) return new Expiry(0, 0, 0);
        long tokens = store.totals().tokens();
        long[] range = store.atimeRange();
        long newest = Math.min(range[1], now);
        if (tokens <= 100_000 || maxDbSize > tokens || range[1] - range[0] < EXPIRY_PERIOD) return new Expiry(0, tokens, 0);
        long goal = tokens - Math.max(100_000, (long) (maxDbSize * 0.75));
        store.variable("last_expire", Long.toString(now));
        if (goal < 1000) return new Expiry(0, tokens, 0);
        // the largest multiple of 12 hours whose removal stays within the goal: the next one out
        // from the first (counting down) that would remove more than needed
        int mult = 1 << EXPIRY_MAX_EXPONENT;
        long chosenCount = -1;
        for (; mult > 0; mult >>= 1) {
            long n = store.countOlderThan(newest - EXPIRY_PERIOD * mult);
            if (n > goal) {
                mult <<= 1;
                break;
            }
        }
        if (mult == 0) mult = 1;
        if (mult > 1 << EXPIRY_MAX_EXPONENT) return new Expiry(0, tokens, 0);
        chosenCount = store.countOlderThan(newest - EXPIRY_PERIOD * mult);
        if (chosenCount < 1000) return new Expiry(0, tokens, 0);
        long deleted = store.deleteOlderThan(newest - EXPIRY_PERIOD * mult);
        return new Expiry(deleted, tokens - deleted, EXPIRY_PERIOD * mult);
    }

    /** A token's spam probability, for "bayes dump". */
    public static double probability(int spam, int ham, long nspam, long nham) { return tokenProbability(spam, ham, nspam, nham); }

    /** Robinson's f(w): the token's spam probability, pulled towards X when it was seen rarely. */
    static double tokenProbability(int spam, int ham, long nspam, long nham) {
        double rs = (double) spam / Math.max(1, nspam);
        double rh = (double) ham / Math.max(1, nham);
        double p = rs / (rs + rh);
        int n = spam + ham;
        return (S * X + n * p) / (S + n);
    }

    /**
     * Fisher's combining: H and S are chi-square tests of the hypotheses "ham" and "spam"
     * over the products of the token probabilities (with the class priors), in logarithms so
     * that 150 small factors do not underflow.
     */
    static double combine(long nspam, long nham, double[] probs) {
        double total = nspam + nham;
        double lnS = Math.log(nspam / total);
        double lnH = Math.log(nham / total);
        for (double p : probs) {
            lnS += Math.log(Math.max(1e-300, 1.0 - p));
            lnH += Math.log(Math.max(1e-300, p));
        }
        double s = 1.0 - chi2q(-2.0 * lnS, probs.length);
        double h = 1.0 - chi2q(-2.0 * lnH, probs.length);
        return ((s - h) + 1.0) / 2.0;
    }

    /** The chi-square survival function for 2*halfv degrees of freedom (an even count: a finite sum). */
    static double chi2q(double x2, int halfv) {
        double m = x2 / 2.0;
        double term = Math.exp(-m);
        double sum = term;
        for (int i = 1; i < halfv; i++) {
            term *= m / i;
            sum += term;
        }
        return Math.min(sum, 1.0);
    }

    /** Learns a message read from a file or mailbox (no envelope); see {@link #learn(MessageView, boolean, String)}. */
    public int learn(org.secumail.content.RawMessage m, boolean spam, String source) throws java.io.IOException {
        return learn(MessageView.of(m, "", List.of(), Relays.Trust.INFERRED), spam, source);
    }

    public int forget(org.secumail.content.RawMessage m, String source) throws java.io.IOException {
        return forget(MessageView.of(m, "", List.of(), Relays.Trust.INFERRED), source);
    }

    /** Learns (or forgets) a message; returns the tokens learned, or -1 when nothing changed. */
    public int learn(MessageView v, boolean spam, String source) {
        checkTokenizer();
        List<Long> hashes = hashes(v);
        return store.learn(messageKey(v), spam, hashes, source, receiveTime(v)) ? hashes.size() : -1;
    }

    public int forget(MessageView v, String source) {
        checkTokenizer();
        List<Long> hashes = hashes(v);
        return store.forget(messageKey(v), hashes, source) ? hashes.size() : -1;
    }

    private List<Long> hashes(MessageView v) {
        List<Long> out = new ArrayList<>();
        for (String s : tokenizer.tokens(v)) out.add(BayesTokenizer.hash(s));
        return out;
    }

    /** A message's identity for the seen table: SHA-1 of its Message-ID, Date and first text. */
    static String messageKey(MessageView v) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-1");
            String id = v.header("Message-Id", "raw");
            String date = v.header("Date", "raw");
            d.update((id == null ? "" : id).getBytes(StandardCharsets.ISO_8859_1));
            d.update((byte) 0);
            d.update((date == null ? "" : date).getBytes(StandardCharsets.ISO_8859_1));
            d.update((byte) 0);
            String text = v.text.length() > 4096 ? v.text.substring(0, 4096) : v.text;
            d.update(text.getBytes(StandardCharsets.ISO_8859_1));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
