// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.time.Duration;
import java.util.List;

/**
 * How to sign. {@link #defaults()} is what OpenDKIM does out of the box plus oversigning:
 * relaxed/relaxed, OpenDKIM's list of fields to sign (those present), From, To, Subject,
 * Date, Message-ID and Reply-To signed once more than present (RFC 6376 section 8.15), t=
 * written, no x=, no l=.
 *
 * @param headerCanon  c= header part
 * @param bodyCanon    c= body part
 * @param signHeaders  names of fields to sign when present (each instance), in lower case
 * @param oversign     names added to h= once more than present
 * @param timestamp    write t=
 * @param expiry       write x= = t + expiry, or null for none
 * @param bodyLength   write l= (the canonical body length): not recommended (section 8.2)
 * @param identity     i=, or null for none
 */
public record DkimSignOptions(Canonicalization headerCanon, Canonicalization bodyCanon, List<String> signHeaders,
                              List<String> oversign, boolean timestamp, Duration expiry, boolean bodyLength, String identity) {
    /** OpenDKIM's dkim_should_signhdrs (libopendkim/dkim.c), which is RFC 6376 section 5.4.1's list. */
    public static final List<String> OPENDKIM_SIGN_HEADERS = List.of("from", "sender", "reply-to", "subject", "date",
            "message-id", "to", "cc", "mime-version", "content-type", "content-transfer-encoding", "content-id",
            "content-description", "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc",
            "resent-message-id", "in-reply-to", "references", "list-id", "list-help", "list-unsubscribe",
            "list-subscribe", "list-post", "list-owner", "list-archive");
    public static final List<String> DEFAULT_OVERSIGN = List.of("from", "to", "subject", "date", "message-id", "reply-to");

    public DkimSignOptions {
        signHeaders = List.copyOf(signHeaders);
        oversign = List.copyOf(oversign);
    }

    public static DkimSignOptions defaults() {
        return new DkimSignOptions(Canonicalization.RELAXED, Canonicalization.RELAXED, OPENDKIM_SIGN_HEADERS, DEFAULT_OVERSIGN,
                true, null, false, null);
    }

    public DkimSignOptions withCanon(Canonicalization header, Canonicalization body) {
        return new DkimSignOptions(header, body, signHeaders, oversign, timestamp, expiry, bodyLength, identity);
    }

    public DkimSignOptions withBodyLength(boolean on) {
        return new DkimSignOptions(headerCanon, bodyCanon, signHeaders, oversign, timestamp, expiry, on, identity);
    }

    public DkimSignOptions withExpiry(Duration d) {
        return new DkimSignOptions(headerCanon, bodyCanon, signHeaders, oversign, timestamp, d, bodyLength, identity);
    }

    public DkimSignOptions withOversign(List<String> names) {
        return new DkimSignOptions(headerCanon, bodyCanon, signHeaders, names, timestamp, expiry, bodyLength, identity);
    }
}
