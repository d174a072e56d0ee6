// SPDX-License-Identifier: Apache-2.0
/**
 * Writing delivered mail into local mail files, as Postfix's local(8) does.
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.deliver.MaildirWriter} delivers into a Maildir: the file is written
 * in tmp/ under a unique name ({@code <seconds>.M<microseconds>P<pid>Q<counter>.<host>}),
 * fsynced, linked into new/, and new/ is fsynced. {@link org.secumail.deliver.MboxWriter}
 * appends to a UNIX mailbox under an fcntl lock: a {@code From sender date} line,
 * {@code >From } quoting, a blank line after the message, fsync, and truncation back to
 * the old size if anything fails. Both prepend {@code Return-Path: <sender>} and
 * {@code Delivered-To: recipient}, convert the queued CRLF line ends to LF, make new
 * files mode 0600 (directories 0700), and throw IOException on failure, which the
 * delivery agent reports as DEFERRED so the queue keeps the message.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * Read by the local delivery agent that calls these writers:
 * <dl>
 * <dt>mail_spool_directory (default: /var/mail)</dt><dd>The directory with UNIX-style
 * mailboxes, one file per user (MboxWriter); with a trailing '/', one Maildir per user
 * (MaildirWriter).</dd>
 * <dt>home_mailbox (default: empty)</dt><dd>A mailbox path relative to the user's home;
 * "Maildir/" (trailing '/') means a Maildir, otherwise an mbox file.</dd>
 * <dt>mailbox_transport_maps, mailbox_transport (default: empty)</dt><dd>Every local
 * user's mailbox delivery, after alias expansion, goes to this transport instead
 * ("lmtp:unix:private/dovecot-lmtp"; the maps are searched with the bare user name).</dd>
 * <dt>fallback_transport_maps, fallback_transport, luser_relay (default: empty)</dt><dd>Where
 * mail for a user unknown to passwd goes, in this order ({@link
 * org.secumail.deliver.MailboxDelegation}); without them it bounces with 5.1.1.</dd>
 * </dl>
 *
 * <h2>LOCAL TRANSPORT</h2>
 * {@link org.secumail.deliver.LocalTransport} is the delivery agent for our own domains:
 * for mydestination it strips the address extension, expands alias_maps (recursively; an
 * alias naming itself delivers to the user's mailbox) and delivers to home_mailbox or
 * mail_spool_directory/USER; for virtual_mailbox_domains to virtual_mailbox_base plus the
 * virtual_mailbox_maps result; virtual_alias_maps rewrite first. Remote domains are routed to
 * the SMTP client by {@link org.secumail.route.Router} and never reach this agent; alias
 * targets in other domains are forwarded by {@link org.secumail.deliver.Forwarder} (a new
 * queue file with "Delivered-To: recipient" prepended, logged "status=sent (forwarded as
 * QID)"); a message that already carries that Delivered-To line bounces with 5.4.6 "mail
 * forwarding loop for ...".
 *
 * <h2>NOT BUILT YET</h2>
 * Alias targets that are files, commands or :include: lists (bounced as unsupported),
 * .forward files, mailbox_command, file ownership (these classes write as the current
 * process user), dot-locking of mbox files, mailbox_size_limit, and the Delivered-To loop
 * check for mail delivered to a local mailbox (only forwarding checks it).
 *
 * <h2>SEE ALSO</h2>
 * Postfix local(8), virtual(8); cr.yp.to/proto/maildir.html; mbox(5) (mboxo quoting);
 * {@link org.secumail.queue} for the queue that calls the delivery agents.
 */
package org.secumail.deliver;
