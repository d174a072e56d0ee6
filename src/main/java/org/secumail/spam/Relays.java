// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.HeaderField;

/**
 * The relay chain read from the Received: fields, newest first, split as SpamAssassin splits
 * it (Mail::SpamAssassin::Message::Metadata::Received): trusted relays (in trusted_networks,
 * or private and loopback addresses at the top of the chain when none is configured),
 * then the untrusted ones; "external" are those outside internal_networks (the same as
 * untrusted when internal_networks is not set). The pseudo-headers X-Spam-Relays-Trusted,
 * -Untrusted, -Internal and -External give the chains in SpamAssassin's text form.
 */
final class Relays {
    private static final Pattern IP_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
    /**
     * Which relays are trusted and which are internal, given the relay's IP address; inferred
     * is SpamAssassin's guess when neither trusted_networks nor internal_networks is set.
     * originating lists the fields (originating_ip_headers) whose address is the message's
     * first client, as a webmail front end records it.
     */
    record Trust(Predicate<InetAddress> trusted, Predicate<InetAddress> internal, boolean inferred, List<String> originating) {
        /** SpamAssassin's defaults (10_default_prefs.cf). */
        static final List<String> DEFAULT_ORIGINATING = List.of("X-Yahoo-Post-IP", "X-Originating-IP", "X-Apparently-From", "X-SenderIP",
                "X-AOL-IP", "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp");
        /** SpamAssassin's inference when no network is configured: private and loopback addresses, and authenticated clients. */
        static final Trust INFERRED = new Trust(Relays::privateAddress, Relays::privateAddress, true, DEFAULT_ORIGINATING);
    }

    /** A handover; noReverseDns: the MTA looks clients up and recorded no name, so the client has none. */
    record Relay(String ip, String rdns, String helo, String by, String id, String auth, String ident, String envfrom, boolean noReverseDns) {
        String text(boolean internal) {
            return "[ ip=" + ip + " rdns=" + rdns + " helo=" + helo + " by=" + by + " ident=" + ident + " envfrom=" + envfrom
                    + " intl=" + (internal ? 1 : 0) + " id=" + id + " auth=" + auth + " msa=0 ]";
        }
    }

    private static final Pattern ORIGINATING_IP = Pattern.compile(ReceivedLine.IP);
    static final int MAX_RECEIVED_LENGTH = 4096;

    final List<Relay> trusted = new ArrayList<>();
    final List<Relay> untrusted = new ArrayList<>();
    final List<Relay> internal = new ArrayList<>();
    final List<Relay> external = new ArrayList<>();
    int unparseable;
    /**
     * How many Received: fields, from the top, the trusted (internal) part of the chain spans,
     * minus one, lines that name no relay included: where the ALL-TRUSTED and ALL-UNTRUSTED
     * (ALL-INTERNAL, ALL-EXTERNAL) pseudo-headers split the header.
     */
    int lastTrustedIndex = -1;
    int lastInternalIndex = -1;

    /**
     * The chain from the Received: fields (newest first) and the originating-IP fields, as
     * SpamAssassin's parse_received_headers builds it: relays stay trusted while each is in
     * trusted_networks or authenticated (or, with no networks configured, has a private
     * address or authenticated); the first that is not, and all before it, are untrusted.
     * A mail-fetcher handover (POP3, IMAP) inside the trusted part starts the chain again.
     */
    static Relays parse(List<HeaderField> received, List<HeaderField> originating, Trust trust) {
        Relays r = new Relays();
        List<String> lines = new ArrayList<>();
        // real Received: fields are a few hundred octets; a crafted one of a megabyte would make
        // each of the layouts' patterns read all of it, so only the start of each is read
        for (HeaderField h : received) {
            String d = MessageView.decoded(h);
            lines.add(d.length() > MAX_RECEIVED_LENGTH ? d.substring(0, MAX_RECEIVED_LENGTH) : d);
        }
        for (HeaderField h : originating) {
            Matcher m = ORIGINATING_IP.matcher(MessageView.decoded(h));
            if (m.find()) lines.add("from X-Originating-IP: " + m.group());
        }
        boolean inTrusted = true;
        boolean inInternal = true;
        boolean fetchMarkersAllowed = true;
        String carried = null;
        for (String line : lines) {
            ReceivedLine.Parsed p = ReceivedLine.parse(line);
            String carry = carried;
            carried = null;
            if (p.kind() != ReceivedLine.Kind.RELAY) {
                if (inTrusted) r.lastTrustedIndex++;
                if (inInternal) r.lastInternalIndex++;
            }
            switch (p.kind()) {
                case UNPARSEABLE -> { r.unparseable++; continue; }
                case IGNORED -> { carried = p.carriedEnvfrom(); continue; }
                case FETCHED -> {
                    if (fetchMarkersAllowed) { r.trusted.clear(); r.internal.clear(); r.external.clear(); }
                    continue;
                }
                default -> { }
            }
            Relay relay = p.relay();
            if (carry != null) relay = new Relay(relay.ip(), relay.rdns(), relay.helo(), relay.by(), relay.id(), relay.auth(), relay.ident(), carry, relay.noReverseDns());
            InetAddress a = address(relay.ip());
            boolean auth = !relay.auth().isEmpty();
            if (inTrusted) {
                if (trust.inferred()) {
                    if (!(auth || a != null && privateAddress(a))) { inTrusted = false; inInternal = false; }
                } else if (!auth && (a == null || !trust.trusted().test(a))) {
                    inTrusted = false;
                    inInternal = false;
                } else if (inInternal && !auth && (a == null || !trust.internal().test(a))) {
                    inInternal = false;
                }
            }
            (inTrusted ? r.trusted : r.untrusted).add(relay);
            fetchMarkersAllowed = inTrusted;
            (inInternal ? r.internal : r.external).add(relay);
            if (inTrusted) r.lastTrustedIndex++;
            if (inInternal) r.lastInternalIndex++;
        }
        return r;
    }

    static InetAddress address(String ip) {
        if (ip == null || ip.isEmpty() || !IP_CHARS.matcher(ip).matches()) return null;
        try {
            return InetAddress.getByName(ip); // a literal: never a DNS lookup
        } catch (Exception e) {
            return null;
        }
    }

    static boolean privateAddress(InetAddress a) {
        return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                || a.getAddress().length == 16 && (a.getAddress()[0] & 0xfe) == 0xfc;
    }

    /** "trusted", "untrusted", "internal" or "external": that chain as text, or "" when empty. */
    String pseudoHeader(String which) {
        List<Relay> l = switch (which) {
            case "trusted" -> trusted;
            case "untrusted" -> untrusted;
            case "internal" -> internal;
            case "external" -> external;
            default -> List.of();
        };
        StringBuilder sb = new StringBuilder();
        for (Relay r : l) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(r.text(internal.contains(r)));
        }
        return sb.toString();
    }

    /**
     * The envelope sender recorded by the relay that handed the message to our network (the
     * last untrusted, or else the first trusted), as SpamAssassin's get_envelope_from; "" when
     * that relay recorded none.
     */
    String lastHopEnvelopeFrom() {
        Relay hop = !untrusted.isEmpty() ? untrusted.get(0) : !trusted.isEmpty() ? trusted.get(trusted.size() - 1) : null;
        return hop == null ? "" : hop.envfrom();
    }

    /** The first untrusted relay: the client that handed the message to our trusted chain. */
    Relay lastExternal() { return external.isEmpty() ? null : external.get(0); }
}
