// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.secumail.content.ContentContext;

/** Generated test messages: a text part plus attachments, base64-encoded as mail clients send them. */
final class TestMessages {
    private TestMessages() { }

    record Attachment(String name, String type, byte[] data) { }

    static byte[] withAttachments(String subject, Attachment... atts) {
        StringBuilder b = new StringBuilder();
        String boundary = "=_secumail_test_boundary";
        b.append("From: a@example.test\r\nTo: b@example.test\r\nSubject: ").append(subject)
                .append("\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n")
                .append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the attachment.\r\n");
        for (Attachment a : atts) {
            b.append("--").append(boundary).append("\r\nContent-Type: ").append(a.type()).append("; name=\"").append(a.name())
                    .append("\"\r\nContent-Disposition: attachment; filename=\"").append(a.name())
                    .append("\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(a.data())).append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] plain(String subject, String body) {
        return ("From: a@example.test\r\nTo: b@example.test\r\nSubject: " + subject + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    static ContentContext context(String qid) {
        return new ContentContext(qid, "192.0.2.10", "unknown", "client.example", "a@example.test",
                List.of("b@example.test"), null, false, null, List.of());
    }
}
