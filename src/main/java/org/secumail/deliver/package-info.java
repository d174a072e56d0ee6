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
 * </dl>
 *
 * <h2>NOT BUILT YET</h2>
 * The local(8) transport itself, which looks up the user, expands aliases and .forward,
 * runs mailbox_command, chooses between these writers and sets file ownership: these
 * classes write as the current process user. Dot-locking of mbox files (Postfix's
 * mailbox_delivery_lock also uses dotlock on Linux), mailbox_size_limit, and mail loop
 * detection with Delivered-To.
 *
 * <h2>SEE ALSO</h2>
 * Postfix local(8), virtual(8); cr.yp.to/proto/maildir.html; mbox(5) (mboxo quoting);
 * {@link org.secumail.queue} for the queue that calls the delivery agents.
 */
package org.secumail.deliver;
