// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.cli.DkimCommand;
import org.secumail.content.RawMessage;
import org.secumail.dns.TestDnsServer;
import picocli.CommandLine;

/**
 * "secumail dkim keygen|sign|verify|testkey" end to end with a loopback DNS server, and
 * against OpenDKIM's own tools (Debian opendkim-tools): opendkim-testkey accepts what our
 * keygen writes, and what opendkim-testmsg signs verifies in SecuMail.
 */
class DkimCommandTest {
    static final String MSG = "From: Alice <alice@example.test>\r\nTo: bob@example.net\r\nSubject: cli\r\n\r\nHello from the CLI.\r\n";

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) { }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new DkimCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new Run(rc, out.toString(), err.toString());
    }

    /** The zone line as TestDnsServer text: one TXT record of 250-character strings. */
    static String zone(Path txt, String domain) throws Exception {
        return zoneRecord(txt.getFileName().toString().replace(".txt", "") + "._domainkey." + domain, DkimKeys.recordOf(Files.readString(txt)));
    }

    static String zoneRecord(String name, String rec) {
        StringBuilder sb = new StringBuilder(name + " TXT");
        for (int i = 0; i < rec.length(); i += 250) sb.append(" \"").append(rec, i, Math.min(rec.length(), i + 250)).append('"');
        return sb.append('\n').toString();
    }

    /** The hidden "bench" of bench/dkim.sh: short loops, a row and a JSON line per loop; a bad signed copy stops it. */
    @Test
    void benchMeasuresSignAndVerifyAndRefusesASignatureThatDoesNotVerify() throws Exception {
        assertThat(run("keygen", "-d", "example.test", "-s", "ed", "--type", "ed25519", "-D", dir.toString()).exit()).isZero();
        Path msg = dir.resolve("m.eml");
        Files.writeString(msg, MSG, StandardCharsets.US_ASCII);
        assertThat(run("sign", "-d", "example.test", "-s", "ed", "-k", dir.resolve("ed.private").toString(),
                "-o", DkimBenchmark.signedFile(msg, "ed").toString(), msg.toString()).exit()).isZero();
        assertThat(DkimBenchmark.signedFile(msg, "ed")).isEqualTo(dir.resolve("m.ed.eml"));
        Path json = dir.resolve("out.json");
        Run r = run("bench", "-d", "example.test", "-k", "ed=" + dir.resolve("ed.private"), "-m", "tiny=" + msg,
                "--threads", "1,2", "--warmup", "0", "--seconds", "0.2", "--json", json.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("secumail "))).hasSize(4);
        List<String> lines = Files.readAllLines(json);
        assertThat(lines).hasSize(4).allMatch(l -> l.startsWith("{\"impl\":\"secumail\"") && l.contains("\"alg\":\"ed25519-sha256\""));
        assertThat(lines.get(1)).contains("\"op\":\"verify\"", "\"threads\":1");

        Files.writeString(dir.resolve("m.ed.eml"), Files.readString(dir.resolve("m.ed.eml")).replace("Hello", "Hallo"));
        Run bad = run("bench", "-d", "example.test", "-k", "ed=" + dir.resolve("ed.private"), "-m", "tiny=" + msg, "--seconds", "0.1");
        assertThat(bad.exit()).isEqualTo(64);
        assertThat(bad.err()).contains("does not verify");
    }

    @Test
    void keygenWritesOpendkimGenkeyFiles() throws Exception {
        Run r = run("keygen", "-d", "example.test", "-s", "sel", "-D", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path priv = dir.resolve("sel.private");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
        assertThat(Files.readString(priv)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        String txt = Files.readString(dir.resolve("sel.txt"));
        assertThat(txt).matches("(?s)sel\\._domainkey\tIN\tTXT\t\\( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  \"p=[A-Za-z0-9+/]{250}\"\n\t  \"[A-Za-z0-9+/=]+\" \\)  ; ----- DKIM key sel for example\\.test\n");
        DkimKeys.Loaded k = DkimKeys.load(priv);
        assertThat(k.warnings()).isEmpty();
        assertThat(DkimKeyRecord.parse(DkimKeys.recordOf(txt)).key()).isEqualTo(k.publicKey());
        assertThat(run("keygen", "-d", "example.test", "-s", "ed", "--type", "ed25519", "-D", dir.toString()).exit()).isZero();
        assertThat(Files.readString(dir.resolve("ed.txt"))).contains("k=ed25519; ").doesNotContain("h=sha256");
        assertThat(run("keygen", "-d", "bad_domain!", "-s", "x", "-D", dir.toString()).exit()).isEqualTo(64);
    }

    @Test
    void signVerifyAndTestkeyWithLoopbackDns() throws Exception {
        assertThat(run("keygen", "-d", "example.test", "-s", "sel", "-D", dir.toString()).exit()).isZero();
        assertThat(run("keygen", "-d", "example.test", "-s", "other", "--type", "ed25519", "-D", dir.toString()).exit()).isZero();
        Path in = dir.resolve("in.eml");
        Files.writeString(in, MSG);
        Path signed = dir.resolve("signed.eml");
        Run s = run("sign", in.toString(), "-d", "example.test", "-s", "sel", "-k", dir.resolve("sel.private").toString(), "-o", signed.toString());
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(Files.readString(signed)).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=sel;");
        String zone = zone(dir.resolve("sel.txt"), "example.test") + zone(dir.resolve("other.txt"), "example.test")
                + zoneRecord("wrong._domainkey.example.test", "v=DKIM1; k=rsa; p=" + recordP(dir.resolve("sel.txt")));
        try (TestDnsServer dns = TestDnsServer.start(zone)) {
            Run v = run("verify", signed.toString(), "--dns-server", dns.serverSpec());
            assertThat(v.exit()).as(v.out()).isZero();
            assertThat(v.out()).contains("key: TXT sel._domainkey.example.test -> OK").contains("dkim=pass header.d=example.test header.s=sel");
            assertThat(v.out()).doesNotContain("ARC chain");
            // the same message sealed with ARC: verify shows the chain too
            RawMessage sm = RawMessage.of(signed);
            List<org.secumail.content.HeaderField> set = new org.secumail.arc.ArcSealer(java.time.Clock.systemUTC()).seal(sm,
                    new DkimKey("example.test", "sel", DkimKeys.load(dir.resolve("sel.private")).privateKey()), "mx.example.test",
                    "dkim=pass header.d=example.test", org.secumail.arc.ArcResult.NONE, null);
            Path sealed = dir.resolve("sealed.eml");
            StringBuilder top = new StringBuilder();
            for (var f : set) top.append(new String(f.raw(), StandardCharsets.US_ASCII));
            Files.writeString(sealed, top + Files.readString(signed));
            Run arc = run("verify", sealed.toString(), "--dns-server", dns.serverSpec());
            assertThat(arc.exit()).as(arc.out()).isZero();
            assertThat(arc.out()).contains("ARC chain:").contains("AS i=1 (d=example.test s=sel, cv=none): verified").contains("arc=pass header.oldest-pass=0");
            Files.writeString(signed, Files.readString(signed).replace("Hello", "Jello"));
            Run bad = run("verify", signed.toString(), "--dns-server", dns.serverSpec());
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.out()).contains("body hash did not verify");
            Run ok = run("testkey", "-d", "example.test", "-s", "sel", "-k", dir.resolve("sel.private").toString(), "--dns-server", dns.serverSpec());
            assertThat(ok.exit()).as(ok.out()).isZero();
            assertThat(ok.out()).contains("key OK");
            assertThat(run("testkey", "-d", "example.test", "-s", "other", "-k", dir.resolve("other.private").toString(), "--dns-server", dns.serverSpec()).out())
                    .contains("key OK");
            Run mismatch = run("testkey", "-d", "example.test", "-s", "other", "-k", dir.resolve("sel.private").toString(), "--dns-server", dns.serverSpec());
            assertThat(mismatch.exit()).isEqualTo(1);
            assertThat(mismatch.out()).contains("does not match");
            Path other = dir.resolve("x.private");
            Files.writeString(other, DkimKeys.toPem(DkimKeys.generate("rsa", 1024).getPrivate()));
            Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-r--r--"));
            Run wrong = run("testkey", "-d", "example.test", "-s", "wrong", "-k", other.toString(), "--dns-server", dns.serverSpec());
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.out()).contains("readable by group or others").contains("key mismatch");
            Run none = run("testkey", "-d", "example.test", "-s", "nosuch", "-k", dir.resolve("sel.private").toString(), "--dns-server", dns.serverSpec());
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.out()).contains("no key");
        }
        Path missing = dir.resolve("nope.private");
        Run unreadable = run("sign", in.toString(), "-d", "example.test", "-s", "sel", "-k", missing.toString());
        assertThat(unreadable.exit()).isEqualTo(64);
        assertThat(unreadable.err()).contains(missing.toString());
    }

    static String recordP(Path txt) throws Exception {
        String rec = DkimKeys.recordOf(Files.readString(txt));
        return rec.substring(rec.indexOf("p=") + 2);
    }

    @Test
    void opendkimTestkeyAcceptsOurKeygen() throws Exception {
        Path tool = Path.of("/usr/sbin/opendkim-testkey");
        DkimInteropTest.requireTool(Files.isExecutable(tool), "opendkim-tools (opendkim-testkey)");
        assertThat(run("keygen", "-d", "example.test", "-s", "sel", "-D", dir.toString()).exit()).isZero();
        try (TestDnsServer dns = TestDnsServer.start(zone(dir.resolve("sel.txt"), "example.test"))) {
            // OpenDKIM resolves through libunbound: forward everything to the loopback server
            Path unbound = dir.resolve("unbound.conf");
            Files.writeString(unbound, "server:\n  do-not-query-localhost: no\n  module-config: \"iterator\"\n  local-zone: \"test.\" nodefault\n"
                    + "forward-zone:\n  name: \".\"\n  forward-addr: 127.0.0.1@" + dns.port() + "\n");
            Path conf = dir.resolve("opendkim.conf");
            Files.writeString(conf, "ResolverConfiguration " + unbound + "\n");
            Process p = new ProcessBuilder(tool.toString(), "-d", "example.test", "-s", "sel", "-k", dir.resolve("sel.private").toString(),
                    "-x", conf.toString(), "-vvv").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as("queries seen: " + dns.queryCount()).contains("key OK");
            assertThat(p.exitValue()).as(out).isZero();
        }
    }

    /**
     * opendkim-testmsg (2.11) is OpenDKIM's only offline signer, and it signs with rsa-sha1 and
     * no option to change that: RFC 8301 says such signatures are permerror, which is what
     * SecuMail must answer (and does without asking DNS).
     */
    @Test
    void opendkimTestmsgSignsRsaSha1WhichIsPermerror() throws Exception {
        Path tool = Path.of("/usr/sbin/opendkim-testmsg");
        DkimInteropTest.requireTool(Files.isExecutable(tool), "opendkim-tools (opendkim-testmsg)");
        assertThat(run("keygen", "-d", "example.test", "-s", "sel", "-D", dir.toString()).exit()).isZero();
        String m = "From: a@example.test\r\nTo: b@example.test\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nSubject: s\r\n"
                + "Message-ID: <a@example.test>\r\n\r\nhi\r\n";
        Process p = new ProcessBuilder(tool.toString(), "-d", "example.test", "-s", "sel", "-k", dir.resolve("sel.private").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(m.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] signed = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(new String(signed, StandardCharsets.UTF_8)).startsWith("DKIM-Signature: v=1; a=rsa-sha1;");
        DkimTestSupport.MapResolver dns = new DkimTestSupport.MapResolver()
                .put("sel._domainkey.example.test", DkimKeys.recordOf(Files.readString(dir.resolve("sel.txt"))));
        List<DkimVerification> v = new DkimVerifier(dns, java.time.Clock.systemUTC(), 10).verify(RawMessage.of(DkimTestSupport.crlf(signed)));
        assertThat(v).hasSize(1);
        assertThat(v.get(0).result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(v.get(0).reason()).contains("RFC 8301");
        assertThat(dns.queries.get()).isZero();
    }
}
