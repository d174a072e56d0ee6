// SPDX-License-Identifier: Apache-2.0
/**
 * NAME
 * <br>table - Postfix lookup tables and match lists
 *
 * <p>SYNOPSIS
 * <pre>
 * LookupTable t = Tables.open("hash:/etc/postfix/access", configDir);
 * AccessKeys.find(t, AccessKeys.forEmail(sender, recipientDelimiter, true));
 * DomainMatchList.of(config.list("relay_domains"), true, configDir).matches(domain);
 * NetworkMatchList.of(config.list("mynetworks"), configDir).matches(addr, verifiedName);
 * </pre>
 *
 * <p>DESCRIPTION
 * <br>{@link org.secumail.table.Tables} opens lookup tables named "type:name" as in main.cf.
 * Relative file names are taken relative to the configuration directory. Each table is read
 * once and shared; a malformed table stops startup with an error that names the file and
 * line. Supported types:
 * <dl>
 * <dt>texthash:/file</dt><dd>postmap(1) input format: "key whitespace value", '#' comments,
 * continuation lines that start with whitespace. Keys and lookups are case-insensitive.</dd>
 * <dt>hash:, btree:, lmdb:, dbm:, sdbm:, cdb:</dt><dd>Postfix builds these from a text file
 * with postmap(1) or postalias(1); SecuMail reads that text file itself (and says so once in
 * the log), so hash:/etc/postfix/access and hash:/etc/aliases work unchanged. Changes take
 * effect when the tables are opened again (reload), without running postmap. With the
 * alias-format option the file is in aliases(5) syntax.</dd>
 * <dt>inline:{ key=value, { key = value } }</dt><dd>A table written in main.cf (Postfix 3.0).</dd>
 * <dt>static:value, static:{ value }</dt><dd>Every lookup returns the value.</dd>
 * <dt>cidr:/file</dt><dd>cidr_table(5): networks, first match wins, if/endif blocks.</dd>
 * <dt>regexp:/file, pcre:/file</dt><dd>regexp_table(5), pcre_table(5), compiled with
 * java.util.regex; also the inline forms regexp:{ {/re/ result}, ... } and cidr:{...}.</dd>
 * <dt>unix:passwd.byname, unix:group.byname</dt><dd>The system user and group files.</dd>
 * <dt>fail:name</dt><dd>Every lookup fails temporarily.</dd>
 * </dl>
 * A "proxy:" prefix is ignored: tables are always read in-process.
 *
 * <p>{@link org.secumail.table.AccessKeys} builds the candidate keys of access(5):
 * user+ext@domain, user@domain, domain, parent domains, user+ext@, user@; host names with
 * their parent domains; client addresses with their shorter network prefixes. cidr, regexp
 * and pcre tables are asked only with the full key.
 *
 * <p>{@link org.secumail.table.DomainMatchList} and {@link org.secumail.table.NetworkMatchList}
 * implement Postfix match lists: patterns are tried in order and the first that matches
 * decides; "!pattern" matching means no; "/file/name" is replaced by the file's patterns.
 *
 * <p>CONFIGURATION PARAMETERS
 * <br>The classes here read no parameters themselves; callers pass in:
 * <dl>
 * <dt>parent_domain_matches_subdomains (default: debug_peer_list, fast_flush_domains,
 * mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains,
 * smtpd_access_maps)</dt><dd>Whether "example.com" matches subdomains in a given feature
 * (otherwise ".example.com" does).</dd>
 * <dt>recipient_delimiter (default: empty)</dt><dd>Address extension delimiters for
 * {@link org.secumail.table.AccessKeys#forEmail}.</dd>
 * <dt>smtpd_null_access_lookup_key (default: &lt;&gt;)</dt><dd>The key for the null sender.</dd>
 * </dl>
 *
 * <p>DIFFERENCES FROM POSTFIX
 * <br>Tables are read from their text source, never from .db/.lmdb/.cdb files. A malformed
 * table line is a startup error, where Postfix logs a warning and skips the line. regexp
 * tables use java.util.regex, not POSIX regcomp(3): patterns are leftmost-first rather than
 * leftmost-longest, POSIX basic syntax (option x) is refused, [[:class:]] is translated; pcre
 * options E and U are refused. Network and numeric patterns are never resolved via DNS.
 *
 * <p>SEE ALSO
 * <br>postmap(1), postalias(1), aliases(5), access(5), cidr_table(5), regexp_table(5),
 * pcre_table(5), postconf(5) (mydestination, relay_domains, mynetworks, inline, static),
 * DATABASE_README.
 */
package org.secumail.table;
