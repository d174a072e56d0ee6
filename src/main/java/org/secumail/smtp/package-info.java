// SPDX-License-Identifier: Apache-2.0
/**
 * smtp - the SMTP and LMTP delivery agents (Postfix's smtp(8) and lmtp(8)).
 *
 * <h2>Description</h2>
 * {@link org.secumail.smtp.SmtpAgent} delivers one message to all its recipients for one
 * next hop. Next hops ({@link org.secumail.smtp.Destination}): "[host]:port" (no MX lookup),
 * "host:port" or "domain" (MX lookup; the port applies to every MX host), and for LMTP
 * "inet:host:port" and "unix:/path" (a relative path is below queue_directory, as in Postfix).
 * <p>Server selection ({@link org.secumail.smtp.MxLookup}, RFC 5321 section 5.1): MX records
 * by preference, equal preferences in random order, A and AAAA records of each host (as
 * inet_protocols allows, at most smtp_mx_address_limit addresses); no MX: the domain's own
 * addresses; a null MX (RFC 7505): bounce at once, dsn 5.1.10 "Domain X does not accept
 * mail (nullMX)"; an MX host named $myhostname: hosts at its preference and worse are
 * dropped, and with none left the mail "loops back to myself" (5.4.6); NXDOMAIN bounces
 * (5.4.4), DNS failures defer (4.4.3).
 * <p>Session: connect (smtp_connect_timeout), greeting and EHLO/HELO or LHLO
 * (smtp_helo_timeout, smtp_helo_name / lmtp_lhlo_name), STARTTLS (RFC 3207) per
 * smtp_tls_security_level: none; may (use TLS when offered, no certificate check, a failed
 * handshake is retried without TLS); encrypt (TLS required, no certificate check); verify
 * and secure (TLS required, certificate and host name checked against the JDK trust
 * store). Then AUTH when smtp_sasl_auth_enable is set and smtp_sasl_password_maps has
 * "user:password" for the server (keys: the next hop as written, "[host]", host, the
 * server's name, the recipient domain), PLAIN or LOGIN, only where
 * smtp_sasl_security_options (plain text) or smtp_sasl_tls_security_options (inside TLS)
 * do not say noplaintext.
 * <p>Transaction: MAIL FROM with SIZE=n when announced (a message larger than the
 * server's SIZE bounces with 5.3.4 before MAIL), BODY=8BITMIME for 8-bit content when
 * announced, SMTPUTF8 for non-ASCII addresses (required: bounce 5.6.7 when not offered),
 * RET and ENVID (RFC 3461) from the envelope when the server announces DSN; RCPT TO with
 * NOTIFY and ORCPT; with PIPELINING (RFC 2920, always for LMTP) MAIL, every RCPT and DATA
 * in one write. The content is dot-stuffed and every line end sent as CRLF. Each
 * recipient's result: 2xx sent, 4xx deferred, 5xx bounced, logged as Postfix does:
 * "host mx.example[192.0.2.1] said: 550 5.1.1 ... (in reply to RCPT TO command)" with
 * relay=mx.example[192.0.2.1]:25. LMTP (RFC 2033) reads one reply per accepted recipient
 * after the data.
 * <p>Failures: a connection failure, a 4xx greeting (or 5xx: smtp_skip_5xx_greeting),
 * a failed EHLO, STARTTLS or AUTH, or a lost connection before the final "." moves on to
 * the next address (at most smtp_mx_session_limit sessions that got past the greeting);
 * replies inside the transaction are final for this attempt. Each stage has its time
 * limit, enforced by a watchdog that closes the connection: smtp_connect_timeout (30s),
 * smtp_helo_timeout (300s), smtp_starttls_timeout (300s), smtp_mail_timeout (300s),
 * smtp_rcpt_timeout (300s), smtp_data_init_timeout (120s), smtp_data_xfer_timeout (180s),
 * smtp_data_done_timeout (600s), smtp_rset_timeout (20s), smtp_quit_timeout (300s). A
 * server reply line may be at most 2048 bytes and a reply at most 100 lines.
 * <p>Limits and reuse: at most smtp_destination_concurrency_limit
 * ($default_destination_concurrency_limit, 20) deliveries per destination at once; with
 * smtp_destination_rate_delay ($default_destination_rate_delay, 0s) one at a time with
 * that pause. After a transaction and RSET a session waits up to
 * smtp_connection_cache_time_limit (2s) for the next message to the same destination
 * (at most 100 idle sessions; smtp_connection_reuse_time_limit 300s,
 * smtp_connection_reuse_count_limit 0 = unlimited; 0s turns caching off). LMTP uses the
 * smtp_*_timeout values and lmtp_destination_concurrency_limit / lmtp_destination_rate_delay.
 *
 * <h2>Not supported</h2>
 * Per-MX ports (Postfix has none either), DANE and TLS policy maps, client certificates,
 * smtp_bind_address, MIME down-conversion of 8-bit mail for servers without 8BITMIME (the
 * content is sent as it is), BDAT/CHUNKING, SASL mechanisms other than PLAIN and LOGIN.
 *
 * <h2>See also</h2>
 * smtp(8), lmtp(8), postconf(5); RFC 5321, 2033, 2920, 3207, 3461, 4616, 6152, 6531, 7505.
 */
package org.secumail.smtp;
