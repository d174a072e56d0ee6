// SPDX-License-Identifier: Apache-2.0
/**
 * NAME
 *     transcript - plain-text SMTP conversations, run against SecuMail and against Postfix
 *
 * DESCRIPTION
 *     A transcript (src/test/resources/transcripts/*.txt, format in README.md there) is one
 *     SMTP session: the lines a client sends and patterns for the replies it must get,
 *     plus the main.cf lines that configure the server for it. {@link
 *     org.secumail.transcript.TranscriptParser} reads one; {@link
 *     org.secumail.transcript.TranscriptRunner} plays it over a plain TCP socket against a
 *     server on host:port and fails with the file, the step's line, the expected pattern,
 *     the actual reply and the conversation so far.
 *
 *     The same transcripts run twice: in-process against SecuMail in mode STRICT (each
 *     reply line must match its glob), and by {@link org.secumail.transcript.DifferentialTest}
 *     against a private Postfix instance (scripts/postfix-instance.sh) with the same main.cf,
 *     in mode CODES (only the reply code and the RFC 3463 enhanced status code are
 *     compared, since wording may differ). Agreement with Postfix on codes is the
 *     project's definition of "imitates Postfix".
 *
 * PARAMETERS READ
 *     None by this package; each transcript's main.cf is the base
 *     (src/test/resources/transcripts/base-main.cf) plus its "@main.cf" lines.
 *
 * ENVIRONMENT
 *     CI    when set, a missing Postfix (or not running as root) fails the
 *           differential test instead of skipping it.
 *
 * STANDARDS
 *     RFC 5321 section 4.2 (reply lines: "NNN-" continuation, "NNN " last line),
 *     RFC 2920 (pipelining: several commands before reading replies),
 *     RFC 3463 (enhanced status codes "class.subject.detail").
 *
 * SEE ALSO
 *     scripts/postfix-instance.sh, scripts/install-test-deps.sh, postfix(1), master(5).
 */
package org.secumail.transcript;
