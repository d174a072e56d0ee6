// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The load generator's safety catch: it only ever talks to the loopback network, 127.0.0.0/8
 * or ::1. The host must be an address literal or the name "localhost"; no other name is
 * resolved, so a DNS answer can never point the load at another machine.
 */
public final class LoopbackGuard {
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private LoopbackGuard() { }

    /** Thrown when the host is not a loopback address. */
    public static final class NotLoopbackException extends IllegalArgumentException {
        NotLoopbackException(String host) {
            super("refusing to connect to \"" + host + "\": the load generator only talks to loopback"
                    + " addresses (127.0.0.0/8 or ::1)");
        }
    }

    /** Returns the loopback address for {@code host}, or throws {@link NotLoopbackException}. */
    public static InetAddress require(String host) {
        if (host == null) throw new NotLoopbackException("null");
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        InetAddress address;
        if (h.equalsIgnoreCase("localhost")) {
            address = InetAddress.getLoopbackAddress();
        } else if (IPV4_LITERAL.matcher(h).matches() || (h.indexOf(':') >= 0 && h.matches("[0-9A-Fa-f:.]+"))) {
            try {
                // A literal: InetAddress parses it without any name lookup.
                address = InetAddress.getByName(h);
            } catch (UnknownHostException e) {
                throw new NotLoopbackException(host);
            }
        } else {
            throw new NotLoopbackException(host);
        }
        // isLoopbackAddress() is exactly 127.0.0.0/8 for IPv4 and ::1 for IPv6; an
        // IPv4-mapped ::ffff:127.x.y.z literal comes back as an Inet4Address and passes too.
        if (!address.isLoopbackAddress()) throw new NotLoopbackException(host);
        return address;
    }
}
