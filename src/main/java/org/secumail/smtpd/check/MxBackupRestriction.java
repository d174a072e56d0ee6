// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.rewrite.AddressClass;
import org.secumail.rewrite.AddressResolver;
import org.secumail.rewrite.ResolvedAddress;
import org.secumail.smtpd.Reply;
import org.secumail.table.LookupException;
import org.secumail.table.NetworkMatchList;

/**
 * permit_mx_backup, as Postfix's smtpd_check.c: permit mail for a domain this host is a backup
 * MX for. A recipient in our own domains or relay_domains is permitted (as
 * permit_auth_destination); address literals and source-routed addresses are not. For any
 * other domain the MX records are looked up: when this host is one of the best (primary) MX
 * hosts, or not listed at all, nothing is decided; when it is a backup (a less preferred MX)
 * it is permitted, provided, if permit_mx_backup_networks is set, that every address of every
 * primary MX host is in those networks. This host is an MX host when the host name is one of
 * our domains or one of its addresses is ours (inet_interfaces, proxy_interfaces). An MX lookup
 * that fails temporarily, or an MX host whose addresses cannot be found, turns a later reject
 * into 450 4.4.4 (defer_if_reject), as in Postfix.
 */
final class MxBackupRestriction {
    private MxBackupRestriction() { }

    static void register(RestrictionRegistry r) {
        r.register("permit_mx_backup", false, "permit mail for domains this host is a backup MX for (permit_mx_backup_networks)", (s, a) -> {
            Set<String> own = AddressResolver.ownAddresses(s.config());
            List<String> nets = s.config().list("permit_mx_backup_networks");
            NetworkMatchList primaryNets = nets.isEmpty() ? null : NetworkMatchList.of(nets, s.config().configDir());
            return c -> c.recipient == null || c.recipient.isEmpty() ? Verdict.DUNNO
                    : AddressRestrictions.as(c, false, addr -> check(c, addr, own, primaryNets));
        });
    }

    private static Verdict check(CheckContext c, String recipient, Set<String> own, NetworkMatchList primaryNets) {
        ResolvedAddress r;
        try {
            r = c.settings.addressResolver().resolve(recipient);
        } catch (LookupException e) {
            return AddressRestrictions.dictRetry(c, recipient);
        }
        if (r.cls() != AddressClass.DEFAULT) return new Verdict.Permit("permit_mx_backup");   // our own or relay_domains
        String domain = r.domain();
        if (domain.isEmpty() || domain.startsWith("[")) return Verdict.DUNNO;
        DnsAnswer<MxRecord> mx = c.settings.dns().mx(domain);
        if (!mx.ok()) {
            if (mx.status() == DnsStatus.SERVFAIL || mx.status() == DnsStatus.TIMEOUT) {
                return new Verdict.DeferIfReject(Reply.of(450, "4.4.4", "<" + c.replyName + ">: " + c.replyClass
                        + " rejected: Unable to look up mail exchanger information: " + mx.status()));
            }
            return Verdict.DUNNO;
        }
        List<MxRecord> sorted = new ArrayList<>(mx.records());
        sorted.removeIf(m -> m.exchange().isEmpty());   // a null MX names no host
        if (sorted.isEmpty()) return Verdict.DUNNO;
        sorted.sort(Comparator.comparingInt(MxRecord::preference));
        int best = sorted.get(0).preference();
        List<String> primaries = sorted.stream().filter(m -> m.preference() == best).map(MxRecord::exchange).toList();
        List<String> backups = sorted.stream().filter(m -> m.preference() != best).map(MxRecord::exchange).toList();
        Verdict[] deferred = new Verdict[1];
        if (iAmMx(c, primaries, own, deferred)) return Verdict.DUNNO;
        if (backups.isEmpty() || !iAmMx(c, backups, own, deferred)) return deferred[0] != null ? deferred[0] : Verdict.DUNNO;
        if (primaryNets != null) {
            for (String host : primaries) {
                DnsAnswer<InetAddress> addrs = c.settings.dns().addresses(host);
                if (!addrs.ok()) return deferOrDunno(c, host, addrs.status());
                for (InetAddress a : addrs.records()) {
                    try {
                        if (!primaryNets.matches(a, null)) return Verdict.DUNNO;
                    } catch (LookupException e) {
                        return AddressRestrictions.dictRetry(c, recipient);
                    }
                }
            }
        }
        return new Verdict.Permit("permit_mx_backup");
    }

    /** Whether one of the hosts is this one: by name (one of our domains) first, then by address. */
    private static boolean iAmMx(CheckContext c, List<String> hosts, Set<String> own, Verdict[] deferred) {
        for (String h : hosts) {
            try {
                if (c.settings.addressResolver().resolve("postmaster@" + h).cls() == AddressClass.LOCAL) return true;
            } catch (LookupException e) {
                // no match by name: try the addresses
            }
        }
        for (String h : hosts) {
            DnsAnswer<InetAddress> addrs = c.settings.dns().addresses(h);
            if (!addrs.ok()) {
                Verdict d = deferOrDunno(c, h, addrs.status());
                if (d instanceof Verdict.DeferIfReject && deferred[0] == null) deferred[0] = d;
                continue;
            }
            for (InetAddress a : addrs.records()) if (own.contains(a.getHostAddress())) return true;
        }
        return false;
    }

    /** has_my_addr(): an MX host whose addresses cannot be found turns a later reject into a defer, whatever the error. */
    private static Verdict deferOrDunno(CheckContext c, String host, DnsStatus status) {
        return new Verdict.DeferIfReject(Reply.of(450, "4.4.4", "<" + c.replyName + ">: " + c.replyClass
                + " rejected: Unable to look up mail exchanger host " + host + ": " + status));
    }
}
