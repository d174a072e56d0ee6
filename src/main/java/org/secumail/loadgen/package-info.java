// SPDX-License-Identifier: Apache-2.0
/**
 * LOADGEN - SMTP load generator for loopback benchmarks.
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * secumail loadgen [--host 127.0.0.1] [--port 2525] [-m messages] [-c sessions]
 *         [-s size] [--recipients n] [--from addr] [--to pattern] [--users n]
 *         [--helo name] [--per-session k] [--xclient-addr addr]
 *         [--maildir dir | --maildir-glob pattern] [--wait-timeout s]
 *         [--timeout s] [--json]
 * secumail loadgen --idle n [--hold s] [-c parallel-connects] [--host ...] [--port ...]
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * A test tool in the manner of Postfix's smtp-source(1). {@link org.secumail.loadgen.LoadGenerator}
 * runs C worker virtual threads with plain blocking sockets; each worker opens an SMTP
 * session, reads the 220 greeting, sends EHLO (HELO when EHLO is refused with 5xx), and then
 * for each of up to K messages: MAIL FROM, one RCPT TO per recipient, DATA, the dot-stuffed
 * content (RFC 5321 section 4.5.2) and ".", and finally QUIT. Consecutive transactions in a
 * session follow each other without RSET; RSET is sent only to clear a rejected transaction.
 * Commands are sent in lock step, one at a time (no PIPELINING, RFC 2920).
 * <p>
 * Messages ({@link org.secumail.loadgen.MessageComposer}) carry From, To, Subject (with the
 * message counter), Date and Message-ID headers (RFC 5322) and a body of printable US-ASCII
 * lines of at most 78 characters, padded to exactly the requested size; some body lines begin
 * with "." so that dot-stuffing is exercised on every run.
 * <p>
 * The run counts messages accepted (250 after "."), rejected (a 4xx/5xx reply at any step,
 * tallied by command and code) and lost to I/O errors, measures each accepted message's
 * latency from sending MAIL FROM to receiving the 250 after ".", and reports p50, p90, p99 and
 * maximum latency and messages per second over the wall time from the first connect to the
 * last reply ({@link org.secumail.loadgen.LoadReport}). With a Maildir option it then waits until
 * as many new files as there were distinct accepted recipients appear in the new/ directories
 * ({@link org.secumail.loadgen.MaildirCounter}) and reports delivered messages per second,
 * measured from the first connect.
 * <p>
 * Idle mode opens N connections, reads each greeting, holds them silent for the hold time,
 * then sends QUIT on each and counts the 221 replies: a measure of memory per idle client.
 *
 * <h2>SECURITY</h2>
 * Only loopback targets are allowed: 127.0.0.0/8, ::1 or the name "localhost"
 * ({@link org.secumail.loadgen.LoopbackGuard}); other names are refused without a DNS lookup.
 * Every loop is bounded by a count and by the run timeout; each socket read is bounded by the
 * time left, reply lines by 4096 bytes and replies by 1000 lines.
 *
 * <h2>PARAMETERS</h2>
 * Command-line options, not main.cf parameters (defaults in parentheses): --host (127.0.0.1),
 * --port (2525), --messages (100), --concurrency (10), --size (5000), --recipients (1),
 * --from (loadgen@example.test), --to (user%d@example.test; %d becomes 1 + counter mod
 * --users), --users (5), --helo (loadgen.example.test), --per-session (1), --idle (0),
 * --hold (20 s), --wait-timeout (120 s), --timeout (300 s).
 *
 * <h2>SEE ALSO</h2>
 * smtp-source(1), smtp-sink(1) of Postfix; RFC 5321 (SMTP); RFC 5322 (message format);
 * Postfix XCLIENT_README; bench/smtp-throughput.sh, which drives this tool against SecuMail
 * and a private Postfix instance.
 */
package org.secumail.loadgen;
