// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/**
 * Fuzzing bridge for the SPF parser and macro expander (package-private), and for a whole
 * check_host() over DNS answers made of the fuzzed text: each line is the TXT answer of
 * one name, so includes, redirects and explanations reach fuzzed records too.
 */
public final class SpfFuzzEntry {
    private SpfFuzzEntry() { }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);   // a literal: no DNS query
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final MacroExpander.Values VALUES = new MacroExpander.Values() {
        public String sender() { return "strong-bad@email.example.com"; }
        public String localPart() { return "strong-bad"; }
        public String senderDomain() { return "email.example.com"; }
        public String domain() { return "email.example.com"; }
        public InetAddress ip() { return SpfFuzzEntry.ip("192.0.2.3"); }
        public String helo() { return "mx.example.org"; }
        public String receiver() { return "receiver.example"; }
        public long timestamp() { return 1_700_000_000L; }
        public String validatedName() { return "mx.example.org"; }
    };

    /** Parses the record; SpfException is the parser's refusal. */
    public static void record(String txt) {
        if (!SpfRecord.isSpf1(txt)) return;
        try {
            SpfRecord r = SpfRecord.parse(txt);
            r.directives().forEach(d -> d.toString());
        } catch (SpfException e) {
            // a permerror: the documented outcome for a malformed record
        }
    }

    /** Validates and expands the text as a domain-spec and as an explanation. */
    public static void macros(String s) {
        for (boolean exp : new boolean[] {false, true}) {
            try {
                MacroExpander.validate(s, exp);
                MacroExpander.expand(s, VALUES, exp);
            } catch (SpfException e) {
                // a permerror for a malformed macro
            }
            MacroExpander.endsWithMacro(s);
        }
    }

    /** check_host() for ipv4 and ipv6 clients against records taken from the text's lines. */
    public static void evaluate(String text) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty()) return;
        Resolver dns = new FuzzResolver(lines);
        SpfEvaluator e = new SpfEvaluator(dns, "receiver.example", Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        e.check(ip("192.0.2.3"), "user@example.com", "mx.example.org");
        e.check(ip("2001:db8::3"), "", "example.com");
    }

    /** The TXT answer for a name is one of the lines, picked by the name; the rest answer fixed data. */
    private record FuzzResolver(List<String> lines) implements Resolver {
        private String line(String name) { return lines.get(Math.floorMod(name.hashCode(), lines.size())); }

        @Override public DnsAnswer<InetAddress> a(String name) {
            return name.startsWith("nx") ? DnsAnswer.of(DnsStatus.NXDOMAIN)
                    : new DnsAnswer<>(DnsStatus.OK, List.of(ip("192.0.2.3")), 300);
        }

        @Override public DnsAnswer<InetAddress> aaaa(String name) {
            return new DnsAnswer<>(DnsStatus.OK, List.of(ip("2001:db8::3")), 300);
        }

        @Override public DnsAnswer<MxRecord> mx(String name) {
            return new DnsAnswer<>(DnsStatus.OK, List.of(new MxRecord(10, "mx." + name)), 300);
        }

        @Override public DnsAnswer<String> txt(String name) {
            if (name.hashCode() % 7 == 0) return DnsAnswer.of(DnsStatus.SERVFAIL);
            List<String> r = new ArrayList<>();
            r.add(name.equals("example.com") ? lines.get(0) : line(name));
            return new DnsAnswer<>(DnsStatus.OK, r, 300);
        }

        @Override public DnsAnswer<String> ptr(InetAddress address) {
            return new DnsAnswer<>(DnsStatus.OK, List.of("mx.example.org", "other.example.com"), 300);
        }
    }
}
