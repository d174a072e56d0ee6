// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentResult;
import org.secumail.content.RawMessage;

/** Banned attachments: names, double extensions, real types, macros, inside archives too. */
class AntivirusPolicyTest {
    @TempDir
    Path dir;

    static final byte[] MZ = "MZ\u0090\u0000 a harmless stand-in for a program".getBytes(StandardCharsets.ISO_8859_1);

    static byte[] zip(String... nameThenData) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(b)) {
            for (int i = 0; i < nameThenData.length; i += 2) {
                z.putArchiveEntry(new ZipArchiveEntry(nameThenData[i]));
                z.write(nameThenData[i + 1].getBytes(StandardCharsets.ISO_8859_1));
                z.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    private static final AttachmentPolicy DEFAULT = AttachmentPolicy.parse(AttachmentPolicy.DEFAULT, "default");

    private static String check(AttachmentPolicy p, String name, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        return p.check(name, FileType.detect(b), b);
    }

    @Test
    void defaultRules() {
        byte[] text = "just text".getBytes();
        assertThat(check(DEFAULT, "invoice.pdf.exe", text)).isEqualTo("Banned.DoubleExtension");
        assertThat(check(DEFAULT, "invoice.pdf.exe. ", text)).isEqualTo("Banned.DoubleExtension");
        assertThat(check(DEFAULT, "setup.EXE", text)).isEqualTo("Banned.Name.EXE");
        assertThat(check(DEFAULT, "dir/sub\\run.scr", text)).isEqualTo("Banned.Name.scr");
        assertThat(check(DEFAULT, "report.txt", MZ)).isEqualTo("Banned.Type.PE");
        assertThat(check(DEFAULT, "report.txt", "\u007fELF....".getBytes(StandardCharsets.ISO_8859_1))).isEqualTo("Banned.Type.ELF");
        assertThat(check(DEFAULT, "report.pdf", "%PDF-1.7 ...".getBytes())).isNull();
        assertThat(check(DEFAULT, "word/vbaProject.bin", text)).isEqualTo("Banned.Macro");
        byte[] ole = new byte[1024];
        System.arraycopy(new byte[] {(byte) 0xd0, (byte) 0xcf, 0x11, (byte) 0xe0, (byte) 0xa1, (byte) 0xb1, 0x1a, (byte) 0xe1}, 0, ole, 0, 8);
        byte[] vba = "_VBA_PROJECT".getBytes(StandardCharsets.UTF_16LE);
        System.arraycopy(vba, 0, ole, 600, vba.length);
        assertThat(check(DEFAULT, "budget.xls", ole)).isEqualTo("Banned.Macro");
        assertThat(check(DEFAULT, "budget.xls", java.util.Arrays.copyOf(ole, 500))).isNull();
        assertThat(check(DEFAULT, "photo.jpg", text)).isNull();
    }

    @Test
    void policyFileFirstMatchWinsAndErrorsNameTheLine() {
        AttachmentPolicy p = AttachmentPolicy.parse("# ours\nallow name tool.exe\nban name *.exe *.iso\n", "p");
        assertThat(check(p, "tool.exe", "x".getBytes())).isNull();
        assertThat(check(p, "other.exe", "x".getBytes())).isEqualTo("Banned.Name.exe");
        assertThat(check(p, "disk.iso", "x".getBytes())).isEqualTo("Banned.Name.iso");
        assertThat(check(p, "prog.txt", MZ)).isNull();   // no type rule in this policy
        assertThatThrownBy(() -> AttachmentPolicy.parse("ban name *.exe\nban colour red\n", "policy.txt"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("policy.txt, line 2");
        assertThatThrownBy(() -> AttachmentPolicy.parse("ban type potato\n", "p")).hasMessageContaining("unknown file type potato");
        assertThatThrownBy(() -> AttachmentPolicy.parse("allow type pe\n", "p")).hasMessageContaining("allow takes name patterns only");
    }

    private AntivirusCheck builtinCheck(String extra) throws Exception {
        Path db = TestSignatures.write(dir.resolve("db"));
        return AntivirusCheck.fromConfig(MainConfig.fromText("secumail_antivirus_scanner = builtin\nmyhostname = mx.example.test\n"
                + "secumail_antivirus_database_directory = " + db + "\n" + extra, "main.cf", dir)).orElseThrow();
    }

    /** Through the whole check: the reply names the part inside the archive. */
    @Test
    void doubleExtensionInsideZipRefusedNamingThePart() throws Exception {
        byte[] msg = TestMessages.withAttachments("invoice", new Attachment("invoice.zip", "application/zip",
                zip("readme.txt", "hello", "invoice.pdf.exe", "not really a program")));
        ContentResult r = builtinCheck("").check(TestMessages.context("Q7"), RawMessage.of(msg));
        assertThat(r.action()).isEqualTo(ContentResult.Action.REJECT);
        assertThat(r.text()).isEqualTo("Message rejected: banned attachment (invoice.pdf.exe: Banned.DoubleExtension)");
        // the same message with a clean attachment is accepted with the header
        byte[] ok = TestMessages.withAttachments("invoice", new Attachment("invoice.zip", "application/zip", zip("invoice.pdf", "%PDF-1.4 fine")));
        ContentResult a = builtinCheck("").check(TestMessages.context("Q8"), RawMessage.of(ok));
        assertThat(a.action()).isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(a.addHeaders().get(0).toString()).isEqualTo("X-Virus-Scanned: SecuMail built-in scanner at mx.example.test; clean");
        // the policy can be switched off
        assertThat(builtinCheck("secumail_attachment_policy = no\n").check(TestMessages.context("Q9"), RawMessage.of(msg)).action())
                .isEqualTo(ContentResult.Action.ACCEPT);
    }

    @Test
    void policyFileFromMainCfAndMacroDocument() throws Exception {
        Path pol = dir.resolve("attachments.policy");
        Files.writeString(pol, "ban macro\n");
        byte[] docm = zip("[Content_Types].xml", "<Types/>", "word/document.xml", "<doc/>", "word/vbaProject.bin", "vba");
        byte[] msg = TestMessages.withAttachments("doc", new Attachment("report.docm", "application/vnd.ms-word.document.macroEnabled.12", docm));
        ContentResult r = builtinCheck("secumail_attachment_policy_file = " + pol + "\n").check(TestMessages.context("Q10"), RawMessage.of(msg));
        assertThat(r.text()).isEqualTo("Message rejected: banned attachment (word/vbaProject.bin: Banned.Macro)");
        // a PE renamed to .txt is not banned by this policy (no type rule), the default one bans it
        byte[] pe = TestMessages.withAttachments("pe", new Attachment("notes.txt", "text/plain", MZ));
        assertThat(builtinCheck("secumail_attachment_policy_file = " + pol + "\n").check(TestMessages.context("Q11"), RawMessage.of(pe)).action())
                .isEqualTo(ContentResult.Action.ACCEPT);
        assertThat(builtinCheck("").check(TestMessages.context("Q12"), RawMessage.of(pe)).text())
                .isEqualTo("Message rejected: banned attachment (part 2 (notes.txt): Banned.Type.PE)");
    }

    @Test
    void policyOnlyWalkBesideClamd() throws Exception {
        BuiltinScanner p = BuiltinScanner.policyOnly(DEFAULT, MainConfig.fromText("", "main.cf", dir));
        byte[] msg = TestMessages.withAttachments("x", new Attachment("a.zip", "application/zip", zip("x/run.bat", "echo")));
        ScanResult r = p.scanMessage(() -> new ByteArrayInputStream(msg));
        assertThat(r.signature()).isEqualTo("Banned.Name.bat");
        assertThat(r.where()).isEqualTo("message > part 2 (a.zip) > x/run.bat");
        // no signatures: EICAR is not this walk's business
        byte[] e = TestMessages.withAttachments("x", new Attachment("e.txt", "text/plain", TestSignatures.eicar()));
        assertThat(p.scanMessage(() -> new ByteArrayInputStream(e)).status()).isEqualTo(ScanResult.Status.CLEAN);
    }
}
