// SPDX-License-Identifier: Apache-2.0
/**
 * milter - the Sendmail milter protocol (version 6), both ways.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 *   main.cf:  smtpd_milters = inet:127.0.0.1:8891, { unix:/run/clamav/clamav-milter.ctl, default_action=accept }
 *   shell:    secumail milter --listen 127.0.0.1:8893      (for a Postfix: smtpd_milters = inet:127.0.0.1:8893)
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * As a client ({@link org.secumail.milter.MilterClient}, one per milter and SMTP session,
 * {@link org.secumail.milter.Milters} for the list), SecuMail talks to milters as Postfix's
 * milter8.c does: the connection is opened and negotiated at the SMTP connect; each SMTP stage
 * is an event preceded by its macros (SMFIC_MACRO); the message goes as headers (our own
 * Received: header left out), end of headers, 64 KB body chunks and end of body; the
 * milter's answers and, at end of body, its edit requests come back. Every edit is carried
 * out ({@link org.secumail.milter.MessageEdits}): add, change, insert and delete header,
 * replace body, add (with ESMTP arguments) and delete recipient, change sender, quarantine.
 * smtpd runs the milters after its own restrictions of each stage, and at end of message
 * before the built-in content checks, which so see, verify and sign what the milters left.
 * Several milters run in order; the first answer other than "continue" ends the event.
 *
 * <p>As a server ({@link org.secumail.milter.MilterServer}), SecuMail answers an MTA's milter
 * events with its own restriction lists, one per stage, and its content checks at end of
 * message: refusals as SMFIR_REPLYCODE with the reply SecuMail gives as an MTA, header
 * fields (Authentication-Results, X-Spam-*, DKIM-Signature) as insertions at the top.
 *
 * <h2>ANSWERS, AS POSTFIX GIVES THEM</h2>
 * Reject: 550 5.7.1 Command rejected. Tempfail: 451 4.7.1 Service unavailable - try again
 * later. A 5xx answer at connect makes the greeting "554 host ESMTP not accepting
 * connections"; any refusal at connect or HELO is given again at every MAIL FROM (HELO itself
 * gets 250). Shutdown: 421 and the session ends. Accept at connect or HELO: no more events this
 * session; later: none for this message. Logged as "QID: milter-reject: STAGE from client:
 * reply; from=&lt;&gt; to=&lt;&gt; proto= helo=&lt;&gt;", and milter-hold, milter-discard.
 *
 * <h2>FAILURES</h2>
 * A milter that cannot be reached, closes the connection, answers garbage or an unexpected
 * reply, sends a packet over 1 MiB, or is silent longer than its timeout is closed and answers
 * milter_default_action for the rest of the session: accept (no milter), reject (550 5.5.0),
 * tempfail (451 4.7.1), shutdown (421 4.7.1) or quarantine (hold). A malformed reply text or
 * edit request (bad index, empty header name) is a configuration error: 451 4.3.5 (421 under
 * shutdown). An edit the milter did not announce in negotiation is carried out with a warning,
 * as Postfix 3.7 does (it checks only that the announced set is one it supports). A
 * replacement body over message_size_limit gives 552 5.3.4. The server closes a connection
 * that sends a malformed packet, with a log line.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>smtpd_milters (empty)</dt><dd>The milters of smtpd: inet:host:port, unix:/path, or
 * { endpoint, connect_timeout=..., command_timeout=..., content_timeout=..., default_action=...,
 * protocol=... } with this milter's own settings. "DISABLE" means none. Per service with -o.</dd>
 * <dt>smtpd_milter_maps (empty)</dt><dd>Tables keyed by the client address (cidr:, inline: ...)
 * whose answer, a milter list or DISABLE, replaces smtpd_milters for that client (Postfix 3.2).</dd>
 * <dt>non_smtpd_milters (empty)</dt><dd>Read and checked; SecuMail has no sendmail command or
 * pickup service yet, so there is no mail it applies to.</dd>
 * <dt>milter_default_action (tempfail)</dt><dd>Postfix 3.7's default (Debian 12); Postfix 3.11
 * changed it to shutdown, which is accepted too.</dd>
 * <dt>milter_protocol (6)</dt><dd>2, 3, 4 or 6, optionally with no_header_reply.</dd>
 * <dt>milter_connect_timeout (30s), milter_command_timeout (30s), milter_content_timeout (300s)</dt>
 * <dd>Connect; each reply outside the message; each reply while the message is sent.
 * SMFIR_PROGRESS starts the wait over.</dd>
 * <dt>milter_connect_macros, milter_helo_macros, milter_mail_macros, milter_rcpt_macros,
 * milter_data_macros, milter_end_of_header_macros, milter_end_of_data_macros,
 * milter_unknown_command_macros</dt><dd>Postfix's defaults; a milter may ask for others in its
 * negotiation (SMFIR_SETSYMLIST). {mail_mailer} and {rcpt_mailer} have no value (no transport
 * is resolved at SMTP time), except "error" for a refused recipient.</dd>
 * <dt>milter_macro_daemon_name ($myhostname), milter_macro_v ($mail_name $mail_version),
 * milter_macro_defaults (empty)</dt><dd>As in Postfix.</dd>
 * <dt>secumail_milter_client_restrictions, secumail_milter_helo_restrictions,
 * secumail_milter_sender_restrictions, secumail_milter_recipient_restrictions,
 * secumail_milter_data_restrictions, secumail_milter_end_of_data_restrictions (empty)</dt>
 * <dd>secumail milter: the list evaluated at each event, with main.cf's restrictions
 * (reject_rbl_client, check_spf, check_greylist ...), each with smtpd_delay_reject = no
 * semantics: it answers the event it belongs to.</dd>
 * </dl>
 *
 * <h2>NOT IMPLEMENTED</h2>
 * milter_header_checks, the milter macros {cert_subject}, {cert_issuer}, {client_connections}
 * (always 0).
 *
 * <h2>SEE ALSO</h2>
 * Postfix MILTER_README and milter8.c; Sendmail's libmilter documentation; docs/milter.md.
 */
package org.secumail.milter;
