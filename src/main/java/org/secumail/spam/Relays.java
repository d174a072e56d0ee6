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
    /** Which relays are trusted and which are internal; given the relay's IP address. */
    record Trust(Predicate<InetAddress> trusted, Predicate<InetAddress> internal) {
        /** SpamAssassin's inference when trusted_networks is not set: private and loopback addresses. */
        static final Trust INFERRED = new Trust(Relays::privateAddress, Relays::privateAddress);
    }

    record Relay(String ip, String rdns, String helo, String by, String id, String auth, boolean unparsed, String envfrom) {
        String text(boolean internal) {
            return "[ ip=" + ip + " rdns=" + rdns + " helo=" + helo + " by=" + by + " ident= envfrom=" + envfrom + " intl=" + (internal ? 1 : 0)
                    + " id=" + id + " auth=" + auth + " msa=0 ]";
        }
    }

    private static final Pattern IP = Pattern.compile("\\[(?:IPv6:)?([0-9a-fA-F:.]+)\\]|\\((?:[^()\\s]*\\s)?\\[?(\\d{1,3}(?:\\.\\d{1,3}){3})\\]?\\)");
    private static final Pattern FROM = Pattern.compile("(?is)^\\s*from\\s+(\\S+)\\s*(?:\\(([^)]*)\\))?");
    private static final Pattern BY = Pattern.compile("(?is)\\bby\\s+([\\w.-]+)");
    private static final Pattern ID = Pattern.compile("(?is)\\bid\\s+<?([\\w.@-]+)");
    private static final Pattern HELO = Pattern.compile("(?i)\\(?helo[= ]([^)\\s]+)\\)?");
    /** sendmail's "(envelope-from x@y)", Exim's "envelope-from <x@y>": the sender this relay was given. */
    private static final Pattern ENVFROM = Pattern.compile("(?i)\\(?envelope-from\\s+<?([^>)\\s]*@[^>)\\s]+)>?");
    private static final Pattern AUTH = Pattern.compile("(?i)with\\s+(E?SMTPS?A)\\b|\\(Authenticated sender:");

    final List<Relay> trusted = new ArrayList<>();
    final List<Relay> untrusted = new ArrayList<>();
    final List<Relay> internal = new ArrayList<>();
    final List<Relay> external = new ArrayList<>();
    int unparseable;

    static Relays parse(List<HeaderField> received, Trust trust) {
        Relays r = new Relays();
        boolean stillTrusted = true;
        boolean stillInternal = true;
        for (HeaderField h : received) {
            Relay relay = parseOne(MessageView.decoded(h));
            if (relay == null) continue; // local delivery lines ("from userid 1000 by ..."): no relay
            if (relay.unparsed()) { r.unparseable++; continue; }
            InetAddress a = address(relay.ip());
            stillTrusted &= a != null && trust.trusted().test(a);
            stillInternal &= a != null && trust.internal().test(a);
            (stillTrusted ? r.trusted : r.untrusted).add(relay);
            (stillInternal ? r.internal : r.external).add(relay);
        }
        return r;
    }

    static Relay parseOne(String v) {
        // fetchmail's and local pick-up lines record no SMTP relay (SpamAssassin skips them too)
        if (v.matches("(?s).*\\bby localhost with \\w+ \\(fetchmail-.*") || v.matches("(?s).*qmail \\d+ invoked by uid \\d+.*")) return null;
        Matcher f = FROM.matcher(v);
        if (!f.find()) return null;
        String helo = f.group(1);
        String paren = f.group(2) == null ? "" : f.group(2);
        String ip = null;
        Matcher m = IP.matcher(v.substring(0, Math.min(v.length(), indexOfBy(v))));
        if (m.find()) ip = m.group(1) != null ? m.group(1) : m.group(2);
        // no address: a local hand-over ("from userid 1000", "from rick by host with local"), no relay;
        // but a line that names a remote host in parentheses without an address is one we cannot read
        if (ip == null) return paren.isBlank() || paren.contains("@localhost") || paren.startsWith("from ") ? null : new Relay("", "", "", "", "", "", true, "");
        String rdns = "";
        int b = paren.indexOf('[');
        if (b > 0) rdns = paren.substring(0, b).strip().replaceFirst("^IDENT:[^@\\s]*@", "").replaceFirst("^[^@\\s]*@", "");
        if (rdns.equalsIgnoreCase("unknown") || rdns.contains(" ")) rdns = "";
        Matcher hm = HELO.matcher(paren);
        if (hm.find()) helo = hm.group(1);
        if (helo.startsWith("[") || helo.equalsIgnoreCase("unknown")) helo = helo.equalsIgnoreCase("unknown") ? "" : helo;
        Matcher by = BY.matcher(v);
        Matcher id = ID.matcher(v);
        Matcher au = AUTH.matcher(v);
        Matcher ef = ENVFROM.matcher(v);
        return new Relay(ip, rdns.toLowerCase(Locale.ROOT), helo, by.find() ? by.group(1) : "", id.find() ? id.group(1) : "",
                au.find() ? (au.group(1) != null ? au.group(1) : "Authenticated") : "", false, ef.find() ? ef.group(1) : "");
    }

    private static int indexOfBy(String v) {
        Matcher m = Pattern.compile("(?i)\\sby\\s").matcher(v);
        return m.find() ? m.start() : v.length();
    }

    static InetAddress address(String ip) {
        if (ip == null || ip.isEmpty() || !ip.matches("[0-9a-fA-F:.]+")) return null;
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
