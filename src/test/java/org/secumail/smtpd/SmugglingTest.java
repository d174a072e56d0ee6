// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;

/**
 * SMTP smuggling (CVE-2023-51766 and relatives): a message whose text holds a non-standard
 * end-of-data sequence followed by a second SMTP transaction. Whatever
 * smtpd_forbid_bare_newline says, SecuMail must never see a second message: only CRLF "." CRLF
 * ends DATA. The probes are the end-of-data variants known from the smuggling research
 * (LF.LF, CR.CR, LF.CRLF, CRLF.LF, CR.LF, CRLF.CR, NUL and tab decorated dots).
 */
class SmugglingTest {
    @TempDir
    Path dir;

    static Stream<Arguments> probes() {
        List<String> ends = List.of("\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\n", "\r\n.\r", "\r\n.\r\r\n",
                "\r\n\u0000.\r\n", "\r\n.\u0000\r\n", "\r\n .\r\n", "\r\n.\t\r\n", "\n..\n");
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("reject", "normalize", "no")) {
            for (String e : ends) out.add(Arguments.of(mode, e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "smtpd_forbid_bare_newline = {0}, end {1}")
    @MethodSource("probes")
    void noSecondMessageIsSmuggled(String mode, String fakeEnd) throws Exception {
        Path work = Files.createTempDirectory(dir, "s");
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
                "mydestination = example.test", "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8",
                "local_recipient_maps = inline:{ user1=ok, user2=ok }", "alias_maps =",
                "smtpd_forbid_bare_newline = " + mode, "queue_directory = " + work.resolve("queue"),
                "mail_spool_directory = " + work.resolve("mail") + "/", "dns_servers = 127.0.0.1:9", "");
        try (Server server = Server.start(MainConfig.fromText(main, "main.cf", work),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
             Socket s = new Socket("127.0.0.1", server.listeners().get(0).port())) {
            s.setSoTimeout(5000);
            String session = "XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]\r\nEHLO outside.example\r\n"
                    + "MAIL FROM:<a@outside.example>\r\nRCPT TO:<user1@example.test>\r\nDATA\r\n";
            String data = "Subject: first\r\n\r\nfirst" + fakeEnd
                    + "MAIL FROM:<evil@outside.example>\r\nRCPT TO:<user2@example.test>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n";
            s.getOutputStream().write(session.getBytes(StandardCharsets.ISO_8859_1));
            Thread.sleep(200);   // let the 354 come before the message text
            s.getOutputStream().write(data.getBytes(StandardCharsets.ISO_8859_1));
            String replies = readAll(s.getInputStream());
            long queued = replies.lines().filter(l -> l.contains("queued as")).count();
            assertThat(queued).as("replies:\n" + replies).isLessThanOrEqualTo(1);
            assertThat(replies.lines().filter(l -> l.startsWith("354")).count()).as("replies:\n" + replies).isEqualTo(1);
            Thread.sleep(300);
            assertThat(Files.exists(work.resolve("mail/user2/new")) && Files.list(work.resolve("mail/user2/new")).findAny().isPresent())
                    .as("nothing may be delivered to the smuggled recipient").isFalse();
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            int n;
            while (System.nanoTime() < deadline && (n = in.read(buf)) > 0) b.write(buf, 0, n);
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
            // done reading
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
