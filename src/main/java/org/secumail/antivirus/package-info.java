// SPDX-License-Identifier: Apache-2.0
/**
 * Virus scanning and banned attachments at end of DATA.
 *
 * <h2>NAME</h2>
 * org.secumail.antivirus - clamd client, built-in ClamAV-signature scanner, attachment policy,
 * clamd protocol server
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * Optional&lt;AntivirusCheck&gt; av = AntivirusCheck.fromConfig(mainConfig);   // empty when scanner = none
 * ContentResult r = av.get().check(contentContext, rawMessage);            // phase 0, may block
 *
 * secumail scan [-c DIR] [-d DBDIR] [--clamd ENDPOINT] [--mail] [-q] FILE...
 * secumail clamd [-c DIR] [-d DBDIR] [--listen unix:/path|inet:host:port]...
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.antivirus.AntivirusCheck} is a {@link org.secumail.content.ContentCheck}:
 * it scans the whole message before the 250, so an infected message is refused while the
 * client is connected (ClamSMTP scans after the queue and must bounce or drop). Verdicts:
 * <ul>
 * <li>infected: {@code 554 5.7.1 Message rejected: infected (NAME)}; a banned attachment:
 *     {@code 554 5.7.1 Message rejected: banned attachment (PART: Banned.Kind)}; or discard,
 *     or quarantine (the hold queue, releasable with {@code secumail queue release});</li>
 * <li>scanner unreachable, timed out or erroring: {@code 451 4.7.1}, never a silent accept,
 *     unless secumail_antivirus_error_action = accept (then the header says "not scanned");</li>
 * <li>clean: {@code X-Virus-Scanned: ClamAV using SecuMail at HOST; clean}.</li>
 * </ul>
 * One log line per scan (logger secumail.antivirus):
 * {@code QID: antivirus: clean|infected (NAME)|error (REASON)[, part=WHERE][, truncated], scanner=NAME, N ms}.
 *
 * <p>Scanners ({@link org.secumail.antivirus.Scanner}): {@link org.secumail.antivirus.ClamdClient}
 * (INSTREAM over a unix or TCP socket, endpoints in order) and
 * {@link org.secumail.antivirus.BuiltinScanner} (ClamAV's .hdb/.hsb/.mdb/.msb/.ndb/.ldb/.fp/.ign2/.cvd/.cld,
 * MIME parts, uuencode, zip/7z/tar/cpio/gzip/bzip2/xz, bounded by clamd.conf's limits).
 * {@link org.secumail.antivirus.AttachmentPolicy} bans by name, double extension, real type and
 * macros, inside archives too; with clamd it runs in a signature-less built-in walk after
 * clamd's clean verdict. {@link org.secumail.antivirus.ClamdServer} serves the clamd protocol.
 *
 * <h2>STREAM LIMIT RULE</h2>
 * clamd refuses an INSTREAM longer than its StreamMaxLength. The client never sends more: by
 * default (secumail_antivirus_oversize_action = truncate) it scans the first StreamMaxLength
 * bytes and marks the result ("clean, truncated" in the header and the log). clamd does the
 * same with a file over MaxScanSize, and rspamd skips large messages; a 451 instead
 * (tempfail) would be retried by the sender until its queue lifetime ends, then bounced.
 *
 * <h2>CONFIGURATION PARAMETERS</h2>
 * <dl>
 * <dt>secumail_antivirus_scanner (none)</dt><dd>none, clamd or builtin.</dd>
 * <dt>secumail_antivirus_infected_action (reject)</dt><dd>reject, discard or quarantine.</dd>
 * <dt>secumail_antivirus_error_action (tempfail)</dt><dd>tempfail or accept.</dd>
 * <dt>secumail_antivirus_oversize_action (truncate)</dt><dd>truncate, tempfail or accept
 *     (accept: not scanned at all).</dd>
 * <dt>secumail_antivirus_scanned_header (yes)</dt><dd>add X-Virus-Scanned to scanned mail.</dd>
 * <dt>secumail_clamd_servers (empty)</dt><dd>unix:/path, /path, inet:host:port, host:port,
 *     tried in order; empty: the sockets of secumail_clamd_conf.</dd>
 * <dt>secumail_clamd_conf (/etc/clamav/clamd.conf)</dt><dd>LocalSocket, TCPSocket, TCPAddr,
 *     StreamMaxLength are read from it when it exists.</dd>
 * <dt>secumail_clamd_connect_timeout (5s), secumail_clamd_timeout (60s)</dt><dd>per endpoint:
 *     the connect, then the whole exchange.</dd>
 * <dt>secumail_clamd_stream_max_length (empty)</dt><dd>empty: clamd.conf's StreamMaxLength,
 *     else 100M; K and M suffixes as in clamd.conf.</dd>
 * <dt>secumail_antivirus_database_directory (/var/lib/clamav)</dt><dd>where freshclam puts
 *     ClamAV's databases; read by the built-in scanner.</dd>
 * <dt>secumail_antivirus_max_recursion (17), _max_files (10000), _max_file_size (25M),
 *     _max_scan_size (100M), _max_ratio (100)</dt><dd>the built-in scanner's limits
 *     (clamd.conf MaxRecursion, MaxFiles, MaxFileSize, MaxScanSize; the ratio is SecuMail's).</dd>
 * <dt>secumail_antivirus_alert_exceeds_max (yes), secumail_antivirus_alert_encrypted (yes)</dt>
 *     <dd>a limit reached or an encrypted member counts as a detection
 *     (Heuristics.Limits.Exceeded.*, Heuristics.Encrypted.Zip/7Zip), as clamd's AlertExceedsMax
 *     and AlertEncrypted.</dd>
 * <dt>secumail_attachment_policy (yes), secumail_attachment_policy_file (empty)</dt><dd>the
 *     attachment policy and its file; empty: {@link org.secumail.antivirus.AttachmentPolicy#DEFAULT}.</dd>
 * </dl>
 *
 * <h2>STANDARDS AND REFERENCES</h2>
 * clamd(8) and clamd.conf(5) (ClamAV 1.4); ClamAV's signatures.md ("Hash-based signatures",
 * "Extended signature format", "Signature ignore lists", "CVD format"); RFC 2045-2049 (MIME,
 * through Apache James mime4j); RFC 5321 section 4.2.5 (refusing at end of DATA); RFC 3463
 * (5.7.1, 4.7.1); amavis's banned_filename rules (double extension).
 *
 * <h2>NOT SUPPORTED</h2>
 * .ldb signatures with PCRE, byte-compare or macro sub-signatures or modifiers;
 * .cdb/.idb/.wdb/.pdb/.ftm, bytecode and
 * YARA (counted at load and logged); body signatures of target types other than 0, 1, 4, 6 and
 * PE-relative offsets; RAR, ARJ, CAB, CHM, OLE2, PDF, TNEF and packed executables (ClamAV's own C
 * unpackers); the clamd container's digital signature is not checked.
 *
 * <h2>SEE ALSO</h2>
 * docs/antivirus.md; org.secumail.content (the check's contract).
 */
package org.secumail.antivirus;
