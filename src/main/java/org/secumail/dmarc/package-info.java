// SPDX-License-Identifier: Apache-2.0
/**
 * dmarc - DMARC evaluation and aggregate reports, in place of OpenDMARC.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * main.cf:
 *     secumail_dmarc_enable = yes                 (the default)
 *     secumail_dmarc_report_enable = yes
 *
 * secumail dmarc check FILE --ip ADDR --mail-from ADDR [--helo NAME] [--dkim-pass DOMAIN]...
 * secumail dmarc report FILE...
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * At end of DATA, after DKIM verification (content check phase 1), {@link
 * org.secumail.dmarc.DmarcCheck} takes the RFC5322.From domain, finds its policy at
 * _dmarc.DOMAIN or, failing that, at _dmarc.ORGANIZATIONAL-DOMAIN, and checks whether an SPF
 * pass (for the MAIL FROM domain, or the HELO name for the null sender) or a DKIM pass (the d=
 * of a valid signature) is aligned with it, relaxed (same organizational domain, by the Public
 * Suffix List) or strict (same name) as adkim=/aspf= ask. The result (pass, fail, none,
 * temperror, permerror) joins the Authentication-Results header as OpenDMARC writes it:
 * {@code dmarc=fail (p=reject dis=reject) header.from=example.com}.
 * <p>
 * A failing message gets the policy: p=, or sp= for a subdomain whose policy was found at
 * its organizational domain; pct= applies it to that share of messages and the next weaker
 * policy to the others. reject answers "550 5.7.1 rejected by DMARC policy for DOMAIN"
 * (OpenDMARC's reply) unless secumail_dmarc_reject_action = quarantine; quarantine holds the
 * message (or files it into the folder secumail_dmarc_quarantine_target names). temperror
 * (the policy lookup timed out) and permerror (an unusable record, no usable From:) never
 * reject, as in OpenDMARC.
 * <p>
 * Decisions where RFC 7489 leaves a choice: several DMARC records at one name give "none"
 * (6.6.3 step 4); a record whose p= is missing or invalid is used as p=none when it has a
 * valid rua= and gives permerror otherwise (6.6.3); p= is accepted anywhere after v=DMARC1.
 * A From: field with several addresses, or several From: fields, has each domain evaluated
 * and the strictest disposition applied (6.6.1 allows it; a forger cannot hide behind a
 * second address). A message without a From: field, or whose From: has no domain, gives
 * permerror and is accepted, unless secumail_dmarc_required_headers = yes (OpenDMARC's
 * RequiredHeaders), which rejects it and a message with several From: fields.
 * <p>
 * SPF is smtpd's check_spf result or, without check_spf, the SPF check that runs beside DKIM
 * at end of DATA ({@link org.secumail.spf.SpfContentCheck}). A failing message whose ARC
 * chain passes and was sealed last by a sealer in secumail_arc_trusted_sealers is not
 * rejected or quarantined (RFC 8617 section 7.2; reported as trusted_forwarder).
 * <p>
 * Mail from trusted clients (mynetworks, SMTP AUTH) is not evaluated. Evaluations under a
 * policy with rua= are stored in an SQLite database; once per secumail_dmarc_report_interval
 * one gzip'ed XML aggregate report per policy domain is queued to its rua= mailto: addresses
 * (external destinations verified per RFC 7489 section 7.1, "!size" limits honoured).
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>secumail_dmarc_enable (default: yes)</dt><dd>evaluate DMARC at end of DATA.</dd>
 * <dt>secumail_dmarc_reject_action (default: reject)</dt><dd>what p=reject does: reject
 * (550 5.7.1) or quarantine (a gentler start; OpenDMARC's RejectFailures = false only adds
 * the header).</dd>
 * <dt>secumail_dmarc_honor_pct (default: yes)</dt><dd>apply pct= sampling; no applies the
 * policy to every failing message.</dd>
 * <dt>secumail_dmarc_quarantine_target (default: hold)</dt><dd>hold: the hold queue
 * (secumail queue shows it); another word: the folder quarantined mail is filed into.</dd>
 * <dt>secumail_dmarc_skip_trusted (default: yes)</dt><dd>do not evaluate mail from
 * mynetworks or authenticated clients (OpenDMARC's IgnoreAuthenticatedClients and IgnoreHosts).</dd>
 * <dt>secumail_dmarc_ignore_domains (default: empty)</dt><dd>From: domains (and their
 * subdomains) never evaluated; names or absolute file names of one name a line (IgnoreDomains).</dd>
 * <dt>secumail_dmarc_required_headers (default: no)</dt><dd>reject a message without exactly
 * one From: field with a domain (RequiredHeaders).</dd>
 * <dt>secumail_dmarc_psl_file (default: empty)</dt><dd>the Public Suffix List file; empty
 * means the list built into SecuMail. A replaced file is read again when its modification
 * time changes, without a restart.</dd>
 * <dt>secumail_dmarc_report_enable (default: no)</dt><dd>store evaluations and send aggregate
 * reports.</dd>
 * <dt>secumail_dmarc_report_database (default: $data_directory/dmarc.sqlite)</dt><dd>the
 * evaluations not yet reported.</dd>
 * <dt>secumail_dmarc_report_interval (default: 1d)</dt><dd>the report period, counted from
 * the epoch (1d: UTC days); at least 1h.</dd>
 * <dt>secumail_dmarc_report_org_name (default: $mydomain)</dt><dd>org_name in reports.</dd>
 * <dt>secumail_dmarc_report_sender (default: postmaster@$mydomain)</dt><dd>the reports'
 * From: and envelope sender, and the report's email element.</dd>
 * <dt>secumail_dmarc_report_contact (default: empty)</dt><dd>extra_contact_info.</dd>
 * </dl>
 *
 * <h2>STANDARDS</h2>
 * RFC 7489 (DMARC): 3.1 alignment, 3.2 organizational domain, 6.3 and 6.4 the record, 6.6
 * evaluation, 7.1 external destinations, 7.2 aggregate reports, appendix C the report schema,
 * 11.2 the Authentication-Results method. RFC 8601 (Authentication-Results). RFC 5322
 * section 3.4 and 3.6.2 (From:). The Public Suffix List, https://publicsuffix.org/list/.
 *
 * <h2>SEE ALSO</h2>
 * opendmarc(8), opendmarc.conf(5), docs/dmarc.md, {@link org.secumail.spf}, {@link org.secumail.content}.
 */
package org.secumail.dmarc;
