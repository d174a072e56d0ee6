// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.dkim.DkimTestSupport.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.EdECPrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.content.RawMessage;

/**
 * Both ways with dkimpy (Debian python3-dkim), through src/test/resources/dkim/interop/dkimpy_harness.py:
 * what SecuMail signs verifies in dkimpy, what dkimpy signs verifies in SecuMail; rsa and ed25519,
 * every canonicalization pair, l=, folded headers, 8-bit bodies, a body without final CRLF.
 * Skipped when python3-dkim is missing, failed under CI=true.
 */
class DkimInteropTest {
    static final Path PY = Path.of("/usr/bin/python3");
    static final Path HARNESS = Path.of("src/test/resources/dkim/interop/dkimpy_harness.py").toAbsolutePath();
    static KeyPair rsa;
    static KeyPair ed;

    @TempDir
    Path dir;

    /** The message variants: plain, folded headers, 8-bit body, no final CRLF. */
    static final Map<String, byte[]> MESSAGES = new LinkedHashMap<>();

    static {
        String head = "From: Alice <alice@example.com>\r\nTo: bob@example.net,\r\n  carol@example.net\r\n"
                + "Subject: a subject that is\r\n\tfolded   over\r\n  three lines\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                + "Message-ID: <x1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
        MESSAGES.put("plain", ("From: alice@example.com\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello  \r\n\r\n  world\t\r\n\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        MESSAGES.put("folded", (head + "Body line\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] eight = (head + "Gr\u00fc\u00dfe, \u00e7a va? \u65e5\u672c\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] latin = "caf\u00e9 \tlatin-1  \r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] both = new byte[eight.length + latin.length];
        System.arraycopy(eight, 0, both, 0, eight.length);
        System.arraycopy(latin, 0, both, eight.length, latin.length);
        MESSAGES.put("8bit", both);
        MESSAGES.put("nofinalcrlf", (head + "last line without end").getBytes(StandardCharsets.US_ASCII));
    }

    static boolean dkimpyPresent() {
        try {
            Process p = new ProcessBuilder(PY.toString(), "-c", "import dkim").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static void requireTool(boolean present, String what) {
        if (present) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(what + " is missing under CI=true");
        Assumptions.abort(what + " is not installed (scripts/install-test-deps.sh installs it)");
    }

    @BeforeAll
    static void keys() throws Exception {
        rsa = DkimKeys.generate("rsa", 2048);
        ed = DkimKeys.generate("ed25519", 0);
    }

    static Map<String, String> dnsRecords() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("rsa._domainkey.example.com", "v=DKIM1; k=rsa; p=" + DkimKeys.publicKeyValue(rsa.getPublic()));
        m.put("ed._domainkey.example.com", "v=DKIM1; k=ed25519; p=" + DkimKeys.publicKeyValue(ed.getPublic()));
        return m;
    }

    /** Runs the harness on a job and returns its output lines. */
    List<String> harness(String jobJson) throws Exception {
        Path job = dir.resolve("job-" + System.nanoTime() + ".json");
        Files.writeString(job, jobJson);
        Process p = new ProcessBuilder(PY.toString(), HARNESS.toString(), job.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    static String json(Object o) {
        if (o instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        if (o instanceof Boolean b) return b.toString();
        if (o instanceof List<?> l) return "[" + String.join(",", l.stream().map(DkimInteropTest::json).toList()) + "]";
        if (o instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, v) -> parts.add(json(k) + ":" + json(v)));
            return "{" + String.join(",", parts) + "}";
        }
        throw new IllegalArgumentException(String.valueOf(o));
    }

    @Test
    void secumailSignsDkimpyVerifies() throws Exception {
        requireTool(dkimpyPresent(), "python3-dkim (dkimpy)");
        List<String> files = new ArrayList<>();
        DkimSigner signer = new DkimSigner(java.time.Clock.systemUTC());
        for (var e : MESSAGES.entrySet()) {
            RawMessage m = RawMessage.of(e.getValue());
            for (Canonicalization hc : Canonicalization.values()) {
                for (Canonicalization bc : Canonicalization.values()) {
                    for (boolean l : new boolean[] {false, true}) {
                        DkimSignOptions o = DkimSignOptions.defaults().withCanon(hc, bc).withBodyLength(l);
                        // dual signing: both signatures over the same message, neither covers the other
                        var s1 = signer.sign(m, new DkimKey("example.com", "rsa", rsa.getPrivate()), o);
                        var s2 = signer.sign(m, new DkimKey("example.com", "ed", ed.getPrivate()), o);
                        Path f = dir.resolve(e.getKey() + "-" + hc.keyword() + "-" + bc.keyword() + (l ? "-l" : "") + ".eml");
                        Files.write(f, concat(s2.raw(), s1.raw(), e.getValue()));
                        files.add(f.toString());
                    }
                }
            }
        }
        List<String> out = harness(json(Map.of("dns", dnsRecords(), "verify", files)));
        assertThat(out).hasSize(files.size());
        for (String line : out) assertThat(line).as(line).endsWith(" pass pass");
        // and SecuMail agrees with itself on the same files
        MapResolver dns = new MapResolver();
        dnsRecords().forEach(dns::put);
        for (String f : files) {
            List<DkimVerification> v = new DkimVerifier(dns, java.time.Clock.systemUTC(), 10).verify(RawMessage.of(Files.readAllBytes(Path.of(f))));
            assertThat(results(v)).as(f).containsExactly(DkimResult.PASS, DkimResult.PASS);
        }
    }

    @Test
    void dkimpySignsSecumailVerifies() throws Exception {
        requireTool(dkimpyPresent(), "python3-dkim (dkimpy)");
        Path rsaKey = dir.resolve("rsa.pem");
        Files.writeString(rsaKey, DkimKeys.toPem(rsa.getPrivate()));
        Path edKey = dir.resolve("ed.key");
        Files.writeString(edKey, Base64.getEncoder().encodeToString(((EdECPrivateKey) ed.getPrivate()).getBytes().orElseThrow()));
        List<Map<String, Object>> jobs = new ArrayList<>();
        List<String> outs = new ArrayList<>();
        for (var e : MESSAGES.entrySet()) {
            Path in = dir.resolve(e.getKey() + ".in");
            Files.write(in, e.getValue());
            for (String alg : List.of("rsa", "ed")) {
                for (Canonicalization hc : Canonicalization.values()) {
                    for (Canonicalization bc : Canonicalization.values()) {
                        for (boolean l : new boolean[] {false, true}) {
                            Path out = dir.resolve(e.getKey() + "-" + alg + "-" + hc.keyword() + "-" + bc.keyword() + (l ? "-l" : "") + ".out");
                            Map<String, Object> j = new LinkedHashMap<>();
                            j.put("in", in.toString());
                            j.put("out", out.toString());
                            j.put("selector", alg);
                            j.put("domain", "example.com");
                            j.put("key", (alg.equals("rsa") ? rsaKey : edKey).toString());
                            j.put("canon", List.of(hc.keyword(), bc.keyword()));
                            j.put("algorithm", alg.equals("rsa") ? "rsa-sha256" : "ed25519-sha256");
                            j.put("length", l);
                            jobs.add(j);
                            outs.add(out.toString());
                        }
                    }
                }
            }
        }
        assertThat(harness(json(Map.of("sign", jobs)))).hasSize(jobs.size());
        MapResolver dns = new MapResolver();
        dnsRecords().forEach(dns::put);
        for (String f : outs) {
            List<DkimVerification> v = new DkimVerifier(dns, java.time.Clock.systemUTC(), 10).verify(RawMessage.of(Files.readAllBytes(Path.of(f))));
            assertThat(v).as(f).hasSize(1);
            assertThat(v.get(0).result()).as(f + " " + v.get(0).trace()).isEqualTo(DkimResult.PASS);
        }
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
