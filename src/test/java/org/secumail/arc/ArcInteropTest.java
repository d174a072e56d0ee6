// SPDX-License-Identifier: Apache-2.0
package org.secumail.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;
import org.secumail.dkim.DkimKey;
import org.secumail.dkim.DkimKeys;

/**
 * ARC both ways with dkimpy (Debian python3-dkim, arc_sign / arc_verify) through
 * src/test/resources/dkim/interop/dkimpy_harness.py: a chain sealed by SecuMail validates in
 * dkimpy, one sealed by dkimpy validates in SecuMail, and a mixed chain (dkimpy i=1, a list
 * that rewrites the Subject, SecuMail i=2) validates in both. rsa-sha256 only: dkimpy does not
 * seal or accept ed25519 in ARC. Skipped without python3-dkim, failed under CI=true.
 */
class ArcInteropTest {
    static final Path PY = Path.of("/usr/bin/python3");
    static final Path HARNESS = Path.of("src/test/resources/dkim/interop/dkimpy_harness.py").toAbsolutePath();

    @TempDir
    Path dir;

    static void requireDkimpy() throws Exception {
        boolean ok;
        try {
            Process p = new ProcessBuilder(PY.toString(), "-c", "import dkim, authres").redirectErrorStream(true).start();
            ok = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            ok = false;
        }
        if (ok) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("python3-dkim is missing under CI=true");
        Assumptions.abort("python3-dkim (dkimpy with authres) is not installed (scripts/install-test-deps.sh installs it)");
    }

    List<String> harness(String json) throws Exception {
        Path job = dir.resolve("job-" + System.nanoTime() + ".json");
        Files.writeString(job, json);
        Process p = new ProcessBuilder(PY.toString(), HARNESS.toString(), job.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    static String q(String s) { return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

    static byte[] prepend(List<HeaderField> fields, byte[] msg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : fields) out.writeBytes(f.raw());
        out.writeBytes(msg);
        return out.toByteArray();
    }

    @Test
    void bothWaysAndMixedChain() throws Exception {
        requireDkimpy();
        KeyPair k1 = DkimKeys.generate("rsa", 2048);
        KeyPair k2 = DkimKeys.generate("rsa", 2048);
        Map<String, String> txt = new LinkedHashMap<>();
        txt.put("a1._domainkey.origin.example", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(k1.getPublic()));
        txt.put("b2._domainkey.fwd.example", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(k2.getPublic()));
        StringBuilder dns = new StringBuilder("{");
        txt.forEach((k, v) -> dns.append(dns.length() > 1 ? "," : "").append(q(k)).append(':').append(q(v)));
        dns.append('}');
        ArcVerifier verifier = new ArcVerifier(new ArcSuiteTest.MapResolver(txt));
        String base = "Authentication-Results: mx.origin.example; spf=pass smtp.mailfrom=a@origin.example;\r\n  dkim=none\r\n"
                + "From: A <a@origin.example>\r\nTo: list@list.example\r\nSubject: hello\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                + "Message-ID: <arc1@origin.example>\r\n\r\nSome  body text\r\n\r\n";
        Path key1 = dir.resolve("k1.pem");
        Files.writeString(key1, DkimKeys.toPem(k1.getPrivate()));

        // 1. SecuMail seals i=1; dkimpy validates
        RawMessage m = RawMessage.of(base.getBytes(StandardCharsets.US_ASCII));
        String ar = ArcSealer.authResultsFor(m.headers(), "mx.origin.example");
        byte[] ours = prepend(new ArcSealer(Clock.systemUTC()).seal(m, new DkimKey("origin.example", "a1", k1.getPrivate()),
                "mx.origin.example", ar, ArcResult.NONE, null), base.getBytes(StandardCharsets.US_ASCII));
        Path oursFile = dir.resolve("ours.eml");
        Files.write(oursFile, ours);

        // 2. dkimpy seals i=1 of the same message
        Path in = dir.resolve("in.eml");
        Files.writeString(in, base);
        Path theirs = dir.resolve("theirs.eml");
        List<String> signed = harness("{\"dns\":" + dns + ",\"arcsign\":[{\"in\":" + q(in.toString()) + ",\"out\":" + q(theirs.toString())
                + ",\"selector\":\"a1\",\"domain\":\"origin.example\",\"key\":" + q(key1.toString())
                + ",\"srv_id\":\"mx.origin.example\",\"headers\":[\"from\",\"to\",\"subject\",\"date\",\"message-id\"]}]}");
        assertThat(signed).singleElement().asString().endsWith("sealed 3");
        ArcValidation v = verifier.validate(RawMessage.of(Files.readAllBytes(theirs)));
        assertThat(v.result()).as(v.trace().toString()).isEqualTo(ArcResult.PASS);

        // 3. a list rewrites the Subject of dkimpy's message, then SecuMail (fwd.example) seals i=2
        String changed = Files.readString(theirs, StandardCharsets.ISO_8859_1).replace("Subject: hello", "Subject: [list] hello");
        RawMessage cm = RawMessage.of(("Authentication-Results: fwd.example; arc=pass\r\n" + changed).getBytes(StandardCharsets.ISO_8859_1));
        ArcValidation before = verifier.validate(cm);
        assertThat(before.result()).isEqualTo(ArcResult.FAIL);   // AMS 1 no longer matches: the receiver of an unsealed copy sees fail
        List<HeaderField> set2 = new ArcSealer(Clock.systemUTC()).seal(cm, new DkimKey("fwd.example", "b2", k2.getPrivate()),
                "fwd.example", "arc=pass", ArcResult.PASS, null);
        Path mixed = dir.resolve("mixed.eml");
        try (var s = cm.openMessage()) {
            Files.write(mixed, prepend(set2, s.readAllBytes()));
        }
        ArcValidation v2 = verifier.validate(RawMessage.of(Files.readAllBytes(mixed)));
        assertThat(v2.result()).as(v2.trace().toString()).isEqualTo(ArcResult.PASS);
        assertThat(v2.oldestPass()).isEqualTo(2);

        List<String> out = harness("{\"dns\":" + dns + ",\"arcverify\":[" + q(oursFile.toString()) + "," + q(mixed.toString()) + "]}");
        assertThat(out).hasSize(2);
        for (String line : out) assertThat(line).as(line).contains(" pass ");
        List<String> all = new ArrayList<>(out);
        assertThat(all.get(0)).startsWith(oursFile.toString());
    }
}
