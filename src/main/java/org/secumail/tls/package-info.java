// SPDX-License-Identifier: Apache-2.0
/**
 * tls - the server side TLS of the SMTP services (Postfix's TLS_README, server part).
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * main.cf:
 *     smtpd_tls_security_level = may
 *     smtpd_tls_chain_files = /etc/secumail/tls/rsa.pem, /etc/secumail/tls/ec.pem
 * master.cf:
 *     submission inet n - n - - smtpd
 *         -o smtpd_tls_security_level=encrypt
 *         -o smtpd_sasl_auth_enable=yes
 *     submissions inet n - n - - smtpd
 *         -o smtpd_tls_wrappermode=yes
 *         -o smtpd_sasl_auth_enable=yes
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.tls.ServerTls} is built once per smtpd service at startup from the
 * service's parameters. smtpd_tls_security_level: none (no TLS), may (STARTTLS offered, RFC
 * 3207), encrypt (STARTTLS required before MAIL, AUTH...); when empty, Postfix's legacy
 * smtpd_enforce_tls and smtpd_use_tls decide. smtpd_tls_wrappermode = yes makes the service
 * implicit TLS (RFC 8314, port 465).
 * <p>
 * Certificates and keys are PEM files read with Bouncy Castle ({@link org.secumail.tls.PemFiles}):
 * smtpd_tls_chain_files (each file a key followed by its chain; several files for RSA and EC),
 * or smtpd_tls_cert_file + smtpd_tls_key_file and smtpd_tls_eccert_file + smtpd_tls_eckey_file.
 * RSA and EC keys in PKCS#1/SEC1 or unencrypted PKCS#8 form. Without any of them a self-signed
 * certificate for CN = $myhostname is made once and kept in $data_directory/tls/selfsigned.pem
 * (mode 600), with a warning in the log.
 * <p>
 * smtpd_tls_protocols (opportunistic TLS) and smtpd_tls_mandatory_protocols (level encrypt and
 * wrapper mode) take Postfix's syntax ({@link org.secumail.tls.TlsProtocols}); both default to
 * "&gt;=TLSv1.2". Cipher suites are the JDK's defaults for the enabled versions.
 *
 * <h2>DIAGNOSTICS</h2>
 * A missing or unreadable file, a key that matches no certificate, an encrypted key, an unknown
 * protocol name or a bad level stop startup with the parameter named. Sessions log
 * "Anonymous TLS connection established from NAME[ADDR]: TLSv1.3 with cipher ... (256/256 bits)"
 * and "SSL_accept error from NAME[ADDR]: ..." as Postfix does.
 *
 * <h2>SEE ALSO</h2>
 * docs/tls-auth.md; {@code org.secumail.smtpd.StartTls}; RFC 3207, RFC 8314, RFC 8996 (TLS 1.0
 * and 1.1 deprecated).
 */
package org.secumail.tls;
