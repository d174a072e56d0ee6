// SPDX-License-Identifier: Apache-2.0
/**
 * The mail queue and the queue manager: SecuMail's cleanup(8) hand-off, incoming/active/
 * deferred queues and qmgr(8).
 *
 * <h2>DESCRIPTION</h2>
 * SecuMail must never lose a message it accepted. The SMTP server writes each message
 * through {@link org.secumail.queue.QueueStore#create()}; {@code commit} makes it durable
 * (content fsynced, envelope fsynced, both renamed into {@code incoming/} with the
 * envelope last, the directory fsynced) and only then may the server answer 250. The
 * {@link org.secumail.queue.QueueManager} picks the message up at once on {@code wake()},
 * moves it to {@code active/}, hands each pending recipient to a
 * {@link org.secumail.queue.Transport}, appends a done record per final recipient, and
 * removes the message or moves it to {@code deferred/} for a later attempt.
 *
 * <h2>QUEUE DIRECTORY</h2>
 * <pre>
 * tmp/       messages being received (never acknowledged; deleted at startup)
 * incoming/  committed, not yet looked at by the queue manager
 * active/    being delivered (returned to incoming/ at startup)
 * deferred/  waiting for the next attempt; the envelope's mtime is that time
 * hold/      kept until an administrator releases it (secumail queue release|requeue)
 * public/    qmgr: the unix-domain socket of the queue manager's trigger ({@link org.secumail.queue.QueueTrigger})
 * corrupt/   unreadable messages, kept for inspection
 * spare/     emptied files of removed messages, reused as the files of new ones (at most
 *            256; recovery empties them; safe to delete while SecuMail is stopped)
 * </pre>
 * A message is {@code ID.msg} (the bytes as they will be delivered: CRLF line ends,
 * dot-unstuffed) and {@code ID.env}, typed text records after Postfix's rec_type.h:
 * {@code V} version, {@code T} arrival time, {@code S} sender (empty for &lt;&gt;),
 * {@code A name=value} attributes (client_address, client_name, helo, protocol,
 * sasl_username, the RFC 3461 parameters of {@link org.secumail.queue.DsnAttributes}, ...),
 * {@code R index recipient}, {@code E} end; later appended {@code D index status} records
 * mark recipients done, {@code L index dsn relay reason} keep a recipient's last deferral and
 * {@code W} says that the delay warning was sent. The file is only appended to, so
 * recovery replays it; control characters in values are escaped as \xHH. Queue IDs are
 * 13 characters of [0-9A-Za-z], time-ordered like Postfix's long queue IDs.
 *
 * <h2>RECOVERY</h2>
 * {@link org.secumail.queue.QueueStore#recover()} runs at startup before the SMTP server
 * and the queue manager: tmp/ is emptied, a content file without an envelope is deleted
 * (interrupted commit), an envelope whose content is in another queue gets it back
 * (interrupted move), active/ goes back to incoming/, and an unreadable envelope or one
 * without content goes to corrupt/ with a warning. A crash can cause a duplicate delivery
 * (delivered, but the done record not yet written), never a lost message.
 *
 * <h2>RETRIES</h2>
 * As in Postfix, a deferred message waits as long as it has been queued, at least
 * minimal_backoff_time and at most maximal_backoff_time, so the interval doubles per
 * attempt. deferred/ is scanned every queue_run_delay; incoming/ at every wake().
 * Each message holds one of the manager's concurrency permits while it is active.
 * After an attempt, a message older than maximal_queue_lifetime (bounce_queue_lifetime
 * for the null sender) with recipients still deferred is returned to the sender ("status=
 * expired, returned to sender"); delay_warning_time sends one delay notice per message.
 *
 * <h2>NOTIFICATIONS</h2>
 * {@link org.secumail.queue.Bouncer} (bounce(8)) queues one RFC 3464 report
 * ({@link org.secumail.queue.DsnReport}) per message and kind (failure, delay, success),
 * obeying NOTIFY, RET and ENVID; never a bounce for the null sender (a postmaster copy only
 * with notify_classes 2bounce), never a triple bounce. A notification is committed before the
 * recipients it reports are marked done, so a crash repeats it and never loses it.
 *
 * <h2>LOGGING</h2>
 * Logger {@code secumail.qmgr}: {@code QID: from=<sender>, size=N, nrcpt=N (queue active)}
 * and {@code QID: removed}. Logger {@code secumail.TRANSPORT} (e.g. secumail.local):
 * {@code QID: to=<rcpt>, relay=local, delay=1.2, delays=a/b/c/d, dsn=2.0.0, status=sent (text)},
 * with a = before the queue manager, b = in the queue manager, c = connection setup
 * (always 0 here), d = transmission, in Postfix's number format. Logger
 * {@code secumail.postsuper}: recovery actions and corrupt-file warnings.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>queue_directory (default: /var/spool/secumail)</dt><dd>The queue directory;
 * the caller passes it to QueueStore.</dd>
 * <dt>minimal_backoff_time (default: 300s)</dt><dd>The shortest wait before a deferred
 * message is tried again.</dd>
 * <dt>maximal_backoff_time (default: 4000s)</dt><dd>The longest such wait.</dd>
 * <dt>queue_run_delay (default: 300s)</dt><dd>How often deferred/ is scanned.</dd>
 * <dt>maximal_queue_lifetime, bounce_queue_lifetime (default: 5d)</dt><dd>How long a
 * message (a bounce) may stay deferred before it is returned.</dd>
 * <dt>delay_warning_time (default: 0h)</dt><dd>When the sender gets a delay notice; 0: never.</dd>
 * <dt>bounce_size_limit (default: 50000)</dt><dd>A larger original is returned as its header only.</dd>
 * <dt>double_bounce_sender, 2bounce_notice_recipient, bounce_notice_recipient,
 * notify_classes</dt><dd>Postmaster notices, as in Postfix (docs/queue.md).</dd>
 * </dl>
 * {@link org.secumail.queue.QueueManager#fromConfig} reads the last three; the concurrency
 * limit is passed in by the caller.
 *
 * <h2>NOT BUILT YET</h2>
 * Postmaster copies of delay notices and of the resource, software, policy and protocol
 * classes; bounce(5) template files. Per-destination concurrency and
 * recipient limits (default_destination_concurrency_limit, ..._recipient_limit): one
 * global limit for now.
 * cleanup(8)'s header processing (Received:, Message-ID:, Date: insertion) belongs to the
 * caller that writes the content.
 *
 * <h2>SEE ALSO</h2>
 * Postfix qmgr(8), cleanup(8), postsuper(1), QSHAPE_README; RFC 5321 section 6.1
 * (reliable delivery: a 250 reply means the server took responsibility); RFC 3463
 * (enhanced status codes); {@link org.secumail.deliver} for Maildir and mbox files.
 */
package org.secumail.queue;
