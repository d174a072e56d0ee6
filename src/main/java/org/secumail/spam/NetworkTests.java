// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.secumail.dmarc.PublicSuffixList;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;

/**
 * SpamAssassin's network tests, looked up before the rules run, all in parallel on virtual
 * threads through SecuMail's caching resolver, within one per-message time budget:
 * <ul>
 *   <li>DNS lists of the relay chain (DNSEval's {@code check_rbl(set[-lastexternal|-firsttrusted|
 *       -untrusted|-notfirsthop], zone[, subtest])} and {@code check_rbl_sub(set, subtest)}):
 *       the addresses of the untrusted relays (public ones only), reversed under the zone;
 *       {@code -lastexternal} asks only for the relay that handed the message to our network;</li>
 *   <li>URI lists (URIDNSBL's {@code urirhssub NAME zone A subtest} and {@code urirhsbl NAME zone A},
 *       read by {@code check_uridnsbl('NAME')}): the registered domain (Public Suffix List) of every
 *       host in the message's URIs, at most {@link #MAX_URI_DOMAINS}, less
 *       {@code uridnsbl_skip_domain}, under the zone.</li>
 * </ul>
 * A subtest is an address ({@code 127.0.0.2}), a bitmask ({@code 4}, tested against the last
 * octet), a range ({@code 127.0.0.4-127.0.0.7}) or a regular expression over the dotted answer.
 * Answers in 127.255.255.0/24 are the lists' error codes (over quota, open resolver refused)
 * and never a listing. A lookup that times out or fails counts as not listed.
 */
final class NetworkTests {
    static final int MAX_URI_DOMAINS = 20;

    /** One list of the relay chain: its zone and which relays are asked. */
    record RblSet(String name, String zone) { }

    /** One URI list rule: urirhssub/urirhsbl NAME zone type [subtest]. */
    record UriList(String rule, String zone, String subtest) { }

    /**
     * The answers of one message: set or URI rule to (queried item, dotted answer) pairs, and
     * each URI rule's subtest and zone.
     */
    record Answers(Map<String, List<String[]>> rbl, Map<String, List<String[]>> uri, Map<String, UriList> uriRules) {
        static final Answers NONE = new Answers(Map.of(), Map.of(), Map.of());
    }

    private final Resolver dns;
    private final PublicSuffixList psl;
    private final Map<String, RblSet> sets;         // set name (with its suffix) to zone
    private final List<UriList> uriLists;
    private final Set<String> skipDomains;
    private final long budgetMillis;

    NetworkTests(Resolver dns, PublicSuffixList psl, RuleSet rules, long budgetMillis) {
        this.dns = dns;
        this.psl = psl;
        this.budgetMillis = budgetMillis;
        Map<String, RblSet> s = new LinkedHashMap<>();
        for (Rule r : rules.rules(Rule.Type.HEADER)) {
            if (r.test() instanceof Rule.Eval e && e.function().equals("check_rbl") && e.args().size() >= 2) {
                s.putIfAbsent(e.args().get(0), new RblSet(e.args().get(0), zone(e.args().get(1))));
            }
        }
        this.sets = s;
        List<UriList> u = new ArrayList<>();
        for (String line : all(rules, "urirhssub")) u.add(uriList(line));
        for (String line : all(rules, "urirhsbl")) u.add(uriList(line));
        u.removeIf(java.util.Objects::isNull);
        this.uriLists = u;
        Set<String> skip = new java.util.HashSet<>();
        for (String line : all(rules, "uridnsbl_skip_domain")) for (String d : line.split("\\s+")) if (!d.isBlank()) skip.add(d.toLowerCase(Locale.ROOT));
        this.skipDomains = skip;
    }

    private static List<String> all(RuleSet rules, String directive) {
        String v = rules.conf().settings.get(directive);
        return v == null ? List.of() : List.of(v.split("\n"));
    }

    private static UriList uriList(String line) {
        String[] w = line.strip().split("\\s+");
        if (w.length < 3 || !w[2].equalsIgnoreCase("A")) return null; // TXT lists: not asked
        return new UriList(w[0], zone(w[1]), w.length > 3 ? w[3] : "");
    }

    private static String zone(String z) {
        String s = z.strip().toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** The URI list rules (for check_uridnsbl). */
    List<UriList> uriLists() { return uriLists; }

    /** Every lookup this message needs, in parallel, within the budget. */
    Answers lookup(MessageView v) {
        Map<String, List<String[]>> rbl = new ConcurrentHashMap<>();
        Map<String, List<String[]>> uri = new ConcurrentHashMap<>();
        List<Runnable> work = new ArrayList<>();
        for (RblSet set : sets.values()) {
            for (String ip : relayAddresses(v, set.name())) {
                InetAddress a = Relays.address(ip);
                if (a == null || Relays.privateAddress(a)) continue;
                String q = new org.secumail.dnsbl.DnsblQuery(set.zone()).nameFor(a);
                work.add(() -> answers(q).forEach(ans -> rbl.computeIfAbsent(set.name(), k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(new String[] {ip, ans})));
            }
        }
        Set<String> domains = uriDomains(v);
        for (UriList l : uriLists) {
            for (String d : domains) {
                String q = d + "." + l.zone();
                work.add(() -> answers(q).forEach(ans -> uri.computeIfAbsent(l.rule(), k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(new String[] {d, ans})));
            }
        }
        Map<String, UriList> rulesByName = new LinkedHashMap<>();
        for (UriList l : uriLists) rulesByName.put(l.rule(), l);
        if (work.isEmpty()) return new Answers(Map.of(), Map.of(), rulesByName);
        try (var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (Runnable r : work) ex.submit(r);
            ex.shutdown();
            if (!ex.awaitTermination(budgetMillis, TimeUnit.MILLISECONDS)) ex.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Answers(Map.copyOf(rbl), Map.copyOf(uri), rulesByName);
    }

    private List<String> answers(String name) {
        DnsAnswer<InetAddress> a = dns.a(name);
        if (!a.ok()) return List.of();
        List<String> out = new ArrayList<>();
        for (InetAddress r : a.records()) {
            byte[] b = r.getAddress();
            if (b.length != 4 || (b[0] & 0xff) != 127) continue;
            out.add(r.getHostAddress());
        }
        return out;
    }

    /** The relays a set asks about, by its suffix. */
    static List<String> relayAddresses(MessageView v, String setName) {
        Relays r = v.relays;
        List<String> out = new ArrayList<>();
        if (setName.endsWith("-lastexternal")) {
            Relays.Relay last = r.lastExternal();
            if (last != null) out.add(last.ip());
        } else if (setName.endsWith("-firsttrusted")) {
            if (!r.trusted.isEmpty()) out.add(r.trusted.get(r.trusted.size() - 1).ip());
        } else if (setName.endsWith("-notfirsthop")) {
            for (int i = 1; i < r.untrusted.size(); i++) out.add(r.untrusted.get(i).ip());
        } else {
            for (Relays.Relay x : r.untrusted) out.add(x.ip());
        }
        return out;
    }

    /** Registered domains of the message's URI hosts (IP literals left out), at most MAX_URI_DOMAINS. */
    Set<String> uriDomains(MessageView v) {
        Set<String> out = new LinkedHashSet<>();
        for (String u : v.uris) {
            String host = Uris.host(u);
            if (host.isEmpty() || host.matches("[0-9.]+|\\[.*")) continue;
            String d = psl.organizationalDomain(host);
            if (d == null || d.isEmpty() || skipDomains.contains(d)) continue;
            out.add(d);
            if (out.size() >= MAX_URI_DOMAINS) break;
        }
        return out;
    }

    /** Whether a dotted answer passes a subtest (address, bitmask, range, or regular expression); empty passes any real listing. */
    static boolean matches(String answer, String subtest) {
        if (answer.startsWith("127.255.255.")) return subtest != null && subtest.equals(answer); // error codes only when asked for
        if (subtest == null || subtest.isEmpty()) return true;
        String s = subtest.strip();
        if (s.matches("\\d+")) {
            int last = Integer.parseInt(answer.substring(answer.lastIndexOf('.') + 1));
            return (last & Integer.parseInt(s)) != 0;
        }
        if (s.matches("[\\d.]+")) return answer.equals(s);
        if (s.matches("[\\d.]+-[\\d.]+")) {
            String[] r = s.split("-");
            long x = ip(answer);
            return x >= ip(r[0]) && x <= ip(r[1]);
        }
        try {
            return PerlRegex.cached(s).matcher(answer).find();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static long ip(String dotted) {
        long v = 0;
        for (String o : dotted.split("\\.")) v = v * 256 + Long.parseLong(o);
        return v;
    }

    /** Details of the hits of one set or rule passing the subtest: "1.2.3.4 -> 127.0.0.2". */
    static List<String> hits(List<String[]> answers, String subtest) {
        List<String> out = new ArrayList<>();
        if (answers == null) return out;
        synchronized (answers) {
            for (String[] a : answers) if (matches(a[1], subtest)) out.add(a[0] + " -> " + a[1]);
        }
        return out;
    }

    /** check_rbl_sub's set: a "zen" sub-test reads what "zen" and "zen-lastexternal" found. */
    static List<String[]> setAnswers(Answers a, String set) {
        List<String[]> out = new ArrayList<>();
        for (var e : a.rbl().entrySet()) {
            String k = e.getKey();
            if (k.equals(set) || k.startsWith(set + "-")) {
                synchronized (e.getValue()) { out.addAll(e.getValue()); }
            }
        }
        return out;
    }
}
