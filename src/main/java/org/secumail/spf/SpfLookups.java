// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/**
 * The DNS side of one SPF check: every query goes through here so that it is logged and the
 * limits of RFC 7208 section 4.6.4 are counted (10 DNS-querying terms, 2 void lookups, 10 MX
 * names, 10 PTR names), plus the macro values of the check's identity.
 */
abstract class SpfLookups {
    private final Resolver dns;
    final InetAddress ip;
    final String localPart;
    final String senderDomain;
    final String helo;
    final List<String> queries = new ArrayList<>();
    private int dnsTerms;
    private int voidLookups;
    private List<String> validated;

    SpfLookups(Resolver dns, InetAddress ip, String localPart, String senderDomain, String helo) {
        this.dns = dns;
        this.ip = ip;
        this.localPart = localPart;
        this.senderDomain = senderDomain;
        this.helo = helo;
    }

    abstract String receiver();

    abstract long now();

    /** Counts one DNS-querying term; the eleventh is permerror (section 4.6.4). */
    final void countTerm() throws SpfException {
        if (++dnsTerms > SpfEvaluator.MAX_DNS_TERMS) {
            throw SpfException.perm("more than " + SpfEvaluator.MAX_DNS_TERMS + " DNS lookups");
        }
    }

    /** Counts a lookup that found nothing; the third is permerror (section 4.6.4). */
    private void countVoid() throws SpfException {
        if (++voidLookups > SpfEvaluator.MAX_VOID_LOOKUPS) {
            throw SpfException.perm("more than " + SpfEvaluator.MAX_VOID_LOOKUPS + " void lookups");
        }
    }

    final DnsAnswer<String> txt(String name) {
        return logged("TXT", name, dns.txt(name));
    }

    /** Records the query for SpfResult.queries: "A www.example.com -> OK [192.0.2.80]". */
    private <T> DnsAnswer<T> logged(String type, String name, DnsAnswer<T> answer) {
        StringBuilder line = new StringBuilder(type).append(' ').append(name).append(" -> ").append(answer.status());
        if (!answer.records().isEmpty()) {
            List<String> shown = new ArrayList<>();
            for (T r : answer.records()) {
                shown.add(switch (r) {
                    case InetAddress a -> a.getHostAddress();
                    case MxRecord mx -> mx.preference() + " " + (mx.exchange().isEmpty() ? "." : mx.exchange());
                    default -> String.valueOf(r);
                });
            }
            line.append(' ').append(shown);
        }
        queries.add(line.toString());
        return answer;
    }

    /**
     * A (IPv4 client) or AAAA (IPv6 client) records of {@code name}. A temporary failure is
     * temperror (section 5: "If the server returns "server failure" ... temperror").
     */
    final List<InetAddress> addresses(String name, boolean countVoid) throws SpfException {
        DnsAnswer<InetAddress> answer = ip instanceof Inet4Address
                ? logged("A", name, dns.a(name)) : logged("AAAA", name, dns.aaaa(name));
        if (answer.status().temporary()) throw SpfException.temp("DNS " + answer.status() + " for " + name);
        if (!answer.ok() && countVoid) countVoid();
        return answer.records();
    }

    /** Section 5.4: the MX names of the target; more than 10 is permerror. */
    final List<MxRecord> mxNames(String name) throws SpfException {
        DnsAnswer<MxRecord> answer = logged("MX", name, dns.mx(name));
        if (answer.status().temporary()) throw SpfException.temp("DNS " + answer.status() + " for MX " + name);
        if (!answer.ok()) countVoid();
        if (answer.records().size() > SpfEvaluator.MAX_NAMES) throw SpfException.perm("more than 10 MX names for " + name);
        return answer.records();
    }

    /** Section 5.7: exists always asks for A records. */
    final boolean exists(String name) throws SpfException {
        DnsAnswer<InetAddress> answer = logged("A", name, dns.a(name));
        if (answer.status().temporary()) throw SpfException.temp("DNS " + answer.status() + " for " + name);
        if (!answer.ok()) countVoid();
        return answer.ok();
    }

    /**
     * Section 5.5: the client's PTR names whose own addresses include the client, looking at
     * no more than the first 10 names. DNS errors here only make names not validated.
     */
    final List<String> validatedNames() throws SpfException {
        if (validated != null) return validated;
        DnsAnswer<String> answer = logged("PTR", ip.getHostAddress(), dns.ptr(ip));
        List<String> names = new ArrayList<>();
        if (!answer.ok() && !answer.status().temporary()) countVoid();
        List<String> ptrs = answer.records();
        for (String name : ptrs.subList(0, Math.min(ptrs.size(), SpfEvaluator.MAX_NAMES))) {
            String n = stripDot(name).toLowerCase(Locale.ROOT);
            DnsAnswer<InetAddress> a = ip instanceof Inet4Address ? logged("A", n, dns.a(n)) : logged("AAAA", n, dns.aaaa(n));
            if (a.records().contains(ip)) names.add(n);
        }
        validated = names;
        return names;
    }

    /** The "p" macro (section 7.3): the domain itself, else a subdomain of it, else any validated name. */
    private String pMacro(String domain) throws SpfException {
        List<String> names = validatedNames();
        String d = domain.toLowerCase(Locale.ROOT);
        if (names.contains(d)) return d;
        for (String n : names) if (n.endsWith("." + d)) return n;
        return names.isEmpty() ? "unknown" : names.get(0);
    }

    final MacroExpander.Values values(String domain) {
        return new MacroExpander.Values() {
            @Override public String sender() { return localPart + "@" + senderDomain; }
            @Override public String localPart() { return localPart; }
            @Override public String senderDomain() { return senderDomain; }
            @Override public String domain() { return domain; }
            @Override public InetAddress ip() { return ip; }
            @Override public String helo() { return helo; }
            @Override public String receiver() { return SpfLookups.this.receiver(); }
            @Override public long timestamp() { return now(); }
            @Override public String validatedName() throws SpfException { return pMacro(domain); }
        };
    }

    /**
     * Expands a domain-spec for a query: trailing dot removed, and a name over 253 characters
     * shortened by whole labels from the left (section 7.3).
     */
    final String expandDomain(String spec, String domain) throws SpfException {
        String name = stripDot(MacroExpander.expand(spec, values(domain), false));
        while (name.length() > 253 && name.indexOf('.') >= 0) name = name.substring(name.indexOf('.') + 1);
        return name;
    }

    static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * Section 4.3: a usable domain has at least two labels, none empty and none over 63
     * characters, and is not a domain literal.
     */
    static boolean validDomain(String domain) {
        String d = stripDot(domain);
        if (d.isEmpty() || d.length() > 253 || d.startsWith("[")) return false;
        String[] labels = d.split("\\.", -1);
        if (labels.length < 2) return false;
        for (String label : labels) if (label.isEmpty() || label.length() > 63) return false;
        return true;
    }

    /** True when {@code candidate} is in {@code network}/{@code prefix} of the same family. */
    static boolean inNetwork(InetAddress candidate, InetAddress network, int prefix) {
        byte[] a = candidate.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (a[i] != n[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (n[full] & mask);
    }
}
