// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.antivirus.TestMessages.Attachment;
import org.secumail.cli.SecumailCommand;
import picocli.CommandLine;

/** "secumail scan": clamscan-like output and exit status. */
class ScanCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out) { }

    private Run run(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new SecumailCommand());
        cl.setOut(new PrintWriter(sw));
        cl.setErr(new PrintWriter(sw));
        int code = cl.execute(args);
        return new Run(code, sw.toString());
    }

    @Test
    void printsPartsMembersAndVerdicts() throws Exception {
        Path db = TestSignatures.write(dir.resolve("db"));
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.write(files.resolve("mail.eml"), TestMessages.withAttachments("z", new Attachment("pack.zip", "application/zip",
                AntivirusLimitsTest.zip("inner/eicar.com", TestSignatures.eicar(), false))));
        Files.writeString(files.resolve("clean.txt"), "nothing\n");
        Files.writeString(dir.resolve("main.cf"), "secumail_antivirus_database_directory = " + db + "\n");
        Run r = run("scan", "-c", dir.toString(), files.toString());
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("  file > part 2 (pack.zip): zip, ")
                .contains(files.resolve("mail.eml") + ": Eicar-Test-Signature.UNOFFICIAL FOUND (file > part 2 (pack.zip) > inner/eicar.com)")
                .contains(files.resolve("clean.txt") + ": OK")
                .contains("Scanned files: 2").contains("Infected files: 1");
        Run clean = run("scan", "-q", "-d", db.toString(), files.resolve("clean.txt").toString());
        assertThat(clean.code()).isZero();
        assertThat(clean.out().strip()).isEqualTo(files.resolve("clean.txt") + ": OK");
        Run missing = run("scan", "-q", "-d", db.toString(), dir.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(2);
        Run badDb = run("scan", "-d", dir.resolve("no-db").toString(), files.toString());
        assertThat(badDb.code()).isEqualTo(2);
        assertThat(badDb.out()).contains("cannot load signatures");
    }
}
