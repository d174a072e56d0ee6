// SPDX-License-Identifier: Apache-2.0
/**
 * Authenticated Received Chain: validation and sealing.
 *
 * <h2>NAME</h2>
 * org.secumail.arc - RFC 8617 ARC chain validator and sealer
 *
 * <h2>SYNOPSIS</h2>
 * <pre>
 * ArcValidation v = new ArcVerifier(resolver, clock).validate(rawMessage);
 * authResults.add(v.toAuthResult(clientAddress));     // arc=pass smtp.remote-ip=... header.oldest-pass=0
 *
 * List&lt;HeaderField&gt; set = new ArcSealer(clock).seal(rawMessage, key, myhostname,
 *         "arc=" + v.result().keyword() + "; spf=pass smtp.mailfrom=...", v.result(), null);
 * </pre>
 *
 * <h2>DESCRIPTION</h2>
 * {@link org.secumail.arc.ArcVerifier} gives none (no ARC header fields), pass or fail, with
 * the reason, the number of sets and the oldest-pass instance; it never throws.
 * {@link org.secumail.arc.ArcSealer} returns the ARC-Seal, ARC-Message-Signature and
 * ARC-Authentication-Results of the next instance, for a message we forward (alias
 * expansion, mailing lists); the caller prepends them. {@link org.secumail.arc.ArcChain}
 * groups the sets by instance. Signatures, canonicalization, key records and DNS are those
 * of org.secumail.dkim.
 *
 * <h2>WHAT IS FOLLOWED</h2>
 * <dl>
 * <dt>RFC 8617 4.1 Header fields</dt><dd>AAR values start "i=N;"; AMS and AS are tag lists
 *     (duplicates, bad names: fail). The AMS is a DKIM signature with i= the instance and no
 *     v=; its h= may be empty or hold empty names, need not name From, and must not name
 *     ARC-Seal; c= defaults to relaxed/relaxed (as dkimpy). The AS must have i, a, b, cv, d, s
 *     and no h=.</dd>
 * <dt>4.2 Sets</dt><dd>Instances 1..N with exactly one AAR, AMS and AS each; N at most 50;
 *     a value that is not 1..50 is a structural failure.</dd>
 * <dt>5.1 Sealing</dt><dd>AMS: relaxed/relaxed over the chosen fields (default: OpenDKIM's
 *     list and DKIM-Signature, those present); its header selection sees the new AAR. AS:
 *     relaxed, over all sets 1..N+1 in order (AAR, AMS, AS), or over the new set only when
 *     cv=fail (as dkimpy). A chain whose newest seal says cv=fail gets no new set. Tags are
 *     written in alphabetical order with b= unfolded on its own line, which reproduces the
 *     ValiMail suite's expected seals exactly.</dd>
 * <dt>5.2 Validation</dt><dd>Structure; the newest cv=fail ends it (fail); cv=none for i=1
 *     and pass for the rest; the newest AMS; every AS, newest first; older AMSs for
 *     oldest-pass. DNS failures give fail (ARC has no temperror).</dd>
 * <dt>Algorithms</dt><dd>rsa-sha256, and ed25519-sha256 as Stalwart seals it, although RFC
 *     8617 names only rsa-sha256: see docs/dkim.md.</dd>
 * </dl>
 *
 * <h2>SEE ALSO</h2>
 * org.secumail.dkim, docs/dkim.md.
 */
package org.secumail.arc;
