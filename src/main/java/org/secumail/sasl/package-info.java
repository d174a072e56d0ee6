// SPDX-License-Identifier: Apache-2.0
/**
 * sasl - SMTP AUTH backends: the built-in passwd-file, or a Dovecot auth service.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * main.cf, built-in backend (SecuMail's default smtpd_sasl_type):
 *     smtpd_sasl_auth_enable = yes
 *     smtpd_sasl_type = secumail
 *     secumail_sasl_passwd_file = $config_directory/passwd
 *
 * main.cf, Dovecot as with Postfix:
 *     smtpd_sasl_auth_enable = yes
 *     smtpd_sasl_type = dovecot
 *     smtpd_sasl_path = private/auth
 *
 * secumail pw [-s SCHEME] [-p PASSWORD] [-t HASH]
 * secumail user add|passwd|delete|list [USER] [-s SCHEME] [-p PASSWORD] [-c CONFIG_DIR]
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * A {@link org.secumail.sasl.SaslBackend} runs the SASL mechanism of one AUTH command
 * (RFC 4954); the SMTP server only frames its steps as 334, 235, 535 and 454 replies, offers
 * AUTH only where smtpd_tls_auth_only allows, and counts failures per client.
 * {@link org.secumail.sasl.SaslBackends#open} picks the backend from smtpd_sasl_type.
 * <p>
 * <b>secumail</b>: a Dovecot passwd-file ("user@domain:{SCHEME}hash", more ":" fields ignored,
 * "#" comments), read again when it changes. Mechanisms PLAIN (RFC 4616; the authorization
 * identity must be empty or the user itself), LOGIN (draft-murchison-sasl-login) and
 * SCRAM-SHA-256 (RFC 7677, RFC 5802, no channel binding). SCRAM works for users stored as
 * {SCRAM-SHA-256} or in plaintext; other users fail it at the proof, like a wrong password.
 * User names are compared in lower case (Dovecot's auth_username_format = %Lu) and the
 * authenticated name is the lower-case one. An unknown user's password is checked against
 * the stored hash of a user with the scheme most users have (or a dummy ARGON2ID hash for an
 * empty file), so an unknown user and a wrong password cost the same time.
 * Responses are limited to 4096 bytes and a few steps.
 * <p>
 * <b>dovecot</b>: a client of the Dovecot Authentication Protocol 1.2, as Postfix's
 * xsasl_dovecot_server: handshake (VERSION, CPID; MECH lines), then "AUTH id mech
 * service=smtp nologin lip= rip= lport= rport= [secured] [resp=]", CONT for each further
 * response, OK user= or FAIL [temp]. One connection per smtpd service is shared by all
 * sessions (requests are told apart by id), and opened again after an error. A relative
 * smtpd_sasl_path is relative to queue_directory, as in Postfix; "inet:host:port" uses TCP.
 * The mechanisms announced are Dovecot's MECH lines except those marked private; Dovecot's
 * disable_plaintext_auth is not visible to an auth client, so smtpd_tls_auth_only decides
 * about plaintext mechanisms without TLS. Dovecot unreachable, stuck (no reply within
 * secumail_sasl_dovecot_timeout) or answering "temp" gives a temporary failure (454 4.7.0).
 * <p>
 * <b>Password schemes</b> ({@link org.secumail.sasl.PasswordSchemes}), in doveadm pw's
 * syntax so that files move between Dovecot and SecuMail: ARGON2ID (default; m=65536 KiB,
 * t=3, p=1 as Dovecot), ARGON2I, BLF-CRYPT ($2y$, $2b$, $2a$; new hashes cost 10),
 * SHA512-CRYPT and SHA256-CRYPT ($6$, $5$, rounds=), SCRAM-SHA-256 (iterations, salt,
 * StoredKey, ServerKey), PLAIN and CLEAR. A hash without {SCHEME} is recognized by its crypt
 * prefix. Hashing is Bouncy Castle's and commons-codec's; comparisons are constant-time.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>smtpd_sasl_type (default: secumail)</dt><dd>secumail or dovecot. Postfix's default,
 * cyrus, is refused at startup.</dd>
 * <dt>smtpd_sasl_path (default: smtpd)</dt><dd>dovecot: the auth-client socket, relative to
 * queue_directory unless absolute, or inet:host:port.</dd>
 * <dt>secumail_sasl_passwd_file (default: $config_directory/passwd)</dt><dd>the built-in
 * backend's passwd-file.</dd>
 * <dt>secumail_sasl_dovecot_timeout (default: 30s)</dt><dd>connecting, the handshake, and
 * each reply from Dovecot (which delays failures by auth_failure_delay and by its per-address
 * auth penalty, up to 15s).</dd>
 * </dl>
 *
 * <h2>SEE ALSO</h2>
 * docs/sasl.md; doveadm-pw(1); Postfix SASL_README; Dovecot's "Authentication Protocol" and
 * "Password Schemes" documentation; RFC 4422, 4616, 4954, 5802, 7677, 9106.
 */
package org.secumail.sasl;
