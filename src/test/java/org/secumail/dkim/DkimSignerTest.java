// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.secumail.dkim.DkimTestSupport.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.interfaces.EdECPrivateKey;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/** The signature field's shape (OpenDKIM-like folding, oversigning) and key files. */
class DkimSignerTest {
    @TempDir
    Path dir;

    static final String MSG = "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\nReceived: from x\r\nX-Mailer: y\r\n\r\nbody\r\n";

    @Test
    void fieldShapeAndOversigning() throws Exception {
        KeyPair kp = DkimKeys.generate("rsa", 2048);
        HeaderField f = new DkimSigner(at(1_700_000_000L)).sign(msg(MSG, true), new DkimKey("Example.COM", "sel", kp.getPrivate()), DkimSignOptions.defaults());
        String s = f.toString();
        assertThat(s).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;");
        for (String line : s.split("\r\n")) assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
        assertThat(s.split("\r\n")[s.split("\r\n").length - 1]).doesNotContain("=;");
        TagList t = TagList.parse(f.value());
        assertThat(t.asMap().keySet()).containsExactly("v", "a", "c", "d", "s", "t", "bh", "h", "b");
        assertThat(t.get("t")).isEqualTo("1700000000");
        List<String> h = List.of(TagList.removeWhitespace(t.get("h")).split(":"));
        // present fields once, then every oversigned name once more; Received and X-Mailer are not OpenDKIM defaults
        assertThat(h).containsExactly("from", "to", "subject", "from", "to", "subject", "date", "message-id", "reply-to");
    }

    @Test
    void dualSignaturesDoNotCoverEachOther() throws Exception {
        RawMessage m = msg(MSG, true);
        DkimSigner signer = new DkimSigner(at(1_700_000_000L));
        HeaderField a = signer.sign(m, new DkimKey("example.com", "r", DkimKeys.generate("rsa", 1024).getPrivate()), DkimSignOptions.defaults());
        HeaderField b = signer.sign(m, new DkimKey("example.com", "e", DkimKeys.generate("ed25519", 0).getPrivate()), DkimSignOptions.defaults());
        assertThat(TagList.parse(a.value()).get("h")).isEqualTo(TagList.parse(b.value()).get("h")).doesNotContainIgnoringCase("dkim-signature");
        assertThat(TagList.parse(b.value()).get("a")).isEqualTo("ed25519-sha256");
    }

    @Test
    void keyFilesAllFormats() throws Exception {
        KeyPair rsa = DkimKeys.generate("rsa", 1024);
        KeyPair ed = DkimKeys.generate("ed25519", 0);
        Path pkcs1 = write("rsa1.pem", DkimKeys.toPem(rsa.getPrivate()));
        Path pkcs8 = write("rsa8.pem", "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Path ed8 = write("ed8.pem", DkimKeys.toPem(ed.getPrivate()));
        Path seed = write("ed.seed", Base64.getEncoder().encodeToString(((EdECPrivateKey) ed.getPrivate()).getBytes().orElseThrow()) + "\n");
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(ed8)).startsWith("-----BEGIN PRIVATE KEY-----");
        for (Path p : List.of(pkcs1, pkcs8)) {
            DkimKeys.Loaded k = DkimKeys.load(p);
            assertThat(k.algorithm()).isEqualTo("rsa-sha256");
            assertThat(k.publicKey()).isEqualTo(rsa.getPublic());
            assertThat(k.warnings()).isEmpty();
        }
        for (Path p : List.of(ed8, seed)) {
            DkimKeys.Loaded k = DkimKeys.load(p);
            assertThat(k.algorithm()).isEqualTo("ed25519-sha256");
            assertThat(DkimKeys.publicKeyValue(k.publicKey())).isEqualTo(DkimKeys.publicKeyValue(ed.getPublic()));
        }
        // RFC 8463 A.1: the seed derives the published brisbane key
        assertThat(DkimKeys.publicKeyValue(DkimKeys.publicKey(DkimKeys.parse(text("rfc8463/ed25519-private-seed.b64")))))
                .isEqualTo("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    }

    @Test
    void keyFileWarningsAndErrors() throws Exception {
        Path open = write("open.pem", DkimKeys.toPem(DkimKeys.generate("ed25519", 0).getPrivate()));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(DkimKeys.load(open).warnings()).singleElement().asString().contains(open.toString()).contains("readable by group or others");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> DkimKeys.load(missing)).isInstanceOf(IOException.class).hasMessageContaining(missing.toString());
        Path junk = write("junk.pem", "not a key at all");
        assertThatThrownBy(() -> DkimKeys.load(junk)).isInstanceOf(IOException.class).hasMessageContaining(junk.toString());
        Path cert = write("pub.pem", "-----BEGIN PUBLIC KEY-----\n" + DkimKeys.publicKeyValue(DkimKeys.generate("rsa", 1024).getPublic()) + "\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> DkimKeys.load(cert)).isInstanceOf(IOException.class).hasMessageContaining("not a private key");
        assertThatThrownBy(() -> DkimKeys.generate("rsa", 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DkimKey("example.com", "bad selector", DkimKeys.generate("ed25519", 0).getPrivate()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }
}
