// SPDX-License-Identifier: Apache-2.0
/**
 * content - the checks of a message's content at end of DATA.
 *
 * <h2>SYNOPSIS</h2>
 * smtpd, after smtpd_end_of_data_restrictions and before "250 2.0.0 Ok: queued as QID":
 * <pre>
 *   RawMessage msg = RawMessage.of(queueFile);             // header fields as they arrived, body as a stream
 *   ContentOutcome out = contentChecks.run(ctx, msg, spf);  // every check, merged
 *   // REJECT/TEMPFAIL: the reply; QUARANTINE: hold (or a folder); DISCARD; ACCEPT
 *   writer.replaceHead(out.message().headerBytes(), out.message().sourceHeaderEnd());
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * A {@link org.secumail.content.ContentCheck} looks at the message and returns a
 * {@link org.secumail.content.ContentResult}: a verdict, Authentication-Results entries
 * ({@link org.secumail.content.AuthResult}), headers to add and a trace; it never writes to
 * the client or the message. {@link org.secumail.content.ContentChecks} runs the checks of a
 * phase at once on virtual threads under one deadline, later phases seeing earlier results
 * (DMARC reads DKIM's and SPF's), and merges them: reject &gt; tempfail &gt; quarantine &gt;
 * discard &gt; accept. For a kept message it builds the final header section: one
 * Authentication-Results header with our authserv-id on top, the checks' headers, forged
 * Authentication-Results with our authserv-id removed (RFC 8601 section 5); then each
 * {@link org.secumail.content.MessageSigner} (DKIM) signs it.
 *
 * <p>Checks in this release, in merge order: SPF for DMARC (spf), DKIM verification (dkim),
 * ARC validation (arc), DMARC (dmarc), antivirus. DKIM signing is the one signer.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>secumail_authserv_id ($myhostname)</dt><dd>The authserv-id of our Authentication-Results
 * header, and the id whose forgeries are removed.</dd>
 * <dt>secumail_content_check_timeout (60s)</dt><dd>The time all checks of one message may take;
 * a check past it, or one that fails, gives 451 4.7.1.</dd>
 * </dl>
 * The checks' own parameters: docs/dkim.md, docs/dmarc.md, docs/antivirus.md.
 *
 * <h2>LIMITS</h2>
 * At most {@link org.secumail.content.RawMessage#MAX_HEADER_BYTES} bytes and
 * {@link org.secumail.content.RawMessage#MAX_HEADER_FIELDS} fields are parsed as the header
 * section; the rest is kept byte for byte as body. The body is never held in memory.
 *
 * <h2>SEE ALSO</h2>
 * RFC 8601 (Authentication-Results), RFC 6376 (DKIM), RFC 7489 (DMARC), RFC 8617 (ARC);
 * docs/content.md; ARCHITECTURE.md "Content checks at end of data".
 */
package org.secumail.content;
