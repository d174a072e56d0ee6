// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The main.cf parameters of spam scoring with their defaults (docs/spam.md), added to
 * {@link org.secumail.config.Parameters} with one line as the antivirus ones are.
 */
public final class SpamParameters {
    private SpamParameters() { }

    public static final Map<String, String> PARAMETERS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("secumail_spam_filter", "no");
        // SpamAssassin's own order: rules updated by sa-update if any, else the packaged ones
        m.put("secumail_spam_rules_directories", "/var/lib/spamassassin/4.000001/updates_spamassassin_org, /usr/share/spamassassin");
        m.put("secumail_spam_site_rules_directory", "/etc/spamassassin");
        m.put("secumail_spam_local_rules", "");                 // more rule files, read last
        m.put("secumail_spam_required_score", "");              // empty: required_score of the rules (5.0)
        m.put("secumail_spam_quarantine_score", "");            // empty: never held
        m.put("secumail_spam_reject_score", "15");
        m.put("secumail_spam_reject_max_size", "2M");           // larger: tagged (or held), never refused
        m.put("secumail_spam_max_size", "10M");                 // larger: not scored, as spamc -s
        m.put("secumail_spam_skip_trusted", "yes");             // mynetworks and SASL-authenticated clients
        m.put("secumail_spam_network_tests", "yes");
        m.put("secumail_spam_network_timeout", "5s");         // all DNS and URI list lookups of one message
        m.put("secumail_spam_report_header", "yes");
        m.put("secumail_spam_time_limit", "10s");
        m.put("secumail_spam_bayes", "yes");
        m.put("secumail_spam_bayes_database", "$data_directory/spam/bayes.db");
        m.put("secumail_spam_bayes_auto_learn", "yes");
        m.put("secumail_spam_hashcash_database", "$data_directory/spam/hashcash.db"); // empty: no double-spend check
        return java.util.Collections.unmodifiableMap(m);
    }
}
