// SPDX-License-Identifier: Apache-2.0
/**
 * smtpd/check - the restriction engine (Postfix's smtpd_check.c).
 *
 * <h2>Description</h2>
 * Each main.cf restriction keyword maps to a factory in {@link org.secumail.smtpd.check.RestrictionRegistry};
 * a list is parsed once at startup into a {@link org.secumail.smtpd.check.RestrictionList} and
 * each restriction returns a {@link org.secumail.smtpd.check.Verdict} value. Evaluation follows
 * Postfix: in order, first decision wins; warn_if_reject, defer_if_permit, defer_if_reject;
 * with smtpd_delay_reject = yes the client, HELO and sender lists run at RCPT time, then
 * smtpd_relay_restrictions, then smtpd_recipient_restrictions, then the implied
 * reject_unlisted_recipient. A lookup that fails temporarily gives 4xx, never 5xx. An unknown
 * keyword, or a configuration whose relay and recipient lists cannot refuse anything (an open
 * relay), stops startup. docs/restrictions.md lists every keyword; it is generated from the
 * registry by {@link org.secumail.smtpd.check.RestrictionsDoc}.
 *
 * <h2>Parameters</h2>
 * smtpd_client_restrictions, smtpd_helo_restrictions, smtpd_sender_restrictions,
 * smtpd_relay_restrictions, smtpd_recipient_restrictions, smtpd_data_restrictions,
 * smtpd_end_of_data_restrictions, smtpd_restriction_classes, mynetworks,
 * parent_domain_matches_subdomains, smtpd_null_access_lookup_key (&lt;&gt;), reject_code (554),
 * defer_code (450), access_map_reject_code (554), access_map_defer_code (450),
 * invalid_hostname_reject_code (501), non_fqdn_reject_code (504), unknown_address_reject_code
 * (450), unknown_client_reject_code (450), unknown_hostname_reject_code (450),
 * relay_domains_reject_code (554), unknown_local_recipient_reject_code (550),
 * unknown_virtual_mailbox_reject_code (550), unknown_virtual_alias_reject_code (550),
 * unknown_relay_recipient_reject_code (550), reject_tempfail_action (defer_if_permit),
 * unknown_address_tempfail_action, unknown_helo_hostname_tempfail_action,
 * unknown_client_tempfail_action.
 *
 * <h2>See also</h2>
 * Postfix SMTPD_ACCESS_README, access(5), postconf(5); RFC 7505 (null MX).
 */
package org.secumail.smtpd.check;
