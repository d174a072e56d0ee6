// SPDX-License-Identifier: Apache-2.0
/**
 * filter - after-queue content filters (Postfix's FILTER_README), both ways.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 *   main.cf:    content_filter = scan:[127.0.0.1]:10025
 *   master.cf:  scan      unix  -  -  n  -  10  smtp  -o smtp_send_xforward_command=yes
 *               127.0.0.1:10026 inet n - n - - smtpd -o content_filter=
 *                   -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
 *   shell:      secumail filter --listen 127.0.0.1:10025 --reinject 127.0.0.1:10026
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * As the MTA, SecuMail records a service's content_filter (or the last FILTER action of an
 * access table or policy server, "FILTER transport:destination") in the queue file; the queue
 * manager then delivers the message, all recipients at once, to that transport and destination
 * instead of its usual routes. The transport is a master.cf "unix" entry running smtp or lmtp
 * (with its own -o overrides, logged under its name as Postfix logs postfix/scan/smtp) or a
 * built-in one. A filter that is down or answers 4xx leaves the message deferred, retried as any
 * delivery; a 5xx returns it to its sender. The filter hands the message back to a service with
 * "-o content_filter=", which queues it for delivery: it is filtered once.
 * receive_override_options on that service: no_milters (no smtpd_milters),
 * no_header_body_checks (no built-in content checks, DKIM signing still done),
 * no_unknown_recipient_checks (no reject_unlisted_recipient); no_address_mappings is accepted
 * and has no effect (SecuMail rewrites addresses at delivery, not at reception).
 *
 * <p>As the filter ({@link org.secumail.filter.FilterServer}), SecuMail is an SMTP proxy in the
 * shape of ClamSMTP or amavisd-new: it takes the message from the MTA, runs the content checks
 * of its main.cf over it, and reinjects it ({@link org.secumail.filter.Reinjector}) with their
 * headers. It answers the MTA "250" only after the reinjection service accepted the message, so
 * a crash or a refusal in between leaves the message in the MTA's queue; a refusal by the checks
 * is given to the MTA (which bounces); a quarantined message is kept as a file in
 * $data_directory/filter-quarantine/; XFORWARD from the MTA is used for the checks and passed on
 * to a reinjection service that announces it.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>content_filter (empty)</dt><dd>transport:destination, per service with -o.</dd>
 * <dt>receive_override_options (empty)</dt><dd>See above.</dd>
 * <dt>smtp_send_xforward_command (no), lmtp_send_xforward_command (no)</dt><dd>Send the
 * original client to a server that announces XFORWARD.</dd>
 * <dt>smtpd_authorized_xforward_hosts (empty)</dt><dd>Clients allowed to send XFORWARD to
 * smtpd (a filter's reinjection), see org.secumail.smtpd.XforwardCommand.</dd>
 * <dt>secumail_filter_timeout (300s)</dt><dd>secumail filter: each SMTP read, and the
 * reinjection's connect and replies.</dd>
 * </dl>
 *
 * <h2>NOT IMPLEMENTED</h2>
 * Before-queue proxy filters (smtpd_proxy_filter). A reinjection service that refuses some
 * recipients and takes the others: secumail filter answers 250 and logs the refused ones (they
 * are not returned to the sender).
 *
 * <h2>SEE ALSO</h2>
 * Postfix FILTER_README, XFORWARD_README; docs/milter.md.
 */
package org.secumail.filter;
