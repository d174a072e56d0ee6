// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.dns.TestDnsServer;

/**
 * SecuMail as the MTA with a real OpenDKIM (Debian opendkim 2.11) as its smtpd_milters, on
 * loopback: OpenDKIM signs mail from its InternalHosts (127.0.0.3) through SecuMail's milter
 * client, and the signature in the delivered message verifies with dkimpy (Debian
 * python3-dkim) and with SecuMail's own verifier; mail from elsewhere is verified by OpenDKIM,
 * whose Authentication-Results arrives. Skipped when opendkim or dkimpy is missing, failed
 * instead under CI=true.
 */
class OpenDkimAsSecuMailMilterTest {
    @TempDir
    static Path root;

    private static KeyPair odk;
    private static OpenDkimMilter milter;
    private static TestDnsServer dns;
    private static Server mta;

    @BeforeAll
    static void start() throws Exception {
        String why = !Files.isExecutable(OpenDkimMilter.BINARY) ? OpenDkimMilter.BINARY + " is missing (Debian package opendkim)"
                : !DkimInteropTest.dkimpyPresent() ? "python3-dkim (dkimpy) is missing" : null;
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why + " (scripts/install-test-deps.sh installs it)");
        odk = DkimKeys.generate("rsa", 2048);
        String key = "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(odk.getPublic());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        milter = OpenDkimMilter.start(root.resolve("opendkim"), port, "relaxed/simple", Map.of("odk._domainkey.odkim.test", key), odk.getPrivate());
        StringBuilder zone = new StringBuilder("odkim.test SOA ns.odkim.test hostmaster.odkim.test 1 3600 600 86400 60\nodk._domainkey.odkim.test TXT");
        for (int i = 0; i < key.length(); i += 200) zone.append(" \"").append(key, i, Math.min(key.length(), i + 200)).append('"');
        dns = TestDnsServer.start(zone.append('\n').toString());
        Path d = root.resolve("mta");
        String main = String.join("\n", "compatibility_level = 3.6", "alias_maps =", "queue_directory = " + d.resolve("queue"),
                "data_directory = " + d.resolve("data"),
                "myhostname = mx.dest.test", "mydestination = dest.test", "local_recipient_maps = inline:{ user1=ok }",
                // not loopback: every client here is "outside", so SecuMail verifies as well
                "mynetworks = 192.0.2.0/24",
                "mail_spool_directory = " + d.resolve("mail") + "/",
                "dns_servers = " + dns.serverSpec(), "secumail_dns_timeout = 1s", "secumail_dmarc_enable = no",
                "smtpd_milters = inet:127.0.0.1:" + port, "milter_default_action = tempfail", "");
        mta = Server.start(MainConfig.fromText(main, "main.cf", d), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    @AfterAll
    static void stop() {
        if (mta != null) mta.close();
        if (milter != null) milter.close();
        if (dns != null) dns.close();
    }

    private static byte[] message(String id) {
        return ("From: Bob <bob@odkim.test>\r\nTo: User One <user1@dest.test>\r\nSubject: signed by OpenDKIM as SecuMail's milter,\r\n"
                + "\tfolded\r\nDate: Sun, 06 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + id + ">\r\n\r\n"
                + "Hello,\r\n.a dot line\r\n\r\ntrailing blanks   \r\nlast\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String delivered(String id) throws Exception {
        Path dir = root.resolve("mta/mail/user1/new");
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
        throw new AssertionError("no message " + id + " delivered in 20 s; opendkim: " + milter.output());
    }

    private static List<String> fields(String message, String name) {
        String head = message.substring(0, message.indexOf("\n\n") + 1).replaceAll("\n[ \t]+", " ");
        return head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1)).toList();
    }

    @Test
    void openDkimSignsThroughSecuMailAndDkimpyVerifies() throws Exception {
        String id = UUID.randomUUID() + "@odkim.test";
        assertThat(LoopbackSmtp.send(OpenDkimMilter.INTERNAL_HOST, mta.listeners().get(0).port(), "bob@odkim.test", "user1@dest.test",
                message(id))).startsWith("250");
        String got = delivered(id);
        List<String> sigs = fields(got, "DKIM-Signature");
        assertThat(sigs).as(got).hasSize(1);
        assertThat(sigs.get(0)).contains("d=odkim.test").contains("s=odk").contains("c=relaxed/simple");
        // SecuMail's own verifier runs after the milters, over the message they left
        assertThat(fields(got, "Authentication-Results")).as(got)
                .anySatisfy(f -> assertThat(f).startsWith("Authentication-Results: mx.dest.test;").contains("dkim=pass header.d=odkim.test header.s=odk"));
        // dkimpy, over the delivered file with Return-Path and Delivered-To taken off and CRLF line ends
        String body = got.substring(got.indexOf("\n", got.indexOf("Delivered-To:")) + 1).replace("\n", "\r\n");
        Path eml = root.resolve("signed-" + id + ".eml");
        Files.writeString(eml, body, StandardCharsets.UTF_8);
        Path job = root.resolve("job-" + id + ".json");
        Files.writeString(job, DkimInteropTest.json(Map.of("dns", Map.of("odk._domainkey.odkim.test",
                "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(odk.getPublic())), "verify", List.of(eml.toString()))));
        Process p = new ProcessBuilder(DkimInteropTest.PY.toString(), DkimInteropTest.HARNESS.toString(), job.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.strip()).as(out).isEqualTo(eml + " pass");
    }

    @Test
    void openDkimVerifiesThroughSecuMailAndItsResultArrives() throws Exception {
        String id = UUID.randomUUID() + "@odkim.test";
        int port = mta.listeners().get(0).port();
        assertThat(LoopbackSmtp.send(OpenDkimMilter.INTERNAL_HOST, port, "bob@odkim.test", "user1@dest.test", message(id))).startsWith("250");
        String signed = delivered(id);
        // the signed message again, now from a host OpenDKIM does not sign for: it verifies
        String again = signed.substring(signed.indexOf("DKIM-Signature:")).replace("\n", "\r\n")
                .replace("Message-ID: <" + id + ">", "Message-ID: <" + id + ">");
        Files.delete(Files.list(root.resolve("mta/mail/user1/new")).filter(f -> {
            try {
                return Files.readString(f).contains(id);
            } catch (java.io.IOException e) {
                return false;
            }
        }).findFirst().orElseThrow());
        assertThat(LoopbackSmtp.send("127.0.0.1", port, "bob@odkim.test", "user1@dest.test", again.getBytes(StandardCharsets.UTF_8))).startsWith("250");
        String got = delivered(id);
        assertThat(fields(got, "Authentication-Results")).as(got)
                .anySatisfy(f -> assertThat(f).startsWith("Authentication-Results: " + OpenDkimMilter.AUTHSERV_ID + ";")
                        .contains("dkim=pass").contains("header.d=odkim.test"));
    }
}
