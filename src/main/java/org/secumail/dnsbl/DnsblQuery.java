// SPDX-License-Identifier: Apache-2.0
package org.secumail.dnsbl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.config.ConfigException;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;

/**
 * One DNS list as written in a restriction: "zone" or "zone=pattern", where the pattern filters
 * the A record answers as Postfix does: each octet literal, "[a..b]" (a range) or "[a;b;c]"
 * (a set), e.g. {@code zen.spamhaus.org=127.0.0.[2..11]}. Answers in 127.255.255.0/24 are
 * the list's own error codes (query refused, over quota): never a listing, logged as a warning.
 * A temporary DNS failure is never a listing either.
 */
public final class DnsblQuery {
    /** The outcome of one lookup. */
    public record Result(boolean listed, String addresses, String reason, String warning, boolean tempfail) {
        static final Result NOT_LISTED = new Result(false, "", "", "", false);
        static final Result TEMPFAIL = new Result(false, "", "", "", true);
    }

    private final String zone;
    private final String pattern;
    private final List<String> octets;

    public DnsblQuery(String spec) {
        int eq = spec.indexOf('=');
        this.zone = (eq < 0 ? spec : spec.substring(0, eq)).toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        this.pattern = eq < 0 ? "" : spec.substring(eq + 1);
        if (zone.isEmpty()) throw new ConfigException("empty DNS list name in \"" + spec + "\"");
        if (pattern.isEmpty()) {
            octets = List.of();
        } else {
            octets = List.of(pattern.split("\\.(?![^\\[]*])"));   // dots inside [a..b] do not separate octets
            if (octets.size() != 4) throw new ConfigException("bad DNS list filter \"" + pattern + "\" in \"" + spec + "\" (want d.d.d.d)");
            for (String o : octets) {
                if (!o.matches("\\d{1,3}|\\[\\d{1,3}\\.\\.\\d{1,3}]|\\[\\d{1,3}(;\\d{1,3})*]")) {
                    throw new ConfigException("bad DNS list filter octet \"" + o + "\" in \"" + spec + "\"");
                }
            }
        }
    }

    public String zone() { return zone; }

    /** The query name for a client address: reversed octets (IPv4) or nibbles (IPv6) under the zone. */
    public String nameFor(InetAddress addr) {
        byte[] b = addr.getAddress();
        StringBuilder sb = new StringBuilder();
        if (addr instanceof Inet6Address) {
            for (int i = b.length - 1; i >= 0; i--) {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
            }
        } else {
            for (int i = b.length - 1; i >= 0; i--) sb.append(b[i] & 0xff).append('.');
        }
        return sb.append(zone).toString();
    }

    /** The query name for a domain (RHSBL): "domain.zone". */
    public String nameFor(String domain) {
        return domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "") + "." + zone;
    }

    public Result lookup(Resolver dns, String name) {
        DnsAnswer<InetAddress> a = dns.a(name);
        if (!a.ok()) {
            // NXDOMAIN/NODATA: not listed; SERVFAIL/TIMEOUT: never a listing either (flagged for DNSWL)
            return a.status().temporary() ? Result.TEMPFAIL : Result.NOT_LISTED;
        }
        List<String> hits = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (InetAddress r : a.records()) {
            byte[] v = r.getAddress();
            if (v.length != 4) continue;
            String text = r.getHostAddress();
            if ((v[0] & 0xff) == 127 && (v[1] & 0xff) == 255 && (v[2] & 0xff) == 255) {
                errors.add(text);
                continue;
            }
            if (matches(v)) hits.add(text);
        }
        String warning = errors.isEmpty() ? "" : "DNS list " + zone + " answered " + String.join(",", errors)
                + " for " + name + ": an error code of the list (query refused or over quota), not a listing";
        if (hits.isEmpty()) return new Result(false, "", "", warning, false);
        DnsAnswer<String> txt = dns.txt(name);
        String reason = txt.ok() ? String.join(" ", txt.records()) : "";
        return new Result(true, String.join(",", hits), reason, warning, false);
    }

    private boolean matches(byte[] v) {
        if (octets.isEmpty()) return true;
        for (int i = 0; i < 4; i++) {
            int x = v[i] & 0xff;
            String o = octets.get(i);
            if (o.startsWith("[") && o.contains("..")) {
                String[] r = o.substring(1, o.length() - 1).split("\\.\\.");
                if (x < Integer.parseInt(r[0]) || x > Integer.parseInt(r[1])) return false;
            } else if (o.startsWith("[")) {
                boolean any = false;
                for (String e : o.substring(1, o.length() - 1).split(";")) any |= Integer.parseInt(e) == x;
                if (!any) return false;
            } else if (Integer.parseInt(o) != x) {
                return false;
            }
        }
        return true;
    }
}
