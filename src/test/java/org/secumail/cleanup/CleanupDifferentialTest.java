// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;
import org.secumail.transcript.PostfixInstance;

/**
 * The same messages, the same main.cf, to a real Postfix 3.7 and to SecuMail: header_checks
 * HOLD keeps each in the hold queue, and what cleanup wrote (postcat for Postfix, the queue
 * file for SecuMail) must be the same, byte for byte, apart from the Received: line, queue IDs
 * and the clock: header_size_limit cuts, the separator added to a header section without one,
 * the Message-Id:/Date:/From: added to local mail (also when a local proxy names another
 * client with XCLIENT: Postfix's permit_inet_interfaces looks at the socket), IGNORE, REPLACE,
 * PREPEND in headers, MIME part headers and body lines.
 */
class CleanupDifferentialTest {
    @TempDir
    static Path root;

    private static PostfixInstance postfix;
    private static Server secumail;

    private static final String CHECKS = String.join("\n",
            "header_checks = regexp:{ {/^Subject: hold/ HOLD}, {/^X-Drop:/ IGNORE}, {/^X-Rename:/ REPLACE X-Renamed: yes},"
                    + " {/^X-Mark:/ PREPEND X-Marked: 1} }",
            "body_checks = regexp:{ {/^secret/ REPLACE [removed]}, {/^drop this line/ IGNORE} }",
            "header_size_limit = 200",
            "sender_canonical_maps = inline:{ {old@example.test=new@example.test} }",
            "recipient_canonical_maps = inline:{ {team@example.test=user2@example.test} }",
            "masquerade_domains = example.test", "");

    @BeforeAll
    static void start() throws Exception {
        String why = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String base = Files.readString(Path.of("src/test/resources/transcripts/base-main.cf")) + CHECKS;
        postfix = PostfixInstance.start(PostfixInstance.defaultScript(), base);
        secumail = Server.start(MainConfig.fromText(base + String.join("\n", "queue_directory = " + root.resolve("queue"),
                "data_directory = " + root.resolve("data"), "dns_servers = 127.0.0.1:9", ""), "main.cf", root),
                MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
    }

    @AfterAll
    static void stop() {
        if (secumail != null) secumail.close();
        if (postfix != null) postfix.close();
    }

    static Stream<Arguments> messages() {
        String mime = "Subject: hold mime\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n"
                + "--b1\r\nContent-Type: text/plain\r\nX-Drop: in a part\r\n\r\nsecret in a part\r\ndrop this line\r\nkept\r\n--b1--\r\n";
        return Stream.of(
                Arguments.of("a header over header_size_limit", null, "Subject: hold long\r\nX-Long: " + "a".repeat(300) + "\r\n\r\nbody\r\n"),
                Arguments.of("a folded header over the limit", null, "Subject: hold folded\r\nX-Folded: " + "b".repeat(100) + "\r\n\t"
                        + "c".repeat(80) + "\r\n\t" + "d".repeat(80) + "\r\n\teee\r\nMessage-ID: <given@example.test>\r\n\r\nbody\r\n"),
                Arguments.of("no empty line after the headers", null, "Subject: hold separator\r\nnot a header line\r\nmore\r\n"),
                Arguments.of("headers only", null, "Subject: hold headers only\r\nX-Other: yes\r\n"),
                Arguments.of("Resent- headers", null, "Subject: hold resent\r\nResent-From: r@example.test\r\n\r\nbody\r\n"),
                Arguments.of("header and body actions", null, "Subject: hold actions\r\nX-Drop: x\r\n\tfolded\r\nX-Rename: a\r\n"
                        + "X-Mark: b\r\nTo: u@example.test\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nsecret line\r\nok line\r\n"
                        + "drop this line\r\n"),
                Arguments.of("MIME parts", null, mime),
                Arguments.of("a client named by XCLIENT", "192.0.2.10", "Subject: hold xclient\r\n\r\nbody\r\n"),
                Arguments.of("a remote client", "bind:127.0.0.2", "Subject: hold remote\r\nTo: u@example.test\r\n\r\nbody\r\n"),
                Arguments.of("address headers of local mail", null, "Subject: hold canonical\r\nFrom: Old User <old@example.test>\r\n"
                        + "To: root, team@example.test\r\nCc: \"Some, One\" <x@sub.example.test> (comment)\r\n"
                        + "Reply-To: y@mail.sub.example.test\r\nBcc: undisclosed-recipients:;\r\nX-Other: old@example.test\r\n\r\nbody\r\n"),
                Arguments.of("address headers of remote mail", "bind:127.0.0.2", "Subject: hold canonical remote\r\n"
                        + "From: Old User <old@example.test>\r\nTo: root, x@sub.example.test\r\n\r\nbody\r\n"),
                Arguments.of("headers cleanup drops", "bind:127.0.0.2", "Subject: hold drops\r\nReturn-Path: <forged@example.test>\r\n"
                        + "Content-Length: 12\r\nBcc: hidden@example.test\r\nResent-Bcc: x@example.test\r\nX-Kept: yes\r\n\r\nbody\r\n"),
                Arguments.of("a long rewritten address list", null, "Subject: hold long list\r\nTo: one@sub.example.test, "
                        + "two@sub.example.test, three@sub.example.test, four@sub.example.test, five@sub.example.test\r\n\r\nbody\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void cleanupWritesWhatPostfixWrites(String what, String client, String message) throws Exception {
        String pfReply = send(postfix.port(), client, message);
        String smReply = send(secumail.listeners().get(0).port(), client, message);
        assertThat(pfReply).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(smReply).startsWith("250 2.0.0 Ok: queued as ");
        String pfId = pfReply.substring(pfReply.lastIndexOf(' ') + 1);
        String smId = smReply.substring(smReply.lastIndexOf(' ') + 1);
        String expected = normalize(postcat(pfId), pfId);
        String actual = normalize(held(smId), smId);
        assertThat(actual).as(what).isEqualTo(expected);
        // the cases differ as meant: remote mail is left alone, local mail gets a Message-Id
        if (client != null && client.startsWith("bind:")) {
            assertThat(actual).doesNotContain("Message-Id:", "\nDate:");
            if (!message.contains("From:")) assertThat(actual).doesNotContain("\nFrom:");
        }
        else if (!message.contains("Message-ID:")) assertThat(actual).contains("Message-Id: <STAMP.QID@mx.example.test>");
    }

    /**
     * XCLIENT ADDR=client, or with "bind:ADDR" a connection from that loopback address (not one
     * of inet_interfaces = 127.0.0.1, so remote in both servers' eyes), or from 127.0.0.1.
     */
    private static String send(int port, String client, String message) throws Exception {
        if (client == null || !client.startsWith("bind:")) {
            return MiniSmtp.send(port, client, "client.example", "a@example.test", "user1@example.test", message);
        }
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(client.substring(5)), 0));
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(30_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            var out = s.getOutputStream();
            String last = null;
            for (String cmd : new String[] {null, "EHLO client.example", "MAIL FROM:<a@example.test>", "RCPT TO:<user1@example.test>",
                "DATA", message + "."}) {
                if (cmd != null) out.write((cmd + "\r\n").getBytes(StandardCharsets.UTF_8));
                String line;
                do {
                    line = in.readLine();
                } while (line != null && line.length() > 3 && line.charAt(3) == '-');
                last = line;
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.UTF_8));
            return last;
        }
    }

    private static String postcat(String id) throws Exception {
        Process p = new ProcessBuilder("postcat", "-c", postfix.directory().resolve("etc").toString(), "-bh", "-q", id)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static String held(String id) throws Exception {
        Path f = root.resolve("queue/hold/" + id + ".msg");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!Files.exists(f) && System.nanoTime() < end) Thread.sleep(50);
        return Files.readString(f, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }

    /**
     * Without the Received: header (its wording differs), SecuMail's Authentication-Results:
     * (Postfix has no SPF, DKIM or DMARC of its own), queue IDs and the clock.
     */
    static String normalize(String message, String id) {
        String s = message.replaceFirst("^Authentication-Results: [^\n]*\n(?:[ \t][^\n]*\n)*", "");
        s = s.replaceFirst("^Received: [^\n]*\n(?:[ \t][^\n]*\n)*", "");
        s = s.replace(id, "QID");
        s = s.replaceAll("<\\d{14}\\.QID@", "<STAMP.QID@");
        return s.replaceAll("(?m)^((?:Resent-)?Date:) \\w{3}, [ \\d]\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4} \\([^)]*\\)$", "$1 NOW");
    }
}
