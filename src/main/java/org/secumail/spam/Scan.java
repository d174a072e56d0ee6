// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the eval tests of one message may read besides the message itself: the rule set's
 * settings, the Bayes probability (NaN when Bayes did not classify), the authentication
 * results the earlier content checks produced, and the time of the scan.
 *
 * @param view   the parsed message
 * @param rules  the loaded configuration
 * @param bayes  the Bayes probability in [0, 1], or NaN
 * @param auth   authentication results by method ("spf", "dkim", "dmarc", "arc") to their
 *               result keywords ("pass", "fail" ...); DKIM also gives "dkim.author" ("pass"
 *               when a valid signature's d= aligns with From's domain). Given as a supplier
 *               that may block: at end of DATA scoring starts while DKIM and DMARC still run,
 *               and only the tests that read their results wait ({@link #readsAuth})
 * @param now    the time of the scan (for date tests)
 * @param hashcash what the message's Hashcash stamps earn
 * @param net    the answers of the DNS and URI lists (empty when network tests are off)
 */
record Scan(MessageView view, RuleSet rules, double bayes, Supplier<Map<String, Set<String>>> auth, Instant now, Hashcash.Result hashcash,
            NetworkTests.Answers net) {
    Scan(MessageView view, RuleSet rules, double bayes, Map<String, Set<String>> auth, Instant now) {
        this(view, rules, bayes, () -> auth, now, Hashcash.Result.NONE, NetworkTests.Answers.NONE);
    }

    /**
     * The eval functions that read {@link #auth}: the scorer runs them after every other test
     * of the message, so that the rest never waits for the earlier checks.
     */
    static boolean readsAuth(String function) {
        return function.startsWith("check_for_spf_") || function.equals("check_dkim_valid") || function.equals("check_dkim_dependable")
                || function.equals("check_dkim_valid_author_sig") || function.startsWith("check_dmarc_") || function.equals("check_arc_valid");
    }

    boolean authIs(String method, String result) {
        return auth.get().getOrDefault(method, Set.of()).contains(result);
    }

    boolean hasAuth(String method) { return auth.get().containsKey(method); }

    /** Whether an address matches a SpamAssassin address glob ("*@example.com", "*.example.com"). */
    static boolean globMatch(String glob, String address) {
        return globMatchLower(glob, address.toLowerCase(Locale.ROOT));
    }

    /** {@link #globMatch} for an address already in lower case. */
    private static boolean globMatchLower(String glob, String address) {
        java.util.regex.Pattern p = GLOBS.get(glob);
        if (p == null) {
            p = AddressGlobs.pattern(glob.toLowerCase(Locale.ROOT));
            if (GLOBS.size() > 20_000) GLOBS.clear();   // globs come from the configuration: a bound all the same
            GLOBS.put(glob, p);
        }
        return p.matcher(address).matches();
    }

    /** Compiled address globs (welcomelist_from, freemail_domains ...), by glob. */
    private static final java.util.concurrent.ConcurrentHashMap<String, java.util.regex.Pattern> GLOBS = new java.util.concurrent.ConcurrentHashMap<>();

    static boolean anyGlob(List<String> globs, String address) {
        if (address.isEmpty()) return false;
        String lower = address.toLowerCase(Locale.ROOT);
        for (String g : globs) if (globMatchLower(g, lower)) return true;
        return false;
    }
}
