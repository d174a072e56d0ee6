// SPDX-License-Identifier: Apache-2.0
/**
 * cleanup - what happens to a message's lines on their way into the queue file (cleanup(8)).
 *
 * <h2>Description</h2>
 * smtpd hands every line of a message, its own Received: header first, to a
 * {@link org.secumail.cleanup.MessageCleanup}, which writes the queue file's content:
 * <ul>
 * <li>Folded header lines are put together into one logical header ("\n" between the lines,
 *     each continuation line with its leading white space) before anything looks at it.</li>
 * <li>header_size_limit (102400): a header keeps its first lines while it is shorter than the
 *     limit, later continuation lines are dropped, and what is written is cut at its last line
 *     break past 90 % of the limit, else at the limit. Nothing is logged, as in Postfix.</li>
 * <li>hopcount_limit (50): every Received: header counts, smtpd's own included; a primary
 *     Received: header reaching the limit makes the message a mail loop, "554 5.4.0 Error: too
 *     many hops", logged "warning: QID: message rejected: hopcount exceeded".</li>
 * <li>A header section that ends in a line that is not a header (no empty line) gets the empty
 *     line, so the body is not read as a broken header.</li>
 * <li>header_checks, mime_header_checks, nested_header_checks and body_checks, the lookup
 *     tables of header_checks(5), usually regexp: or pcre:. The MIME structure
 *     ({@link org.secumail.cleanup.MimeStructure}) decides which table reads a line: the primary
 *     header section's non-MIME headers go to header_checks; MIME headers (Content-Type,
 *     Content-Transfer-Encoding, Content-Disposition, Content-Description, Content-ID,
 *     MIME-Version) anywhere, and every header of a multipart's body part, to
 *     mime_header_checks; the non-MIME headers of an attached message/rfc822 to
 *     nested_header_checks; body lines, MIME boundaries included, to body_checks, the first
 *     body_checks_size_limit (51200) bytes of each part. The first matching rule of the first
 *     table that has one decides.</li>
 * <li>Mail in the local header rewriting context ({@link org.secumail.cleanup.HeaderRewriteClients})
 *     gets the Message-Id:, Date: and From: headers it lacks ({@link org.secumail.cleanup.MissingHeaders}).</li>
 * </ul>
 *
 * <h2>Actions</h2>
 * REJECT [text] (550 5.7.1, "message content rejected" without text; a text starting with a
 * 4.x.x code defers with 451), DISCARD (250, nothing kept), HOLD [text] (the hold queue),
 * REDIRECT user@domain (the only recipient), BCC user@domain (one more recipient, NOTIFY=NEVER),
 * FILTER transport:destination (content_filter for this message), WARN/INFO [text] (a log line),
 * PREPEND text (a header or line before this one), REPLACE text, IGNORE (dropped), STRIP
 * (dropped and logged), PASS (no more checks and no milters), DUNNO and OK. After REJECT,
 * DISCARD, REDIRECT or PASS no further line is checked. An unknown action is logged
 * ("unknown command in header_checks map") and the line kept.
 *
 * <h2>Diagnostics</h2>
 * One line per action, as cleanup(8): "QID: reject: header Subject: text from
 * name[addr]; from=&lt;s&gt; to=&lt;r&gt; proto=ESMTP helo=&lt;h&gt;: 5.7.1 reason" (also warning,
 * info, hold, discard, redirect, bcc, filter, prepend, replace, strip, pass). A table that
 * cannot answer: "QID: header_checks map lookup problem -- message not accepted, try again
 * later", and the client gets "451 4.3.0 Error: queue file write error". With header checks
 * configured, multiparts nested past mime_nesting_limit + 2 levels (Postfix's count) refuse the
 * message, "550 5.6.0 MIME nesting exceeds safety limit".
 *
 * <h2>Configuration parameters</h2>
 * header_checks, mime_header_checks ($header_checks), nested_header_checks ($header_checks),
 * body_checks, body_checks_size_limit (51200), header_size_limit (102400), hopcount_limit (50),
 * mime_nesting_limit (100), mime_boundary_length_limit (2048), local_header_rewrite_clients
 * (permit_inet_interfaces), remote_header_rewrite_domain, always_add_missing_headers (no),
 * undisclosed_recipients_header.
 * receive_override_options = no_header_body_checks turns the tables off; the limits stay.
 *
 * <h2>See also</h2>
 * docs/cleanup.md; Postfix's header_checks(5), cleanup(8), postconf(5).
 */
package org.secumail.cleanup;
