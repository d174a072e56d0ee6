// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.secumail.dns.DnsAnswer;
import org.secumail.smtpd.check.CheckContext;

/**
 * Sets the client's address and names as Postfix's smtpd_peer.c does: the PTR name is the
 * "reverse" name; it becomes the verified client name only when one of its A/AAAA records
 * leads back to the client address (forward-confirmed reverse DNS). A temporary DNS failure
 * gives status 4 (restrictions then answer 4xx), a missing or unconfirmed name status 5.
 * Loopback clients are "localhost" without a DNS query, as /etc/hosts says on any system.
 */
final class ClientIdentity {
    private ClientIdentity() { }

    static void fromSocket(CheckContext ctx, InetAddress addr, SmtpdService svc) {
        setAddress(ctx, addr);
        ctx.socketAddress = addr;
        if (addr.isLoopbackAddress()) {
            ctx.clientName = ctx.reverseName = "localhost";
            ctx.clientNameStatus = ctx.reverseNameStatus = 2;
        } else if (svc.peernameLookup) {
            lookup(ctx, addr);
        }
    }

    static void setAddress(CheckContext ctx, InetAddress addr) {
        ctx.clientAddress = addr;
        ctx.clientAddr = text(addr);
        ctx.clientName = ctx.reverseName = "unknown";
        ctx.clientNameStatus = ctx.reverseNameStatus = 5;
    }

    /** Postfix's textual form: dotted quad, or compressed IPv6 without brackets. */
    static String text(InetAddress addr) {
        if (addr instanceof Inet6Address) {
            String s = addr.getHostAddress();
            int pct = s.indexOf('%');
            if (pct >= 0) s = s.substring(0, pct);
            return compress(s);
        }
        return addr.getHostAddress();
    }

    private static String compress(String full) {
        // Java prints 0:0:0:0:0:0:0:1; RFC 5952 form is ::1. Find the longest run of zero groups.
        String[] g = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < g.length; ) {
            if (g[i].equals("0")) {
                int j = i;
                while (j < g.length && g[j].equals("0")) j++;
                if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) return String.join(":", g);
        String left = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
        String right = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
        return left + "::" + right;
    }

    static void lookup(CheckContext ctx, InetAddress addr) {
        DnsAnswer<String> ptr = ctx.settings.dns().ptr(addr);
        if (!ptr.ok()) {
            int st = ptr.status().temporary() ? 4 : 5;
            ctx.clientNameStatus = ctx.reverseNameStatus = st;
            return;
        }
        String name = ptr.records().get(0);
        ctx.reverseName = name;
        ctx.reverseNameStatus = 2;
        DnsAnswer<InetAddress> fwd = ctx.settings.dns().addresses(name);
        if (fwd.ok() && fwd.records().contains(addr)) {
            ctx.clientName = name;
            ctx.clientNameStatus = 2;
        } else {
            ctx.clientNameStatus = fwd.status().temporary() ? 4 : 5;
        }
    }
}
