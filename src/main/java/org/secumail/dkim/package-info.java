// SPDX-License-Identifier: Apache-2.0
/**
 * DomainKeys Identified Mail: verification and signing.
 *
 * <h2>NAME</h2>
 * org.secumail.dkim - RFC 6376 DKIM verifier and signer (rsa-sha256, ed25519-sha256)
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * DkimVerifier v = new DkimVerifier(resolver, Clock.systemUTC(), 10);
 * for (DkimVerification r : v.verify(rawMessage)) authResults.add(r.toAuthResult());
 *
 * DkimKeys.Loaded k = DkimKeys.load(Path.of("/etc/dkimkeys/sel.private"));
 * HeaderField sig = new DkimSigner(clock).sign(rawMessage,
 *         new DkimKey("example.com", "sel", k.privateKey()), DkimSignOptions.defaults());
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.dkim.DkimVerifier} checks every DKIM-Signature header field of a
 * {@link org.secumail.content.RawMessage} and returns one
 * {@link org.secumail.dkim.DkimVerification} per field, top first: the result (none, pass,
 * fail, neutral, policy, temperror, permerror), d=, s=, i=, a=, whether l= left an unsigned
 * tail, whether the key is in testing mode, the reason, and the steps taken (the key record
 * fetched, the header fields hashed, the body hash compared) for {@code secumail dkim verify}
 * and the transaction trace. It never throws.
 *
 * <p>{@link org.secumail.dkim.DkimSigner} makes one DKIM-Signature field per call; dual
 * signing (RFC 8463 section 4) is two calls over the same message.
 * {@link org.secumail.dkim.DkimKeys} reads, writes and generates keys.
 *
 * <h2>PARAMETERS</h2>
 * <dl>
 * <dt>secumail_dkim_max_signatures (default: 10)</dt><dd>At most this many signatures of a
 *     message are verified, top first. The rest get "policy" with the reason "too many
 *     signatures", without any DNS query, so a message with 1,000 signatures costs ten key
 *     lookups. (OpenDKIM's MaximumSignaturesToVerify, default 3, is the same idea.)</dd>
 * </dl>
 *
 * <h2>WHAT IS FOLLOWED</h2>
 * <dl>
 * <dt>RFC 6376 3.2 Tag lists</dt><dd>Duplicate tags, a tag without "=", a bad name or an
 *     empty tag-spec in the middle make the list invalid: permerror.</dd>
 * <dt>3.4 Canonicalization</dt><dd>simple and relaxed, headers and body, on the raw bytes as
 *     they arrived. A bare LF counts as a line end. A body without a final CRLF gets one.</dd>
 * <dt>3.5 DKIM-Signature</dt><dd>v=1 and a=, b=, bh=, d=, h=, s= are required; d= holds
 *     letters, digits, hyphens and dots only; i= must be in d= or below; h= must name From
 *     (5.4) and lists at most 256 names; q= must allow dns/txt. x= more than
 *     {@value org.secumail.dkim.DkimVerifier#SKEW_SECONDS} seconds in the past gives fail
 *     ("signature expired"); t= in the future is noted in the trace but not held against the
 *     signature (as dkimpy); x= before t= is permerror. l= is honoured: only that much body is
 *     hashed, and a pass over a longer body says so in {@code bodyLengthLimited} and in the
 *     reason. The tail is never trusted.</dd>
 * <dt>3.6 Key records</dt><dd>TXT at SELECTOR._domainkey.DOMAIN. v=DKIM1 first if present;
 *     k=rsa or ed25519; h= must allow sha256; s= must be * or include email; t=y (testing:
 *     result computed, noted), t=s (i= domain must equal d=); empty p= is a revoked key
 *     (permerror); RSA keys as SubjectPublicKeyInfo or bare RSAPublicKey. DNS TIMEOUT or
 *     SERVFAIL is temperror, NXDOMAIN or NODATA permerror ("no key").</dd>
 * <dt>RFC 8301</dt><dd>rsa-sha1 and RSA keys under 1024 bits are permerror.</dd>
 * <dt>RFC 8463</dt><dd>ed25519-sha256: PureEdDSA over the SHA-256 of the header data;
 *     the key record's p= is the raw 32-byte key.</dd>
 * <dt>6.1 Order of work</dt><dd>All signatures are parsed before any DNS; key records are
 *     fetched in parallel on virtual threads while the body is read once for every
 *     (canonicalization, l=) pair needed.</dd>
 * <dt>RFC 8601, RFC 6008</dt><dd>{@link org.secumail.dkim.DkimVerification#toAuthResult()}
 *     writes {@code dkim=pass header.d= header.s= header.i= header.b=} with the first eight
 *     characters of b=.</dd>
 * </dl>
 *
 * <h2>SIGNING</h2>
 * relaxed/relaxed by default; the fields of OpenDKIM's default list that are present are
 * signed, and From, To, Subject, Date, Message-ID and Reply-To once more than present (RFC
 * 6376 section 8.15, oversigning); t= is written, x= and l= only when asked. The field is
 * folded at about 76 columns with b= last, as OpenDKIM writes it. A message without From is
 * refused with an IllegalArgumentException. Key files: PEM PKCS#1 or PKCS#8 RSA, PKCS#8
 * Ed25519, or a base64 32-byte Ed25519 seed; a file readable by group or others gives a
 * warning, an unreadable one an IOException naming the file.
 *
 * <h2>SEE ALSO</h2>
 * org.secumail.arc (ARC, RFC 8617), docs/dkim.md, {@code secumail dkim}.
 */
package org.secumail.dkim;
