// SPDX-License-Identifier: Apache-2.0
/**
 * Spam scoring at end of DATA: SpamAssassin's rule files and Bayes, in process.
 *
 * <h2>NAME</h2>
 * org.secumail.spam - SpamAssassin rule engine, Bayes classifier, spam content check
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * SpamFilter f = SpamFilter.fromConfig(mainConfig);        // null when secumail_spam_filter = no
 * ContentCheck c = new SpamCheck(f);                        // phase 2, after DKIM, ARC, DMARC
 *
 * secumail spam check [-c DIR] [-f SENDER] [-r RCPT]... [-q] FILE|DIR|MBOX...
 * secumail spam rules [-c DIR] [-v]
 * secumail bayes learn --spam|--ham|--forget [-c DIR] FILE|DIR|MBOX...
 * secumail bayes stats|dump [-c DIR]
 * secumail spamd [-c DIR] [--listen HOST:PORT]...
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.spam.RuleSet} reads SpamAssassin's configuration files as they are
 * (Debian's /usr/share/spamassassin or an sa-update directory, then /etc/spamassassin with
 * local.cf): header, mimeheader, body, rawbody, uri, full and meta rules, score (four score
 * sets), describe, tflags, priority, if/ifplugin/else/endif, include, replace_tag,
 * required_score, welcomelist_from/blocklist_from and their old names, trusted_networks,
 * internal_networks, freemail_domains, enlist_addrlist, the bayes_* settings. Patterns are
 * Perl's, translated by {@link org.secumail.spam.PerlRegex}; what Java cannot express
 * (recursion, code, \K) refuses that one rule. An {@code eval:} test not implemented in
 * {@link org.secumail.spam.EvalTests} is kept as a rule that never hits, as SpamAssassin keeps
 * network tests when they are off, so meta rules that read it still run. Nothing that cannot be
 * used stops the load; {@code secumail spam rules} lists it with the reason.
 *
 * <p>{@link org.secumail.spam.MessageView} parses the message once (mime4j for MIME, jsoup for
 * HTML) into what the rules read: decoded headers and pseudo-headers (ALL, ToCc, EnvelopeFrom,
 * MESSAGEID, X-Spam-Relays-*), the rendered body as paragraphs with the Subject first, the
 * decoded text lines, the URIs, the whole message. Text is held as UTF-8 octets, one char each,
 * because the shipped patterns are written for octets.
 *
 * <p>{@link org.secumail.spam.SpamScorer} runs the rules in priority order, metas last, with the
 * score set that applies (network tests on or off, Bayes usable or not). Every pattern match
 * has a step budget, so a pattern that backtracks catastrophically on a crafted message stops,
 * is logged, and counts as no hit; the scan has a time limit.
 *
 * <p>{@link org.secumail.spam.Bayes}: SpamAssassin's tokens (body words with decomposed forms,
 * URI domains, header words by field), Robinson's f(w) and Fisher's chi-square combining,
 * in a SQLite file ({@link org.secumail.spam.SqliteBayesStore}) behind
 * {@link org.secumail.spam.BayesStore}. It abstains, and says so in X-Spam-Report, until it
 * has learned bayes_min_spam_num and bayes_min_ham_num messages (200 each). Auto-learn uses
 * SpamAssassin's thresholds: under 0.1 points as ham; 12 points or more as spam when at least
 * 3 come from header tests and 3 from body tests.
 *
 * <h2>ACTIONS</h2>
 * Scored at or above secumail_spam_reject_score: {@code 550 5.7.1 Message rejected as spam
 * (score N)}, unless the message is larger than secumail_spam_reject_max_size (then held or
 * tagged); at or above secumail_spam_quarantine_score: held in the hold queue; at or above
 * required_score: X-Spam-Flag: YES. Every scored message gets X-Spam-Score, X-Spam-Level,
 * X-Spam-Status and X-Spam-Report (each hit with points, description and what triggered it).
 * One log line per message (logger secumail.spam):
 * {@code QID: spam: spam|ham, score=S required=R action=A bayes=P autolearn=X tests=NAME=PTS,... N ms}.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>secumail_spam_filter (no)</dt><dd>Score mail at end of DATA; per service with -o.</dd>
 * <dt>secumail_spam_rules_directories (/var/lib/spamassassin/4.000001/updates_spamassassin_org,
 *     /usr/share/spamassassin)</dt><dd>The first that exists holds the rules, as SpamAssassin.</dd>
 * <dt>secumail_spam_site_rules_directory (/etc/spamassassin)</dt><dd>*.pre then *.cf (local.cf).</dd>
 * <dt>secumail_spam_local_rules (empty)</dt><dd>More rule files, read last.</dd>
 * <dt>secumail_spam_required_score (empty: required_score, 5.0)</dt>
 * <dt>secumail_spam_quarantine_score (empty: never)</dt>
 * <dt>secumail_spam_reject_score (15)</dt>
 * <dt>secumail_spam_reject_max_size (2M)</dt><dd>Larger messages are never refused for spam.</dd>
 * <dt>secumail_spam_max_size (10M)</dt><dd>Larger messages are not scored (as spamc -s).</dd>
 * <dt>secumail_spam_skip_trusted (yes)</dt><dd>mynetworks and authenticated clients are not scored.</dd>
 * <dt>secumail_spam_network_tests (yes)</dt><dd>DNS and URI lists; score sets 1 and 3, tflags net rules.</dd>
 * <dt>secumail_spam_network_timeout (5s)</dt><dd>All list lookups of one message.</dd>
 * <dt>secumail_spam_hashcash_database ($data_directory/spam/hashcash.db)</dt><dd>Spent stamps.</dd>
 * <dt>secumail_spam_report_header (yes)</dt>
 * <dt>secumail_spam_time_limit (10s)</dt>
 * <dt>secumail_spam_bayes (yes), secumail_spam_bayes_database ($data_directory/spam/bayes.db),
 *     secumail_spam_bayes_auto_learn (yes)</dt>
 * </dl>
 *
 * <p>{@link org.secumail.spam.NetworkTests} asks the DNS lists of the relay chain (check_rbl,
 * check_rbl_sub) and the URI lists (urirhssub, urirhsbl) in parallel before the rules run;
 * {@link org.secumail.spam.Hashcash} values X-Hashcash stamps and remembers spent ones;
 * {@link org.secumail.spam.SpamdServer} serves the spamd protocol.
 *
 * <h2>NOT DONE HERE</h2>
 * uridnssub, check_rbl_txt, askdns, DCC/Razor/Pyzor, a spamd client; see docs/spam.md.
 *
 * <h2>SEE ALSO</h2>
 * docs/spam.md; Mail::SpamAssassin::Conf(3); sa-learn(1); RFC 8601 for the results used as tests.
 */
package org.secumail.spam;
