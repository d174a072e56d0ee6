// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.secumail.antivirus.AntivirusParameters;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spam scoring as one object: the loaded rules, the Bayes classifier (when enabled) and
 * the settings that turn a score into an action. Used by the content check at end of DATA,
 * by {@code secumail spam check} and by the accuracy test, so all three score alike.
 *
 * <p>Lifecycle: {@link #fromConfig} loads the rules (seconds for SpamAssassin's full set,
 * so once per process and again on reload) and opens the Bayes database; {@link #score} is
 * thread-safe; {@link #close} closes the database.
 */
public final class SpamFilter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.spam");

    /** Settings read from main.cf. */
    public record Settings(double required, double quarantine, double reject, long rejectMaxSize, long maxSize,
                           boolean skipTrusted, boolean network, long networkTimeoutMillis, boolean reportHeader, long timeLimitMillis,
                           boolean autoLearn, double learnHam, double learnSpam) { }

    /** A scored message: the report, the Bayes verdict, the auto-learn decision, the relays as read (trusted, untrusted). */
    public record Outcome(SpamReport report, Bayes.Result bayes, String autolearn, String relaysTrusted, String relaysUntrusted) { }

    private final RuleSet rules;
    private final SpamScorer scorer;
    private final Bayes bayes;
    private final Settings settings;
    private final Relays.Trust trust;
    private final Hashcash hashcash;
    private final org.secumail.dns.Resolver dns;
    private final NetworkTests network;

    public SpamFilter(RuleSet rules, Bayes bayes, Settings settings, Relays.Trust trust) {
        this(rules, bayes, settings, trust, null, null);
    }

    SpamFilter(RuleSet rules, Bayes bayes, Settings settings, Relays.Trust trust, Hashcash hashcash, org.secumail.dns.Resolver dns) {
        this.rules = rules;
        this.scorer = new SpamScorer(rules);
        if (SpamScorer.PROFILE != null) awaitAutomata(scorer);   // a profile of the steady state
        this.bayes = bayes;
        this.settings = settings;
        this.trust = trust;
        this.hashcash = hashcash;
        this.dns = dns;
        // network tests need a resolver and secumail_spam_network_tests; within their own timeout
        this.network = dns != null && settings.network()
                ? new NetworkTests(dns, HeaderEvalsPsl.LIST, rules, Math.min(settings.networkTimeoutMillis(), settings.timeLimitMillis())) : null;
    }

    /** The bundled Public Suffix List, parsed once, for the URI lists' registered domains. */
    private static final class HeaderEvalsPsl {
        static final org.secumail.dmarc.PublicSuffixList LIST = org.secumail.dmarc.PublicSuffixList.bundled();
    }

    /** The filter main.cf asks for, without network tests (no resolver), or null when secumail_spam_filter = no. */
    public static SpamFilter fromConfig(MainConfig config) throws IOException {
        return fromConfig(config, null);
    }

    /**
     * The filter main.cf asks for, or null when secumail_spam_filter = no; with a resolver,
     * the DNS and URI lists are asked when secumail_spam_network_tests = yes.
     */
    public static SpamFilter fromConfig(MainConfig config, org.secumail.dns.Resolver dns) throws IOException {
        Map<String, String> missing = new HashMap<>();
        SpamParameters.PARAMETERS.forEach((k, v) -> { if (config.raw(k) == null) missing.put(k, v); });
        MainConfig c = missing.isEmpty() ? config : config.withOverrides(missing);
        if (!c.bool("secumail_spam_filter")) return null;
        RuleSet rules = RuleSet.load(rulePaths(c));
        if (rules.size() == 0) {
            throw new org.secumail.config.ConfigException("secumail_spam_filter: no rules found in " + rulePaths(c)
                    + " (install Debian's spamassassin package, or set secumail_spam_rules_directories)");
        }
        LOG.info("spam: {} rules loaded, {} not usable (secumail spam rules lists them)", rules.size(), rules.skipped().size());
        Bayes bayes = null;
        if (c.bool("secumail_spam_bayes") && !rules.setting("use_bayes", "1").equals("0")) {
            bayes = new Bayes(SqliteBayesStore.open(Path.of(c.get("secumail_spam_bayes_database"))),
                    Long.parseLong(rules.setting("bayes_min_spam_num", "200")), Long.parseLong(rules.setting("bayes_min_ham_num", "200")),
                    BayesTokenizer.of(rules));
            bayes.expiry(!rules.setting("bayes_auto_expire", "1").strip().equals("0"), rules.intSetting("bayes_expiry_max_db_size", 150_000));
        }
        String hc = c.get("secumail_spam_hashcash_database").strip();
        return new SpamFilter(rules, bayes, settings(c, rules), trust(rules), Hashcash.open(hc.isEmpty() ? null : Path.of(hc)), dns);
    }

    /** The rule files in SpamAssassin's order: the first existing rules directory, the site directory, local files. */
    public static List<Path> rulePaths(MainConfig c) {
        List<Path> out = new ArrayList<>();
        for (String d : c.list("secumail_spam_rules_directories")) {
            if (Files.isDirectory(Path.of(d))) { out.add(Path.of(d)); break; }
        }
        String site = c.get("secumail_spam_site_rules_directory");
        if (!site.isBlank()) out.add(Path.of(site));
        for (String f : c.list("secumail_spam_local_rules")) out.add(Path.of(f));
        return out;
    }

    static Settings settings(MainConfig c, RuleSet rules) {
        String req = c.get("secumail_spam_required_score").strip();
        String q = c.get("secumail_spam_quarantine_score").strip();
        String r = c.get("secumail_spam_reject_score").strip();
        return new Settings(req.isEmpty() ? rules.requiredScore() : Double.parseDouble(req),
                q.isEmpty() ? Double.POSITIVE_INFINITY : Double.parseDouble(q),
                r.isEmpty() ? Double.POSITIVE_INFINITY : Double.parseDouble(r),
                AntivirusParameters.size("secumail_spam_reject_max_size", c.get("secumail_spam_reject_max_size")),
                AntivirusParameters.size("secumail_spam_max_size", c.get("secumail_spam_max_size")),
                c.bool("secumail_spam_skip_trusted"), c.bool("secumail_spam_network_tests"),
                c.duration("secumail_spam_network_timeout").toMillis(), c.bool("secumail_spam_report_header"),
                c.duration("secumail_spam_time_limit").toMillis(),
                c.bool("secumail_spam_bayes_auto_learn") && !rules.setting("bayes_auto_learn", "1").equals("0"),
                Double.parseDouble(rules.setting("bayes_auto_learn_threshold_nonspam", "0.1")),
                Double.parseDouble(rules.setting("bayes_auto_learn_threshold_spam", "12.0")));
    }

    /** trusted_networks / internal_networks of the rules, or SpamAssassin's inference when unset. */
    static Relays.Trust trust(RuleSet rules) {
        var conf = rules.conf();
        // SpamAssassin's list when the rules give none; a cleared list stays empty
        String names = String.join(" ", rules.settingValues("originating_ip_headers")).strip();
        List<String> originating = rules.setting("originating_ip_headers", null) == null ? Relays.Trust.DEFAULT_ORIGINATING
                : names.isEmpty() ? List.of() : List.of(names.split("\\s+"));
        if (conf.trustedNetworks.isEmpty() && conf.internalNetworks.isEmpty()) {
            return new Relays.Trust(Relays.Trust.INFERRED.trusted(), Relays.Trust.INFERRED.internal(), true, originating);
        }
        // as SpamAssassin: either list stands for the other when only one is set; loopback is always trusted
        SaNetworks trusted = SaNetworks.of(conf.trustedNetworks.isEmpty() ? conf.internalNetworks : conf.trustedNetworks);
        SaNetworks internal = conf.internalNetworks.isEmpty() ? trusted : SaNetworks.of(conf.internalNetworks);
        return new Relays.Trust(a -> a.isLoopbackAddress() || trusted.contains(a), a -> a.isLoopbackAddress() || internal.contains(a), false, originating);
    }

    public RuleSet rules() { return rules; }

    /** Per-rule cost when the JVM runs with -Dsecumail.spam.profile=true (for "spam check"), else null. */
    public static Map<String, Long> profile() {
        if (SpamScorer.PROFILE == null) return null;
        Map<String, Long> m = new HashMap<>();
        SpamScorer.PROFILE.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The same filter (and Bayes database) with the rules and settings read again from this main.cf. */
    public SpamFilter reloaded(MainConfig config) throws IOException {
        Map<String, String> missing = new HashMap<>();
        SpamParameters.PARAMETERS.forEach((k, v) -> { if (config.raw(k) == null) missing.put(k, v); });
        MainConfig c = missing.isEmpty() ? config : config.withOverrides(missing);
        RuleSet fresh = RuleSet.load(rulePaths(c));
        if (fresh.size() == 0) throw new IOException("no rules found in " + rulePaths(c));
        return new SpamFilter(fresh, bayes, settings(c, fresh), trust(fresh), hashcash, dns);
    }

    public Settings settings() { return settings; }

    /** The Bayes classifier, or null when Bayes is off. */
    public Bayes bayes() { return bayes; }

    /**
     * Scores a message.
     *
     * @param auth authentication results of the earlier checks (see {@link Scan#auth})
     * @param learn whether auto-learning may update the Bayes database (not for dry runs)
     */
    public Outcome score(RawMessage message, String envelopeFrom, List<String> recipients, Map<String, Set<String>> auth, boolean learn) throws IOException {
        return score(message, envelopeFrom, recipients, () -> auth, learn);
    }

    /**
     * Scores a message whose authentication results may still be coming: auth is read (and
     * may block) only by the few tests of those results, which run last.
     */
    public Outcome score(RawMessage message, String envelopeFrom, List<String> recipients, java.util.function.Supplier<Map<String, Set<String>>> auth,
                         boolean learn) throws IOException {
        long deadline = System.nanoTime() + settings.timeLimitMillis() * 1_000_000L;
        MessageView view = MessageView.of(message, envelopeFrom, recipients, trust);
        Bayes.Result br = bayes == null ? new Bayes.Result(Double.NaN, "Bayes disabled", List.of()) : bayes.classify(view);
        Instant now = Instant.now();
        Hashcash.Result hc = Hashcash.Result.NONE;
        if (hashcash != null) {
            // the resource must be a recipient: the envelope's, or To:/Cc: when scoring a file
            List<String> rcpts = recipients.isEmpty() ? headerRecipients(view) : recipients;
            hc = hashcash.evaluate(view, rcpts, now, learn);
        }
        NetworkTests.Answers net = network == null ? NetworkTests.Answers.NONE : network.lookup(view);
        SpamReport report = scorer.score(new Scan(view, rules, br.probability(), auth, now, hc, net), settings.network() && network != null, deadline);
        String autolearn = "no";
        if (learn && bayes != null && settings.autoLearn()) autolearn = autoLearn(view, report);
        return new Outcome(report, br, autolearn, view.relays.pseudoHeader("trusted"), view.relays.pseudoHeader("untrusted"));
    }

    /**
     * SpamAssassin's AutoLearnThreshold: the score without Bayes and without rules flagged
     * noautolearn decides; spam also needs 3 points from the header and 3 from the body, so
     * that one kind of evidence alone never teaches the classifier.
     */
    private String autoLearn(MessageView view, SpamReport report) {
        double s = 0, head = 0, body = 0;
        for (SpamReport.Hit h : report.hits()) {
            Rule r = rules.rule(h.name());
            if (r == null || h.name().startsWith("BAYES_") || r.tflags().contains("noautolearn") || r.tflags().contains("learn")) continue;
            double pts = r.score(report.scoreSet() & 1); // the score set without Bayes
            s += pts;
            if (r.type() == Rule.Type.HEADER) head += pts; else if (r.type() != Rule.Type.META) body += pts;
        }
        try {
            String learned = "no";
            if (s < settings.learnHam()) learned = bayes.learn(view, false, "autolearn") >= 0 ? "ham" : "no";
            else if (s >= settings.learnSpam() && head >= 3 && body >= 3) learned = bayes.learn(view, true, "autolearn") >= 0 ? "spam" : "no";
            if (!learned.equals("no")) {
                Bayes.Expiry e = bayes.expireIfDue(false);
                if (e.deleted() > 0) LOG.info("spam: Bayes expiry: {} tokens not seen for {} hours removed, {} kept", e.deleted(), e.olderThanSeconds() / 3600, e.kept());
            }
            return learned;
        } catch (RuntimeException e) {
            LOG.warn("spam: Bayes auto-learn failed: {}", e.getMessage());
            return "failed";
        }
    }

    private static List<String> headerRecipients(MessageView v) {
        List<String> out = new ArrayList<>();
        for (String h : List.of("To", "Cc")) {
            String value = v.header(h, "");
            if (value != null) out.addAll(org.secumail.content.FromHeader.parse(value));
        }
        return out;
    }

    @Override
    public void close() {
        if (bayes != null) bayes.store().close();
        if (hashcash != null) hashcash.close();
    }
    /** For the profile: each type's pattern set, its groups and their cached states. */
    public static String automatonStats() {
        return "pattern sets: " + SpamScorer.setFilterStats();
    }
    private static void awaitAutomata(SpamScorer s) {
        try {
            s.awaitAutomata();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
