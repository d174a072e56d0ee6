// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.Locale;

/**
 * A routing decision as trivial-rewrite(8) makes it: the delivery agent ("transport", a
 * master.cf service name such as smtp, relay, lmtp, local, discard, error, retry) and its
 * next hop ("[mx.example]:25", "example.com", "inet:127.0.0.1:24", "unix:/path", or the
 * text of error:/retry:/discard:).
 *
 * @param transport the agent name, lower case, never empty
 * @param nexthop   the agent's argument; may be empty for local
 */
public record NextHop(String transport, String nexthop) {

    public NextHop {
        if (transport == null || transport.isEmpty()) throw new IllegalArgumentException("empty transport");
        transport = transport.toLowerCase(Locale.ROOT);
        nexthop = nexthop == null ? "" : nexthop;
    }

    /**
     * Parses a transport(5) result or a *_transport parameter value, "transport:nexthop",
     * where either field may be empty and then comes from {@code inherit} (transport(5):
     * "an empty transport field ... inherits"; an empty nexthop keeps the recipient's domain
     * or relayhost). "error:text" and "retry:text" keep their text as next hop.
     */
    public static NextHop parse(String value, NextHop inherit) {
        String v = value.strip();
        int colon = v.indexOf(':');
        String transport = colon < 0 ? v : v.substring(0, colon);
        String nexthop = colon < 0 ? "" : v.substring(colon + 1);
        if (transport.isEmpty()) transport = inherit.transport();
        boolean textual = transport.equalsIgnoreCase("error") || transport.equalsIgnoreCase("retry")
                || transport.equalsIgnoreCase("discard");
        if (nexthop.isEmpty() && !textual) nexthop = inherit.nexthop();
        return new NextHop(transport, nexthop);
    }

    /** "transport:nexthop" as in logs and transport(5). */
    @Override
    public String toString() { return transport + ":" + nexthop; }
}
