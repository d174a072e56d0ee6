// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes one delivery status notification as RFC 3464 (RFC 6522 multipart/report;
 * report-type=delivery-status), in the shape of Postfix's bounce(8) messages: part 1 the
 * human-readable text of bounce(5)'s default templates, part 2 message/delivery-status with
 * per-message and per-recipient fields, part 3 the original message (message/rfc822) or
 * only its header (text/rfc822-headers). Lines end in CRLF, as in every queued content file.
 */
final class DsnReport {
    /** Which template: bounce(5)'s failure, delay and success templates, and the postmaster copy. */
    enum Kind {
        FAILURE("Undelivered Mail Returned to Sender", "Undelivered Message"),
        DELAY("Delayed Mail (still being retried)", "Delayed Message"),
        SUCCESS("Successful Mail Delivery Report", "Delivered Message"),
        POSTMASTER_FAILURE("Postmaster Copy: Undelivered Mail", "Undelivered Message");

        final String subject;
        final String partName;

        Kind(String subject, String partName) {
            this.subject = subject;
            this.partName = partName;
        }
    }

    /**
     * One recipient line of the report.
     *
     * @param action RFC 3464 section 2.3.3: failed, delayed, delivered, relayed
     */
    record Entry(String recipient, String orcpt, String action, DeliveryResult result) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)", Locale.ROOT);
    /** The smtp client's reason text: "host mx.example[192.0.2.1] said: 550 ... (in reply to RCPT TO command)". */
    private static final Pattern SMTP_REASON = Pattern.compile("host (\\S+?)(?:\\[[^\\]]*\\])?(?::\\d+)? said: (.*?)(?: \\(in reply to .* command\\))?");

    private DsnReport() {
    }

    /** An RFC 5322 date, as Postfix writes it: "Mon, 23 Nov 2026 14:14:09 +0000 (UTC)". */
    static String date(Instant t) {
        return DATE.format(ZonedDateTime.ofInstant(t, ZoneId.systemDefault()));
    }

    /**
     * Writes the notification.
     *
     * @param newId       the notification's own queue ID (Received: and Message-Id:)
     * @param to          the notification's recipient (the original sender, or postmaster)
     * @param headersOnly return only the original header (RET=HDRS, delay and success reports,
     *                    messages over bounce_size_limit, postmaster copies)
     */
    static void write(OutputStream out, Kind kind, String myhostname, QueueId newId, String to, QueuedMessage original,
                      List<Entry> entries, boolean headersOnly, Instant now, String retryUntil, BounceSettings settings)
            throws IOException {
        String boundary = original.id() + "." + now.getEpochSecond() + "." + HexFormat.of().formatHex(randomBytes()) + "/" + myhostname;
        Envelope env = original.envelope();
        String text = humanText(kind, myhostname, entries, settings);
        boolean eightBit = !isAscii(text);
        StringBuilder h = new StringBuilder(1024);
        h.append("Received: by ").append(myhostname).append(" (SecuMail)\r\n\tid ").append(newId).append("; ").append(date(now)).append("\r\n");
        h.append("Date: ").append(date(now)).append("\r\n");
        h.append("From: MAILER-DAEMON@").append(myhostname).append(" (Mail Delivery System)\r\n");
        h.append("Subject: ").append(kind.subject).append("\r\n");
        h.append("To: ").append(headerSafe(to)).append("\r\n");
        // RFC 3834 section 5: automatic responses are marked, so that responders do not answer them.
        h.append("Auto-Submitted: auto-replied\r\n");
        h.append("MIME-Version: 1.0\r\n");
        h.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n");
        h.append("Content-Transfer-Encoding: 8bit\r\n");
        h.append("Message-Id: <").append(newId).append('@').append(myhostname).append(">\r\n");
        h.append("\r\n");
        h.append("This is a MIME-encapsulated message.\r\n\r\n");

        h.append("--").append(boundary).append("\r\n");
        h.append("Content-Description: Notification\r\n");
        h.append("Content-Type: text/plain; charset=").append(eightBit ? "utf-8" : "us-ascii").append("\r\n");
        if (eightBit) h.append("Content-Transfer-Encoding: 8bit\r\n");
        h.append("\r\n").append(text).append("\r\n");

        // RFC 3464 section 2.2: per-message fields, a blank line, then one block per recipient.
        h.append("--").append(boundary).append("\r\n");
        h.append("Content-Description: Delivery report\r\n");
        h.append("Content-Type: message/delivery-status\r\n\r\n");
        h.append("Reporting-MTA: dns; ").append(myhostname).append("\r\n");
        h.append("X-Postfix-Queue-ID: ").append(original.id()).append("\r\n");
        h.append("X-Postfix-Sender: rfc822; ").append(headerSafe(env.sender())).append("\r\n");
        String envid = env.attributes().get(DsnAttributes.ENVID);
        if (envid != null) h.append("Original-Envelope-Id: ").append(headerSafe(envid)).append("\r\n");
        h.append("Arrival-Date: ").append(date(env.arrival())).append("\r\n");
        for (Entry e : entries) {
            h.append("\r\n");
            h.append("Final-Recipient: rfc822; ").append(headerSafe(e.recipient())).append("\r\n");
            if (e.orcpt() != null) h.append("Original-Recipient: ").append(headerSafe(e.orcpt())).append("\r\n");
            h.append("Action: ").append(e.action()).append("\r\n");
            h.append("Status: ").append(e.result().dsn()).append("\r\n");
            Matcher m = SMTP_REASON.matcher(e.result().text());
            if (m.matches()) {
                h.append("Remote-MTA: dns; ").append(headerSafe(m.group(1))).append("\r\n");
                h.append("Diagnostic-Code: smtp; ").append(headerSafe(m.group(2))).append("\r\n");
            } else {
                h.append("Diagnostic-Code: X-Postfix; ").append(headerSafe(e.result().text())).append("\r\n");
            }
            if (retryUntil != null && e.action().equals("delayed")) h.append("Will-Retry-Until: ").append(retryUntil).append("\r\n");
        }
        h.append("\r\n");

        h.append("--").append(boundary).append("\r\n");
        if (headersOnly) {
            h.append("Content-Description: ").append(kind.partName).append(" Headers\r\n");
            h.append("Content-Type: text/rfc822-headers\r\n");
        } else {
            h.append("Content-Description: ").append(kind.partName).append("\r\n");
            h.append("Content-Type: message/rfc822\r\n");
        }
        h.append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        out.write(h.toString().getBytes(StandardCharsets.UTF_8));
        copyOriginal(original, out, headersOnly);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** bounce(5)'s default templates, with the "&lt;rcpt&gt;: reason" lines of bounce_notify_util.c. */
    private static String humanText(Kind kind, String host, List<Entry> entries, BounceSettings s) {
        StringBuilder t = new StringBuilder(1024);
        t.append("This is the mail system at host ").append(host).append(".\r\n\r\n");
        switch (kind) {
            case FAILURE, POSTMASTER_FAILURE -> t.append("""
                    I'm sorry to have to inform you that your message could not\r
                    be delivered to one or more recipients. It's attached below.\r
                    \r
                    For further assistance, please send mail to postmaster.\r
                    \r
                    If you do so, please include this problem report. You can\r
                    delete your own text from the attached returned message.\r
                    """);
            case DELAY -> t.append("""
                    ####################################################################\r
                    # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r
                    ####################################################################\r
                    \r
                    """)
                    .append("Your message could not be delivered for more than ").append(s.delayWarningTime().toHours())
                    .append(" hour(s).\r\nIt will be retried until it is ").append(s.maximalQueueLifetime().toDays())
                    .append(" day(s) old.\r\n\r\n")
                    .append("""
                    For further assistance, please send mail to postmaster.\r
                    \r
                    If you do so, please include this problem report. You can\r
                    delete your own text from the attached returned message.\r
                    """);
            case SUCCESS -> t.append("""
                    Your message was successfully delivered to the destination(s)\r
                    listed below. If the message was delivered to mailbox you will\r
                    receive no further notifications. Otherwise you may still receive\r
                    notifications of mail delivery errors from other systems.\r
                    """);
        }
        t.append("\r\n                   The mail system\r\n");
        for (Entry e : entries) {
            t.append("\r\n").append(wrap("<" + printable(e.recipient()) + ">: " + printable(e.result().text())));
        }
        return t.toString();
    }

    /** Folds a line at spaces to at most 76 columns, continuation lines indented by 4 (as Postfix). */
    static String wrap(String line) {
        StringBuilder out = new StringBuilder(line.length() + 16);
        int col = 0;
        for (String w : line.split(" ")) {
            String word = w;
            // RFC 5322 section 2.1.1: no line over 998 octets, so a long word is cut, too.
            while (word.length() > 72) {
                out.append(col > 0 ? "\r\n    " : "").append(word, 0, 72);
                col = 76;
                word = word.substring(72);
            }
            if (word.isEmpty()) continue;
            if (col > 0 && col + 1 + word.length() > 76) {
                out.append("\r\n    ");
                col = 4;
            } else if (col > 0) {
                out.append(' ');
                col++;
            }
            out.append(word);
            col += word.length();
        }
        return out.append("\r\n").toString();
    }

    /** Copies the original message, or its header up to the first empty line. */
    private static void copyOriginal(QueuedMessage original, OutputStream out, boolean headersOnly) throws IOException {
        try (InputStream in = original.openContent()) {
            if (!headersOnly) {
                in.transferTo(out);
                return;
            }
            // The content has CRLF line ends; the header ends at the first CRLF CRLF (or at the end).
            int prev3 = -1;
            int prev2 = -1;
            int prev1 = -1;
            int c;
            while ((c = in.read()) >= 0) {
                out.write(c);
                if (prev3 == '\r' && prev2 == '\n' && prev1 == '\r' && c == '\n') break;
                prev3 = prev2;
                prev2 = prev1;
                prev1 = c;
            }
        }
    }

    /** Header field values are cut here, so that no line exceeds RFC 5322's 998 octets. */
    static final int HEADER_VALUE_LIMIT = 900;

    /** A value that goes into a header field: one line, no control characters (no header injection), bounded. */
    static String headerSafe(String s) {
        String p = printable(s);
        return p.length() > HEADER_VALUE_LIMIT ? p.substring(0, HEADER_VALUE_LIMIT) + "..." : p;
    }


    static String printable(String s) {
        return Printable.of(s);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 0x7e) return false;
        return true;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }
}
