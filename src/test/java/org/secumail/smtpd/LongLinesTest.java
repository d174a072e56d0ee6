// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.content.MiniSmtp;

/**
 * Text lines longer than RFC 5321's 1,000 octets, which real senders send every day (HTML
 * newsletters, generated reports): accepted and kept whole, as Postfix keeps them, without
 * weakening the end-of-data rule.
 */
class LongLinesTest {
    @TempDir
    Path dir;

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private static SmtpInput input(String s) {
        return new SmtpInput(new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void piecesOfALongLineAndTheirEnds() throws Exception {
        SmtpInput in = input("abcdefgh\r\nabc\rde\r\n.\r\nxyz");
        byte[] buf = new byte[8];
        SmtpInput.Line p = in.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("abcd");
        assertThat(p.partial()).isTrue();
        p = in.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("efgh");
        assertThat(p.partial()).isTrue();
        p = in.readLinePiece(buf, 4);
        assertThat(p.length()).as("the line end alone").isZero();
        assertThat(p.partial()).isFalse();
        assertThat(p.bareLf()).isFalse();
        p = in.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("abc");
        assertThat(p.partial()).as("the CR is carried to the next piece").isTrue();
        p = in.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("\rde");
        assertThat(p.bareCr()).isTrue();
        assertThat(in.readLinePiece(buf, 4).isDot()).isTrue();
        p = in.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("xyz");
        assertThat(p.eof()).isTrue();
        SmtpInput crlf = input("abc\r\n");
        p = crlf.readLinePiece(buf, 4);
        assertThat(p.text()).isEqualTo("abc");
        assertThat(p.partial()).isFalse();
        assertThat(p.bareLf()).as("a CRLF split after the CR is still CRLF").isFalse();
    }

    @Test
    void aLongLineIsDeliveredWhole() throws Exception {
        String main = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test", "mydestination = example.test",
                "mynetworks = 127.0.0.0/8", "smtpd_authorized_xclient_hosts = 127.0.0.0/8", "local_recipient_maps = inline:{ user1=ok }",
                "alias_maps =", "queue_directory = " + dir.resolve("queue"), "data_directory = " + dir.resolve("data"),
                "mail_spool_directory = " + dir.resolve("mail") + "/", "secumail_dkim_verify = no", "secumail_arc_verify = no",
                "secumail_dmarc_enable = no", "");
        server = Server.start(MainConfig.fromText(main, "main.cf", dir), MasterConfig.parse("127.0.0.1:0 inet n - n - - smtpd\n", "master.cf", 100));
        StringBuilder html = new StringBuilder("<html><body>");
        while (html.length() < 9000) html.append("<td style=\"padding:0\">cell ").append(html.length()).append("</td>");
        String body = html + "</body></html>";
        String dotted = "." + "x".repeat(2047) + ".";   // its second piece (line_length_limit 2048) is "." alone
        String msg = "From: a@outside.example\r\nSubject: newsletter\r\n\r\n" + body + "\r\n." + dotted + "\r\nend\r\n";
        assertThat(MiniSmtp.send(server.listeners().get(0).port(), "192.0.2.10", "outside.example", "a@outside.example",
                "user1@example.test", msg)).startsWith("250 2.0.0 Ok: queued as ");
        String got = MiniSmtp.files(dir.resolve("mail/user1/new"), 1, "").get(0);
        assertThat(got).contains("\n" + body + "\n").contains("\n" + dotted + "\nend\n");
    }
}
