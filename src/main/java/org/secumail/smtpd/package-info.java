// SPDX-License-Identifier: Apache-2.0
/**
 * smtpd - the SMTP server (Postfix's smtpd(8)).
 *
 * <h2>Description</h2>
 * One {@link org.secumail.smtpd.SmtpServer} per master.cf "inet ... smtpd" entry and listen
 * address; one virtual thread per connection running an {@link org.secumail.smtpd.SmtpSession}.
 * Commands: HELO, EHLO (PIPELINING, SIZE, VRFY, ENHANCEDSTATUSCODES, 8BITMIME, SMTPUTF8, and
 * XCLIENT for authorized hosts), MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY (always 252: no
 * address harvesting), HELP, XCLIENT, STARTTLS ({@link org.secumail.smtpd.StartTls}) and AUTH
 * ({@link org.secumail.smtpd.SmtpAuth}; see docs/tls-auth.md). Every reply has an RFC 3463 enhanced status code and
 * Postfix's wording. Restrictions are evaluated by {@code org.secumail.smtpd.check}; accepted
 * mail is written to the queue and acknowledged only after it is on disk.
 *
 * <h2>Limits</h2>
 * Command lines of 512 octets and text lines of 1000 (RFC 5321 section 4.5.3.1); bare LF,
 * bare CR and NUL refused; message_size_limit; smtpd_recipient_limit; smtpd_timeout;
 * smtpd_soft_error_limit with smtpd_error_sleep_time and smtpd_hard_error_limit; maxproc
 * (master.cf) sessions per service; smtpd_client_connection_count_limit per client.
 *
 * <h2>Parameters</h2>
 * myhostname, smtpd_banner ($myhostname ESMTP $mail_name), message_size_limit (10240000),
 * smtpd_recipient_limit (1000), smtpd_timeout (300s), smtpd_soft_error_limit (10),
 * smtpd_hard_error_limit (20), smtpd_error_sleep_time (1s), smtpd_helo_required (no),
 * smtpd_delay_reject (yes), strict_rfc821_envelopes (no), smtpd_reject_unlisted_recipient
 * (yes), disable_vrfy_command (no), smtputf8_enable, smtpd_authorized_xclient_hosts (empty),
 * smtpd_forbid_bare_newline (yes here; no in Postfix 3.7),
 * smtpd_forbid_bare_newline_exclusions ($mynetworks), smtpd_forbid_bare_newline_reject_code
 * (550), smtpd_peername_lookup (yes), smtpd_client_connection_count_limit (50),
 * smtpd_client_event_limit_exceptions ($mynetworks). TLS and AUTH parameters: docs/tls-auth.md.
 *
 * <h2>Standards</h2>
 * RFC 5321 (SMTP), RFC 1869/5321 (ESMTP), RFC 1870 (SIZE), RFC 2920 (PIPELINING), RFC 2034 and
 * 3463 (enhanced status codes), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 3207 (STARTTLS),
 * RFC 8314 (implicit TLS), RFC 4954 (AUTH), RFC 3848 (ESMTPS/ESMTPA), Postfix XCLIENT_README.
 *
 * <h2>Logging</h2>
 * connect from, NOQUEUE/QID reject lines with from=, to=, proto=, helo=; QID: client=;
 * QID: message-id=; lost connection after; timeout after; too many errors after;
 * disconnect from ... with per-command counts.
 *
 * <h2>See also</h2>
 * {@code org.secumail.smtpd.check} (restrictions), {@code org.secumail.queue} (queue files).
 */
package org.secumail.smtpd;
