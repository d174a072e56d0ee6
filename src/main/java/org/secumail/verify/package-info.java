// SPDX-License-Identifier: Apache-2.0
/**
 * Address verification, Postfix's verify(8).
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.verify.AddressVerifier} keeps what probes found out about addresses
 * and sends the probes. smtpd's reject_unverified_recipient and reject_unverified_sender
 * ({@code org.secumail.smtpd.check.VerifyRestrictions}) query it. A probe is a message that
 * exists only in memory, with the envelope attribute {@code address_verify_probe}: the router
 * sends it where mail to the address would go, and each delivery agent checks without
 * delivering (smtp(8) and lmtp(8) stop after the RCPT TO reply and send RSET; local(8)
 * expands aliases and stops before the mailbox, or asks its mailbox_transport in turn;
 * error(8) and discard(8) answer as for mail). The result is logged as
 * {@code QID: to=<addr>, relay=..., dsn=..., status=deliverable|undeliverable (reason)}.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>address_verify_sender ($double_bounce_sender)</dt><dd>The probes' sender; empty or
 * "&lt;&gt;" is the null sender, a bare name gets @$myorigin.</dd>
 * <dt>address_verify_positive_expire_time (31d), address_verify_positive_refresh_time (7d)</dt>
 * <dd>How long a deliverable address is believed, and when it is probed again meanwhile.</dd>
 * <dt>address_verify_negative_expire_time (3d), address_verify_negative_refresh_time (3h),
 * address_verify_negative_cache (yes)</dt><dd>The same for failures; "no" keeps them out of
 * the cache.</dd>
 * <dt>address_verify_poll_count (3), address_verify_poll_delay (3s)</dt><dd>How often smtpd
 * asks while a probe is in progress.</dd>
 * <dt>address_verify_map</dt><dd>Accepted and not used: the cache is in memory (at most
 * 100,000 addresses), so a restart probes again.</dd>
 * </dl>
 *
 * <h2>SEE ALSO</h2>
 * Postfix verify(8), ADDRESS_VERIFICATION_README; smtpd's unverified_recipient_* and
 * unverified_sender_* parameters (README.md, "Configuration").
 */
package org.secumail.verify;
