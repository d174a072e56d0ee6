// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;
import org.secumail.transcript.PostfixInstance;

/**
 * Both ways with OpenDKIM (Debian opendkim 2.11) as a milter of a real Postfix, all on loopback:
 * <pre>
 *   A: client -> SecuMail (signs rsa + ed25519) -> Postfix + opendkim (verifies) -> SecuMail receiver
 *   B: client 127.0.0.3 -> Postfix + opendkim (signs, InternalHosts) -> SecuMail receiver (verifies)
 * </pre>
 * The receiver's Maildir holds what Postfix delivered: OpenDKIM's Authentication-Results (A) or
 * OpenDKIM's DKIM-Signature and SecuMail's result for it (B). Each message has a folded long
 * header, 8-bit body lines, a dot-stuffed line and a last line without CRLF (which SMTP itself ends
 * with one). OpenDKIM reads keys from TestDNSData, never from DNS or /etc/opendkim. Skipped when
 * opendkim or a private Postfix cannot run here, failed instead under CI=true.
 */
class OpenDkimMilterInteropTest {
    @TempDir
    static Path root;

    private static TestDnsServer dns;
    private static Server receiver;
    private static PostfixInstance postfix;
    private static int milterPort;
    private static KeyPair rsa;
    private static KeyPair ed;
    private static KeyPair odk;

    private OpenDkimMilter milter;
    private Server signer;

    @BeforeAll
    static void start() throws Exception {
        String why = !Files.isExecutable(OpenDkimMilter.BINARY)
                ? OpenDkimMilter.BINARY + " is missing (Debian package opendkim; scripts/install-test-deps.sh installs it)"
                : PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("CI=true, so the OpenDKIM milter interop test may not be skipped: " + why);
        }
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        rsa = DkimKeys.generate("rsa", 2048);
        ed = DkimKeys.generate("ed25519", 0);
        odk = DkimKeys.generate("rsa", 2048);
        StringBuilder zone = new StringBuilder("dest.test SOA ns.dest.test hostmaster.dest.test 1 3600 600 86400 60\n");
        keyRecords().forEach((name, value) -> zone.append(txt(name, value)));
        zone.append(txt("odk._domainkey.odkim.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(odk.getPublic())));
        dns = TestDnsServer.start(zone.toString());
        receiver = secuMail("receiver", "myhostname = mx.dest.test", "mydestination = dest.test",
                // not loopback: Postfix relays from 127.0.0.1, and mail from mynetworks is signed, not verified
                "mynetworks = 192.0.2.0/24", "local_recipient_maps = inline:{ user1=ok }",
                "mail_spool_directory = " + root.resolve("receiver/mail") + "/");
        milterPort = freePort();
        postfix = PostfixInstance.start(PostfixInstance.defaultScript(), String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = relay.postfix.test",
                "mydestination =",
                "mynetworks = 127.0.0.0/8",
                "relay_domains = dest.test",
                "transport_maps = inline:{ dest.test=smtp:[127.0.0.1]:" + receiver.listeners().get(0).port() + " }",
                "smtpd_milters = inet:127.0.0.1:" + milterPort,
                "non_smtpd_milters =",
                // no opendkim, no mail: a message must never pass unchecked
                "milter_default_action = tempfail",
                // loopback clients, no DNS here: 127.0.0.3 has no PTR record to wait for
                "smtpd_peername_lookup = no",
                "alias_maps =", "alias_database =", ""));
    }

    @AfterAll
    static void stopAll() {
        if (postfix != null) postfix.close();
        if (receiver != null) receiver.close();
        if (dns != null) dns.close();
    }

    @AfterEach
    void stopEach() {
        if (signer != null) signer.close();
        if (milter != null) milter.close();
    }

    /** SecuMail's two public keys, the TXT records opendkim reads from TestDNSData. */
    private static Map<String, String> keyRecords() {
        return Map.of("rsa._domainkey.example.test", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(rsa.getPublic()),
                "ed._domainkey.example.test", "v=DKIM1; k=ed25519; p=" + DkimKeys.publicKeyValue(ed.getPublic()));
    }

    private static String txt(String name, String value) {
        StringBuilder sb = new StringBuilder(name).append(" TXT");
        for (int i = 0; i < value.length(); i += 200) sb.append(" \"").append(value, i, Math.min(value.length(), i + 200)).append('"');
        return sb.append('\n').toString();
    }

    private static Server secuMail(String name, String... extra) throws IOException {
        Path d = root.resolve(name);
        String main = String.join("\n", "compatibility_level = 3.6", "alias_maps =", "queue_directory = " + d.resolve("queue"),
                "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s", String.join("\n", extra), "");
        return Server.start(MainConfig.fromText(main, "main.cf", d), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private void startMilter(String canonicalization) throws Exception {
        milter = OpenDkimMilter.start(root.resolve("opendkim-" + canonicalization.replace('/', '-')), milterPort, canonicalization,
                keyRecords(), odk.getPrivate());
    }

    /** The test message: folded long Subject, 8-bit (UTF-8) body lines, a leading dot, no final CRLF. */
    private static byte[] message(String from, String id) {
        String text = "From: Sender <" + from + ">\r\nTo: User One <user1@dest.test>\r\n"
                + "Subject: OpenDKIM interop: a long subject line that goes on and on so that it is\r\n"
                + "\tfolded   over three lines,  with runs of   blanks\r\n  and a last continuation\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
                + "Message-ID: <" + id + ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"
                + "Gr\u00fc\u00dfe aus Z\u00fcrich, \u00e7a va? \u65e5\u672c\u8a9e\r\n"
                + ".a line that starts with a dot\r\ntrailing blanks   \r\n\r\n\tindented\r\nlast line without CRLF";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The message the receiver delivered with this Message-ID, header fields unfolded (Maildir has LF line ends). */
    private String delivered(String id, long mark) throws Exception {
        Path dir = root.resolve("receiver/mail/user1/new");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        String m = Files.readString(p, StandardCharsets.UTF_8);
                        if (m.contains("Message-ID: <" + id + ">")) return m;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no message " + id + " delivered in 20 s\n" + postfix.maillogSince(mark) + "\nopendkim: " + milter.output());
    }

    /** Header fields named name, each unfolded to one line. */
    private static List<String> fields(String message, String name) {
        String head = message.substring(0, message.indexOf("\n\n") + 1).replaceAll("\n[ \t]+", " ");
        return head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1)).toList();
    }

    /**
     * What OpenDKIM found, from its Authentication-Results field: both signatures pass. OpenDKIM
     * 2.11 (Debian) supports ed25519-sha256 ("opendkim -V") and says pass for it as for rsa, only
     * without the "(2048-bit key)" comment. The header.b prefixes tie each result to its signature.
     */
    private void secuMailSignsOpenDkimVerifies(String canon) throws Exception {
        String got = secuMailSignedThroughPostfix(canon);
        List<String> sigs = fields(got, "DKIM-Signature");
        String rsaB = bPrefix(sigs, "rsa");
        String edB = bPrefix(sigs, "ed");
        List<String> ours = fields(got, "Authentication-Results").stream()
                .filter(f -> f.startsWith("Authentication-Results: " + OpenDkimMilter.AUTHSERV_ID + ";")).toList();
        assertThat(ours).as("OpenDKIM's Authentication-Results in\n" + got).hasSize(1);
        List<String> dkim = Stream.of(ours.get(0).split(";")).map(String::strip).filter(e -> e.startsWith("dkim=")).toList();
        assertThat(dkim).as(ours.get(0)).containsExactlyInAnyOrder(
                "dkim=pass (2048-bit key) header.d=example.test header.i=@example.test header.a=rsa-sha256 header.s=rsa header.b=" + rsaB,
                "dkim=pass header.d=example.test header.i=@example.test header.a=ed25519-sha256 header.s=ed header.b=" + edB);
        // and SecuMail, after Postfix, agrees (Postfix changed nothing signed)
        assertThat(fields(got, "Authentication-Results")).anySatisfy(f -> assertThat(f).startsWith("Authentication-Results: mx.dest.test;")
                .contains("dkim=pass header.d=example.test header.s=rsa").contains("dkim=pass header.d=example.test header.s=ed"));
    }

    /** The first 8 characters of the b= value of the signature with s=selector, as OpenDKIM's header.b shows it. */
    private static String bPrefix(List<String> sigs, String selector) {
        String sig = sigs.stream().filter(x -> Pattern.compile("[;\\s]s=" + selector + "(;|\\s|$)").matcher(x).find()).findFirst().orElseThrow();
        Matcher b = Pattern.compile("[;\\s]b=([^;]+)").matcher(sig);
        assertThat(b.find()).as(sig).isTrue();
        return b.group(1).replaceAll("\\s", "").substring(0, 8);
    }

    private String secuMailSignedThroughPostfix(String canon) throws Exception {
        startMilter("relaxed/relaxed");
        Path keys = root.resolve("signer-" + canon.replace('/', '-') + "/dkim/example.test");
        Files.createDirectories(keys);
        for (var k : Map.of("rsa", rsa, "ed", ed).entrySet()) {
            Path f = keys.resolve(k.getKey() + ".private");
            Files.writeString(f, DkimKeys.toPem(k.getValue().getPrivate()));
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        }
        signer = secuMail("signer-" + canon.replace('/', '-'), "myhostname = mx.example.test", "mydestination =",
                "mynetworks = 127.0.0.0/8", "relayhost = [127.0.0.1]:" + postfix.port(),
                "secumail_dkim_domains = example.test", "secumail_dkim_selectors = rsa, ed",
                "secumail_dkim_key_directory = " + keys.getParent(), "secumail_dkim_canonicalization = " + canon);
        String id = UUID.randomUUID() + "@example.test";
        long mark = postfix.maillogSize();
        assertThat(LoopbackSmtp.send("127.0.0.1", signer.listeners().get(0).port(), "alice@example.test", "user1@dest.test",
                message("alice@example.test", id))).startsWith("250");
        String got = delivered(id, mark);
        List<String> sigs = fields(got, "DKIM-Signature");
        assertThat(sigs).as(got).hasSize(2).allSatisfy(s -> assertThat(s).contains("d=example.test").contains("c=" + canon));
        return got;
    }

    @Test
    void secuMailSignsRelaxedAndOpenDkimVerifiesBothSignatures() throws Exception {
        secuMailSignsOpenDkimVerifies("relaxed/relaxed");
    }

    @Test
    void secuMailSignsSimpleAndOpenDkimVerifiesBothSignatures() throws Exception {
        secuMailSignsOpenDkimVerifies("simple/simple");
    }

    private void openDkimSignsSecuMailVerifies(String canon) throws Exception {
        startMilter(canon);
        String id = UUID.randomUUID() + "@odkim.test";
        long mark = postfix.maillogSize();
        assertThat(LoopbackSmtp.send(OpenDkimMilter.INTERNAL_HOST, postfix.port(), "bob@odkim.test", "user1@dest.test",
                message("bob@odkim.test", id))).as(postfix.maillogSince(mark)).startsWith("250");
        String got = delivered(id, mark);
        List<String> sigs = fields(got, "DKIM-Signature");
        assertThat(sigs).as(got).hasSize(1);
        assertThat(sigs.get(0)).contains("d=odkim.test").contains("s=odk").contains("a=rsa-sha256").contains("c=" + canon);
        List<String> ar = fields(got, "Authentication-Results");
        // SecuMail's verdict on OpenDKIM's signature; opendkim itself signed (internal host), so it added no result
        assertThat(ar).as(got).anySatisfy(f -> assertThat(f).startsWith("Authentication-Results: mx.dest.test;")
                .contains("dkim=pass header.d=odkim.test header.s=odk"));
        assertThat(ar).noneSatisfy(f -> assertThat(f).contains(OpenDkimMilter.AUTHSERV_ID));
    }

    @Test
    void openDkimSignsSimpleAndSecuMailVerifies() throws Exception {
        openDkimSignsSecuMailVerifies("simple/simple");
    }

    @Test
    void openDkimSignsRelaxedAndSecuMailVerifies() throws Exception {
        openDkimSignsSecuMailVerifies("relaxed/relaxed");
    }
}
