// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.cli.SecumailCommand;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import picocli.CommandLine;

/**
 * Signatures replaced under a running server take effect with "secumail reload" (the same
 * request SIGHUP makes), without a restart; a database that no longer loads keeps the old one.
 */
class AntivirusReloadTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private static String message() {
        return "From: a@outside.example\r\nTo: user1@example.test\r\nSubject: reload\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: application/octet-stream; name=\"t.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(TestSignatures.eicar()) + "\r\n";
    }

    private String send() throws Exception {
        return MiniSmtp.send(server.listeners().get(0).port(), "192.0.2.10", "outside.example", "a@outside.example", "user1@example.test", message());
    }

    private int reload(StringWriter out, StringWriter err) {
        return new CommandLine(new SecumailCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("reload", "-c", dir.toString());
    }

    /** Sends until the reply starts with the expected code: the reload runs after the command returns. */
    private String sendUntil(String code) throws Exception {
        String r = send();
        for (int i = 0; i < 50 && !r.startsWith(code); i++) {
            Thread.sleep(100);
            r = send();
        }
        return r;
    }

    @Test
    void reloadCommandSwapsTheSignaturesOfARunningServer() throws Exception {
        Path db = dir.resolve("clamav");
        Files.createDirectories(db);
        byte[] other = TestSignatures.hashedSample();
        Files.writeString(db.resolve("local.hdb"), TestSignatures.md5(other) + ":" + other.length + ":Secumail.Test.Hashed\n");
        String main = String.join("\n",
                "compatibility_level = 3.6",
                "myhostname = mx.example.test",
                "mydestination = example.test",
                "mynetworks = 127.0.0.0/8",
                "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =",
                "queue_directory = " + dir.resolve("queue"),
                "mail_spool_directory = " + dir.resolve("mail") + "/",
                "secumail_dmarc_enable = no",
                "secumail_antivirus_scanner = builtin",
                "secumail_antivirus_database_directory = " + db,
                "");
        Files.writeString(dir.resolve("main.cf"), main);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(reload(out, err)).as("no server running yet").isEqualTo(1);
        assertThat(err.toString()).contains("no server is running");

        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        assertThat(send()).as("EICAR is not in the database yet").startsWith("250");

        byte[] e = TestSignatures.eicar();
        Files.writeString(db.resolve("local.hdb"), TestSignatures.md5(e) + ":" + e.length + ":Eicar-Test-Signature\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(send()).as("nothing changes before the reload").startsWith("250");
        assertThat(reload(out, err)).isZero();
        assertThat(out.toString()).contains("refreshing");
        assertThat(sendUntil("554")).isEqualTo("554 5.7.1 Message rejected: infected (Eicar-Test-Signature.UNOFFICIAL)");

        // a database directory that cannot be read any more: the old signatures stay in force
        Files.delete(db.resolve("local.hdb"));
        Files.delete(db);
        assertThat(reload(out, err)).isZero();
        Thread.sleep(500);
        assertThat(send()).startsWith("554 5.7.1");
    }
}
