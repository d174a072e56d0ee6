// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * postscreen's dummy SMTP engine (postscreen_smtpd.c) for a client that failed a test with the
 * "enforce" action: it talks SMTP, so the client sees a clear refusal and its log shows why,
 * but refuses every recipient with the test's reply ("550 5.7.1 Service unavailable; client
 * [addr] blocked using zen.example"), logged as Postfix logs it:
 * "NOQUEUE: reject: RCPT from [addr]:port: REPLY; from=&lt;s&gt;, to=&lt;r&gt;, proto=ESMTP, helo=&lt;h&gt;".
 * No mail is ever accepted. At most 20 commands, 300 s each.
 */
final class DummySmtp {
    private static final int MAX_COMMANDS = 20;

    private final Socket socket;
    private final String who;
    private final String hostname;
    private final String rcptReply;
    private final byte[] early;

    DummySmtp(Socket socket, String who, String hostname, String rcptReply, byte[] early) {
        this.socket = socket;
        this.who = who;
        this.hostname = hostname;
        this.rcptReply = rcptReply;
        this.early = early;
    }

    void run() {
        String helo = "";
        String sender = null;
        String proto = "SMTP";
        try {
            socket.setSoTimeout(300_000);
            InputStream in = new SequenceInputStream(new ByteArrayInputStream(early), socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (int n = 0; n < MAX_COMMANDS; n++) {
                out.flush();
                String line = readLine(in);
                if (line == null) break;
                String verb = (line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line).toUpperCase(Locale.ROOT);
                String arg = line.contains(" ") ? line.substring(line.indexOf(' ') + 1).strip() : "";
                switch (verb) {
                    case "EHLO" -> {
                        helo = arg;
                        proto = "ESMTP";
                        write(out, "250-" + hostname + "\r\n250-PIPELINING\r\n250-SIZE\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME");
                    }
                    case "HELO" -> {
                        helo = arg;
                        write(out, "250 " + hostname);
                    }
                    case "MAIL" -> {
                        if (sender != null) write(out, "503 5.5.1 Error: nested MAIL command");
                        else if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) write(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
                        else {
                            sender = between(arg.substring(5));
                            write(out, "250 2.1.0 Ok");
                        }
                    }
                    case "RCPT" -> {
                        if (sender == null) write(out, "503 5.5.1 Error: need MAIL command");
                        else if (!arg.regionMatches(true, 0, "TO:", 0, 3)) write(out, "501 5.5.4 Syntax: RCPT TO:<address>");
                        else {
                            Postscreen.LOG.info("NOQUEUE: reject: RCPT from {}: {}; from=<{}>, to=<{}>, proto={}, helo=<{}>", who, rcptReply,
                                    sender, between(arg.substring(3)), proto, helo);
                            write(out, rcptReply);
                        }
                    }
                    case "DATA", "BDAT" -> {
                        // postscreen drops the connection here: a legitimate client never sends
                        // DATA after every recipient was refused (postscreen_smtpd.c)
                        Postscreen.LOG.info("{} without valid RCPT from {}", verb, who);
                        write(out, !arg.isEmpty() && verb.equals("DATA") ? "501 5.5.4 Syntax: DATA"
                                : sender == null ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
                        out.flush();
                        return;
                    }
                    case "RSET", "NOOP" -> write(out, "250 2.0.0 Ok");
                    case "QUIT" -> {
                        write(out, "221 2.0.0 Bye");
                        out.flush();
                        return;
                    }
                    default -> write(out, "502 5.5.2 Error: command not recognized");
                }
            }
            write(out, "421 4.7.0 " + hostname + " Error: too many errors");
            out.flush();
        } catch (IOException e) {
            // the client went away
        } finally {
            Postscreen.LOG.info("DISCONNECT {}", who);
        }
    }

    private static String between(String arg) {
        arg = arg.strip();
        int lt = arg.indexOf('<');
        int gt = arg.indexOf('>', lt + 1);
        return lt >= 0 && gt > lt ? arg.substring(lt + 1, gt) : arg;
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** One command line of at most 512 octets (the rest is dropped); null at the end. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (sb.length() < 512 && c != '\r') sb.append((char) c);
        }
        if (c == -1 && sb.isEmpty()) return null;
        return sb.toString();
    }
}
