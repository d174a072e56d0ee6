// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A parsed next hop of smtp(8) or lmtp(8):
 * <ul>
 * <li>{@code [host]} or {@code [host]:port}: connect to the host's addresses, no MX lookup;
 *     {@code [192.0.2.1]} and {@code [ipv6:2001:db8::1]} are address literals;</li>
 * <li>{@code host} or {@code host:port}: MX lookup for host (RFC 5321 section 5.1), then
 *     the chosen exchanges on {@code port} (Postfix allows a port with MX lookup);</li>
 * <li>for LMTP, {@code inet:host:port} (default port 24, never MX) or {@code unix:/path}.</li>
 * </ul>
 *
 * @param host     the host or domain, lower case, without brackets; empty for unix sockets
 * @param port     the TCP port
 * @param mxLookup whether MX records are looked up for {@code host}
 * @param unixPath the socket path of {@code unix:/path}, else null
 */
public record Destination(String host, int port, boolean mxLookup, Path unixPath) {

    /** smtp(8)'s next hop; {@code defaultPort} is 25 (smtp) or 24 (lmtp). */
    public static Destination parse(String nexthop, int defaultPort, boolean lmtp) {
        String s = nexthop.strip();
        if (lmtp) {
            if (s.startsWith("unix:")) {
                String p = s.substring(5);
                if (p.isEmpty()) throw new IllegalArgumentException("empty unix socket path in \"" + nexthop + "\"");
                return new Destination("", 0, false, Path.of(p));
            }
            boolean inet = s.startsWith("inet:");
            if (inet) s = s.substring(5);
            Destination d = parseInet(s, defaultPort, nexthop);
            // lmtp(8): "inet:host:port" never looks up MX records; bracketed or not
            return inet ? new Destination(d.host, d.port, false, null) : d;
        }
        return parseInet(s, defaultPort, nexthop);
    }

    private static Destination parseInet(String s, int defaultPort, String original) {
        if (s.isEmpty()) throw new IllegalArgumentException("empty next-hop destination");
        boolean bracket = s.startsWith("[");
        String host;
        String rest;
        if (bracket) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("missing \"]\" in next hop \"" + original + "\"");
            host = s.substring(1, close);
            rest = s.substring(close + 1);
        } else {
            int colon = s.lastIndexOf(':');
            host = colon < 0 ? s : s.substring(0, colon);
            rest = colon < 0 ? "" : s.substring(colon);
        }
        int port = defaultPort;
        if (!rest.isEmpty()) {
            if (!rest.startsWith(":")) throw new IllegalArgumentException("bad next hop \"" + original + "\"");
            port = servicePort(rest.substring(1), original);
        }
        if (host.regionMatches(true, 0, "ipv6:", 0, 5)) host = host.substring(5);
        if (host.isEmpty()) throw new IllegalArgumentException("empty host in next hop \"" + original + "\"");
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        return new Destination(host, port, !bracket, null);
    }

    private static int servicePort(String p, String original) {
        return switch (p) {
            case "smtp" -> 25;
            case "lmtp" -> 24;
            case "submission" -> 587;
            case "smtps", "submissions" -> 465;
            default -> {
                try {
                    int n = Integer.parseInt(p);
                    if (n < 1 || n > 65535) throw new NumberFormatException();
                    yield n;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad port \"" + p + "\" in next hop \"" + original + "\"");
                }
            }
        };
    }

    /** True for an IPv4 or IPv6 address literal host. */
    public boolean isAddressLiteral() {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (host.indexOf(':') >= 0 && host.matches("[0-9a-f:.]+"));
    }

    /** The key for per-destination limits and the connection cache. */
    public String key() {
        return unixPath != null ? "unix:" + unixPath : (mxLookup ? host : "[" + host + "]") + ":" + port;
    }
}
