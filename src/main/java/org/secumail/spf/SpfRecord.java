// SPDX-License-Identifier: Apache-2.0
package org.secumail.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One parsed "v=spf1" record (RFC 7208 section 4.6, ABNF in section 12). The whole record is
 * parsed before anything is evaluated, because section 4.6 says a syntax error anywhere makes
 * the result permerror "without further interpretation".
 *
 * @param directives the mechanisms in record order
 * @param redirect   the redirect= domain-spec, or null
 * @param exp        the exp= domain-spec, or null
 */
record SpfRecord(List<Directive> directives, String redirect, String exp) {

    /**
     * A qualifier and a mechanism. For a, mx, ptr, include, exists: {@code domainSpec} is the
     * unexpanded domain-spec or null for "the current domain"; for ip4/ip6: {@code network}
     * is the address. {@code cidr4}/{@code cidr6} are the prefix lengths (32/128 when absent).
     */
    record Directive(char qualifier, String name, String domainSpec, InetAddress network,
                     int cidr4, int cidr6, String text) { }

    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)", Pattern.DOTALL);
    private static final Pattern MECHANISM = Pattern.compile("([+?~-]?)([A-Za-z][A-Za-z0-9._-]*)(.*)", Pattern.DOTALL);
    /** Dual CIDR length at the end of a/mx (section 5.6): "/n", "//n" or "/n//m". */
    private static final Pattern DUAL_CIDR = Pattern.compile("(.*?)(?:/([0-9]+))?(?://([0-9]+))?", Pattern.DOTALL);
    private static final Pattern IP4_NETWORK = Pattern.compile(
            "((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?:/([0-9]+))?");
    private static final Pattern IP6_NETWORK = Pattern.compile("([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:/([0-9]+))?");
    /** toplabel of section 7.1: not all-numeric, so that an IP address is never a domain-end. */
    private static final Pattern TOPLABEL = Pattern.compile(
            "[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    /** True when the TXT string is an SPF version 1 record (section 4.5: "v=spf1" then SP or end). */
    static boolean isSpf1(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /** Parsed records by their text: a domain's record is parsed once, not at every check. */
    private static final java.util.concurrent.ConcurrentHashMap<String, SpfRecord> PARSED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int PARSED_MAX = 10_000;

    /** {@link #parse}, remembering what parsed (records are immutable; errors are parsed again). */
    static SpfRecord parseCached(String txt) throws SpfException {
        SpfRecord r = PARSED.get(txt);
        if (r != null) return r;
        r = parse(txt);
        if (PARSED.size() >= PARSED_MAX) PARSED.clear();
        PARSED.put(txt, r);
        return r;
    }

    static SpfRecord parse(String txt) throws SpfException {
        for (int i = 0; i < txt.length(); i++) {
            char c = txt.charAt(i);
            // Section 3.1 / 4.5: records are 7-bit ASCII; control characters are no terms.
            if (c > 0x7e || (c < 0x20)) throw SpfException.perm("invalid character in SPF record");
        }
        List<Directive> directives = new ArrayList<>();
        String redirect = null;
        String exp = null;
        for (String term : txt.substring(6).split(" ")) {
            if (term.isEmpty()) continue;
            Matcher m = MODIFIER.matcher(term);
            if (m.matches()) {
                String name = m.group(1).toLowerCase(Locale.ROOT);
                String value = m.group(2);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) throw SpfException.perm("more than one redirect= (section 6)");
                        checkDomainSpec(value, term);
                        redirect = value;
                    }
                    case "exp" -> {
                        if (exp != null) throw SpfException.perm("more than one exp= (section 6)");
                        checkDomainSpec(value, term);
                        exp = value;
                    }
                    // Section 6: unknown modifiers are ignored, but must still be well formed.
                    default -> MacroExpander.validate(value, false);
                }
                continue;
            }
            directives.add(parseDirective(term));
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    private static Directive parseDirective(String term) throws SpfException {
        Matcher m = MECHANISM.matcher(term);
        if (!m.matches()) throw SpfException.perm("invalid term: " + term);
        char qualifier = m.group(1).isEmpty() ? '+' : m.group(1).charAt(0);
        String name = m.group(2).toLowerCase(Locale.ROOT);
        String rest = m.group(3);
        switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) throw SpfException.perm("invalid term: " + term);
                return new Directive(qualifier, name, null, null, 32, 128, term);
            }
            case "include", "exists" -> {
                if (!rest.startsWith(":")) throw SpfException.perm(name + " needs a domain: " + term);
                String spec = rest.substring(1);
                checkDomainSpec(spec, term);
                return new Directive(qualifier, name, spec, null, 32, 128, term);
            }
            case "ptr" -> {
                String spec = optionalDomain(rest, term);
                return new Directive(qualifier, name, spec, null, 32, 128, term);
            }
            case "a", "mx" -> {
                Matcher c = DUAL_CIDR.matcher(rest);
                if (!c.matches()) throw SpfException.perm("invalid term: " + term);
                int cidr4 = c.group(2) == null ? 32 : cidr(c.group(2), 32, term);
                int cidr6 = c.group(3) == null ? 128 : cidr(c.group(3), 128, term);
                String spec = optionalDomain(c.group(1), term);
                return new Directive(qualifier, name, spec, null, cidr4, cidr6, term);
            }
            case "ip4" -> {
                Matcher ip = rest.startsWith(":") ? IP4_NETWORK.matcher(rest.substring(1)) : null;
                if (ip == null || !ip.matches()) throw SpfException.perm("invalid ip4: " + term);
                int len = ip.group(2) == null ? 32 : cidr(ip.group(2), 32, term);
                return new Directive(qualifier, name, null, literal(ip.group(1), term), len, 128, term);
            }
            case "ip6" -> {
                Matcher ip = rest.startsWith(":") ? IP6_NETWORK.matcher(rest.substring(1)) : null;
                if (ip == null || !ip.matches()) throw SpfException.perm("invalid ip6: " + term);
                int len = ip.group(2) == null ? 128 : cidr(ip.group(2), 128, term);
                InetAddress address = literal(ip.group(1), term);
                if (address.getAddress().length != 16) address = mapped(address, term);
                return new Directive(qualifier, name, null, address, 32, len, term);
            }
            default -> throw SpfException.perm("unknown mechanism: " + term);
        }
    }

    private static String optionalDomain(String rest, String term) throws SpfException {
        if (rest.isEmpty()) return null;
        if (!rest.startsWith(":")) throw SpfException.perm("invalid term: " + term);
        String spec = rest.substring(1);
        checkDomainSpec(spec, term);
        return spec;
    }

    /** ip4-cidr-length / ip6-cidr-length: no leading zeros, at most 32 / 128 (section 12). */
    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits.length() > 3 || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw SpfException.perm("invalid CIDR length: " + term);
        }
        int n = Integer.parseInt(digits);
        if (n > max) throw SpfException.perm("invalid CIDR length: " + term);
        return n;
    }

    /** Parses an address literal; the patterns above guarantee InetAddress never does DNS. */
    private static InetAddress literal(String text, String term) throws SpfException {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw SpfException.perm("invalid address: " + term);
        }
    }

    /**
     * InetAddress turns an IPv4-mapped IPv6 literal ("::FFFF:1.2.3.4") into IPv4; an ip6
     * mechanism keeps it as the IPv6 network it was written as.
     */
    private static InetAddress mapped(InetAddress v4, String term) throws SpfException {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        try {
            return java.net.Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw SpfException.perm("invalid ip6: " + term);
        }
    }

    /**
     * domain-spec = macro-string domain-end; domain-end = ( "." toplabel ["."] ) / macro-expand
     * (section 7.1). A bare name like "a:localhost" or an IP address is therefore a syntax error.
     */
    static void checkDomainSpec(String spec, String term) throws SpfException {
        if (spec.isEmpty()) throw SpfException.perm("empty domain-spec: " + term);
        MacroExpander.validate(spec, false);
        if (MacroExpander.endsWithMacro(spec)) return;
        String s = spec.endsWith(".") ? spec.substring(0, spec.length() - 1) : spec;
        int dot = s.lastIndexOf('.');
        if (dot < 0 || !TOPLABEL.matcher(s.substring(dot + 1)).matches()) {
            throw SpfException.perm("invalid domain-end: " + term);
        }
    }
}
