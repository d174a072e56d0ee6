// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;
import org.secumail.smtpd.Reply;

/**
 * check_*_{mx,ns,a}_access over a small fake DNS, and the session restrictions that need no
 * network (check_sasl_access, sleep's argument). The address-literal and reply-code cases are
 * in the transcripts (check-sender-mx-access, reject-multi-recipient-bounce, ...), which
 * also run against Postfix.
 */
class ServerAccessRestrictionsTest {
    @TempDir
    Path dir;

    /** Answers from maps; anything else is NXDOMAIN, and names in {@code broken} SERVFAIL. */
    static final class Dns implements Resolver {
        final Map<String, List<MxRecord>> mx = new HashMap<>();
        final Map<String, List<String>> ns = new HashMap<>();
        final Map<String, List<InetAddress>> a = new HashMap<>();
        final List<String> broken = new ArrayList<>();
        final List<String> asked = new ArrayList<>();

        private <T> DnsAnswer<T> answer(String type, String name, Map<String, List<T>> m) {
            asked.add(type + " " + name);
            if (broken.contains(name)) return DnsAnswer.of(DnsStatus.SERVFAIL);
            List<T> v = m.get(name);
            return v == null ? DnsAnswer.of(DnsStatus.NXDOMAIN) : new DnsAnswer<>(DnsStatus.OK, v, 60);
        }

        @Override public DnsAnswer<InetAddress> a(String name) { return answer("A", name, a); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return DnsAnswer.of(DnsStatus.NODATA); }
        @Override public DnsAnswer<MxRecord> mx(String name) { return answer("MX", name, mx); }
        @Override public DnsAnswer<String> ns(String name) { return answer("NS", name, ns); }
        @Override public DnsAnswer<String> txt(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    }

    private final Dns dns = new Dns();

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private Verdict run(String restrictions, String extra, java.util.function.Consumer<CheckContext> setup) {
        MainConfig cfg = MainConfig.fromText("mynetworks = 127.0.0.0/8\n" + extra, "main.cf", dir);
        CheckSettings s = new CheckSettings(cfg, Restrictions.builtin(), dns);
        RestrictionList list = s.registry().parse("smtpd_sender_restrictions", MainConfig.splitList(restrictions), s);
        CheckContext c = new CheckContext(s);
        c.clientAddress = ip("192.0.2.10");
        c.clientAddr = "192.0.2.10";
        c.sender = "someone@spam.test";
        c.enter(Stage.SENDER);
        setup.accept(c);
        return list.evaluate(c);
    }

    @Test
    void mxHostNamesThenTheirAddressesAreLookedUp() {
        dns.mx.put("spam.test", List.of(new MxRecord(10, "mx1.spam.test"), new MxRecord(20, "mx2.spam.test")));
        dns.a.put("mx1.spam.test", List.of(ip("198.51.100.7")));
        dns.a.put("mx2.spam.test", List.of(ip("10.1.2.3")));
        Verdict v = run("check_sender_mx_access inline:{{10=REJECT MX in a private network}}", "", c -> { });
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> assertThat(r.reply())
                .isEqualTo(Reply.of(554, "5.7.1", "<someone@spam.test>: Sender address rejected: MX in a private network")));
        // a host name entry (here its parent domain) decides before any address is looked up
        dns.asked.clear();
        Verdict byName = run("check_sender_mx_access inline:{{spam.test=REJECT bad hoster}, {10=DUNNO}}", "", c -> { });
        assertThat(byName).isInstanceOf(Verdict.Reject.class);
        assertThat(dns.asked).containsExactly("MX spam.test");
        // DUNNO found for the first MX host's address is an exception: the second is not checked
        assertThat(run("check_sender_mx_access inline:{{198.51.100.7=DUNNO}, {10=REJECT}}", "", c -> { })).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void aDomainWithoutMxIsItsOwnMxHostAndNullMxOrFailuresApplyNothing() {
        dns.a.put("nomx.test", List.of(ip("127.0.0.2")));
        assertThat(run("check_sender_mx_access inline:{{127=REJECT loopback MX}}", "", c -> c.sender = "x@nomx.test"))
                .isInstanceOf(Verdict.Reject.class);
        dns.mx.put("nullmx.test", List.of(new MxRecord(0, "")));
        assertThat(run("check_sender_mx_access inline:{{nullmx.test=REJECT}}", "", c -> c.sender = "x@nullmx.test")).isEqualTo(Verdict.DUNNO);
        dns.broken.add("broken.test");
        assertThat(run("check_sender_mx_access inline:{{broken.test=REJECT}}", "", c -> c.sender = "x@broken.test")).isEqualTo(Verdict.DUNNO);
        // the null sender is not checked
        assertThat(run("check_sender_mx_access inline:{{127=REJECT}}", "", c -> c.sender = "")).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void nsRecordsComeFromTheParentDomainWhenTheNameHasNone() {
        dns.ns.put("spam.test", List.of("ns1.bulletproof.example"));
        dns.a.put("ns1.bulletproof.example", List.of(ip("203.0.113.53")));
        Verdict v = run("check_sender_ns_access inline:{{bulletproof.example=REJECT bad DNS hoster}}", "",
                c -> c.sender = "x@mail.deep.spam.test");
        assertThat(v).isInstanceOf(Verdict.Reject.class);
        assertThat(dns.asked).containsSubsequence("NS mail.deep.spam.test", "NS deep.spam.test", "NS spam.test");
    }

    @Test
    void theAVariantChecksTheAddressesOnlyAndClientChecksSkipUnknownNames() {
        dns.a.put("spam.test", List.of(ip("203.0.113.9")));
        assertThat(run("check_sender_a_access inline:{{spam.test=REJECT}}", "", c -> { })).isEqualTo(Verdict.DUNNO);
        assertThat(run("check_sender_a_access inline:{{203.0.113=REJECT}}", "", c -> { })).isInstanceOf(Verdict.Reject.class);
        dns.asked.clear();
        assertThat(run("check_client_mx_access inline:{{127=REJECT}}", "", c -> c.clientName = "unknown")).isEqualTo(Verdict.DUNNO);
        assertThat(dns.asked).isEmpty();
    }

    @Test
    void okIsAConfigurationErrorAndTheAddressCountIsLimited() {
        dns.mx.put("spam.test", List.of(new MxRecord(10, "mx.spam.test")));
        dns.a.put("mx.spam.test", List.of(ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")));
        assertThat(run("check_sender_mx_access inline:{{mx.spam.test=OK}}", "", c -> { })).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply()).isEqualTo(Reply.of(451, "4.3.5", "Server configuration error")));
        assertThat(run("check_sender_mx_access inline:{{192.0.2.3=REJECT}}", "dns_rr_list_limit = 2", c -> { })).isEqualTo(Verdict.DUNNO);
        assertThat(run("check_sender_mx_access inline:{{192.0.2.3=REJECT}}", "", c -> { })).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void checkSaslAccessLooksUpTheLoginNameWhenAuthIsOn() {
        String table = "check_sasl_access inline:{{bob=REJECT account suspended}}";
        Verdict v = run(table, "smtpd_sasl_auth_enable = yes", c -> c.saslUser = "bob");
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> assertThat(r.reply())
                .isEqualTo(Reply.of(554, "5.7.1", "<bob>: SASL login name rejected: account suspended")));
        assertThat(run(table, "smtpd_sasl_auth_enable = yes", c -> c.saslUser = "alice")).isEqualTo(Verdict.DUNNO);
        assertThat(run(table, "smtpd_sasl_auth_enable = no", c -> c.saslUser = "bob")).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void sleepNeedsANumber() {
        assertThat(run("sleep 0", "", c -> { })).isEqualTo(Verdict.DUNNO);
        assertThat(run("sleep soon", "", c -> { })).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply()).isEqualTo(Reply.of(451, "4.3.5", "Server configuration error")));
    }

    @Test
    void permitMxBackupWhenThisHostIsALessPreferredMx() {
        String cfg = "mydestination = mx.ours.test, ours.test\ninet_interfaces = 127.0.0.1\nrelay_domains = relayed.test\n";
        dns.mx.put("backup.test", List.of(new MxRecord(10, "primary.example"), new MxRecord(20, "mx.ours.test")));
        dns.a.put("primary.example", List.of(ip("192.0.2.1")));
        dns.mx.put("byaddr.test", List.of(new MxRecord(10, "primary2.example"), new MxRecord(20, "backup-host.example")));
        dns.a.put("primary2.example", List.of(ip("203.0.113.5")));
        dns.a.put("backup-host.example", List.of(ip("127.0.0.1")));
        dns.mx.put("primary.test", List.of(new MxRecord(10, "mx.ours.test"), new MxRecord(20, "other.example")));
        dns.mx.put("stranger.test", List.of(new MxRecord(10, "other.example")));
        dns.a.put("other.example", List.of(ip("198.51.100.1")));
        dns.broken.add("broken.test");
        java.util.function.Function<String, Verdict> rcpt = to -> run("permit_mx_backup", cfg, c -> c.recipient = to);
        assertThat(rcpt.apply("x@backup.test")).isInstanceOf(Verdict.Permit.class);
        assertThat(rcpt.apply("x@byaddr.test")).isInstanceOf(Verdict.Permit.class);
        assertThat(rcpt.apply("x@primary.test")).isEqualTo(Verdict.DUNNO);    // we are the primary: no relaying
        assertThat(rcpt.apply("x@stranger.test")).isEqualTo(Verdict.DUNNO);
        assertThat(rcpt.apply("x@relayed.test")).isInstanceOf(Verdict.Permit.class);
        assertThat(rcpt.apply("x@[192.0.2.1]")).isEqualTo(Verdict.DUNNO);
        // an MX lookup that fails: a later reject becomes 450 4.4.4
        assertThat(run("permit_mx_backup, reject", cfg, c -> c.recipient = "x@broken.test")).isInstanceOfSatisfying(Verdict.Reject.class,
                v -> assertThat(v.reply()).isEqualTo(Reply.of(450, "4.4.4",
                        "<x@broken.test>: Recipient address rejected: Unable to look up mail exchanger information: SERVFAIL")));
        // permit_mx_backup_networks: every address of the primary MX hosts must be in them
        String nets = cfg + "permit_mx_backup_networks = 192.0.2.0/24\n";
        assertThat(run("permit_mx_backup", nets, c -> c.recipient = "x@backup.test")).isInstanceOf(Verdict.Permit.class);
        assertThat(run("permit_mx_backup", nets, c -> c.recipient = "x@byaddr.test")).isEqualTo(Verdict.DUNNO);
    }
}
