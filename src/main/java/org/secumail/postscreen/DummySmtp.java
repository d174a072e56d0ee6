// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * postscreen's dummy SMTP engine (postscreen_smtpd.c). It runs the deep protocol tests after
 * the "220 " greeting and talks to clients that failed a test with the "enforce" action. It
 * does not announce PIPELINING, so a client that sends a command before the reply to the
 * previous one is logged "COMMAND PIPELINING"; a line ending in a bare LF is "BARE NEWLINE";
 * a header ("Subject:"), an HTTP verb or another postscreen_forbidden_commands word where a
 * command should be is "NON-SMTP COMMAND". The deep tests pass when the client gets to RCPT
 * TO, which is refused ("450 4.3.2 Service currently unavailable", or the failed test's reply
 * with "enforce"), so a good client comes back later and goes straight to smtpd. Nothing is
 * ever accepted; postscreen_command_count_limit commands at most, each within
 * postscreen_command_time_limit, each at most line_length_limit long.
 */
final class DummySmtp {
    private static final Set<String> ENABLED = Set.of("HELO", "EHLO", "STARTTLS", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP",
            "VRFY", "ETRN", "QUIT");
    private static final Set<String> DISABLED = Set.of("XCLIENT", "XFORWARD", "AUTH");
    /** Allowed before STARTTLS when TLS is required (postscreen_smtpd.c's PRE_TLS flag). */
    private static final Set<String> PRE_TLS = Set.of("HELO", "EHLO", "STARTTLS", "NOOP", "QUIT");

    private final Postscreen screen;
    private final PostscreenSettings settings;
    private final ScreenState state;
    private InputStream in;
    private OutputStream out;
    private boolean tlsActive;
    private java.net.Socket socket;
    private final byte[] buf = new byte[4096];
    private int pos;
    private int len;
    private long deadline;
    private String helo;
    private String sender;
    private String proto = "SMTP";
    private String where = "CONNECT";
    private int commands;

    DummySmtp(Postscreen screen, ScreenState state) throws IOException {
        this.screen = screen;
        this.settings = screen.settings;
        this.state = state;
        this.socket = state.socket;
        this.in = state.socket.getInputStream();
        this.out = state.socket.getOutputStream();
        System.arraycopy(state.early, 0, buf, 0, Math.min(state.early.length, buf.length));
        len = Math.min(state.early.length, buf.length);
    }

    /** Runs the engine until the client is done; the connection always ends here. */
    void run() throws IOException {
        state.begin("tests after SMTP handshake");
        if (state.x21) {
            java.util.Arrays.fill(state.todo, ScreenState.PIPEL, ScreenState.COUNT, false);
        } else if (state.anyFail()) {
            // a bad client: learn what else it does wrong (psc_smtpd_tests)
            java.util.Arrays.fill(state.todo, ScreenState.PIPEL, ScreenState.COUNT, true);
        }
        // no banner for a pregreeting client: it would only produce NON-SMTP COMMAND noise
        if (!state.fail[ScreenState.PREGR]) send("220 " + settings.smtpdBanner);
        long now = System.currentTimeMillis() / 1000;
        deadline = System.nanoTime() + settings.commandTimeLimit.toNanos();
        StringBuilder line = new StringBuilder();
        while (true) {
            int ch;
            try {
                ch = next();
            } catch (SocketTimeoutException e) {
                Postscreen.LOG.info("COMMAND TIME LIMIT from {} after {}", state.who, where);
                drop("421 4.4.2 " + settings.hostname + " Error: timeout exceeded");
                return;
            }
            if (ch < 0) {
                screen.hangup(state);
                return;
            }
            if (line.length() >= settings.lineLengthLimit) {
                Postscreen.LOG.info("COMMAND LENGTH LIMIT from {} after {}", state.who, where);
                drop(generic421());
                return;
            }
            if (ch == '\n') {
                boolean bare = line.isEmpty() || line.charAt(line.length() - 1) != '\r';
                if (bare) {
                    if (deepTest(ScreenState.BARLF)) {
                        Postscreen.LOG.info("BARE NEWLINE from {} after {}", state.who, Postscreen.escape(latin1(line)));
                        if (failDeep(ScreenState.BARLF, "521 5.5.1 Protocol error", "550 5.5.1 Protocol error", now)) return;
                    }
                } else {
                    line.setLength(line.length() - 1);
                }
                if (!command(line.toString())) return;
                line.setLength(0);
                deadline = System.nanoTime() + settings.commandTimeLimit.toNanos();
                continue;
            }
            line.append((char) ch);
        }
    }

    /** One command line; false when the session is over. */
    private boolean command(String text) throws IOException {
        long now = System.currentTimeMillis() / 1000;
        String trimmed = text.stripLeading();
        int sp = trimmed.indexOf(' ');
        String command = sp < 0 ? trimmed : trimmed.substring(0, sp);
        String args = sp < 0 ? "" : trimmed.substring(sp + 1);
        String verb = command.toUpperCase(Locale.ROOT);
        String savedWhere = where;
        boolean known = ENABLED.contains(verb) || DISABLED.contains(verb);
        where = known ? verb : "UNIMPLEMENTED";
        if (state.x21 && !verb.equals("QUIT")) {
            drop(state.finalReply);
            return false;
        }
        if (!known && deepTest(ScreenState.NSMTP)
                && (org.secumail.smtpd.NonSmtpCommand.isHeader(command) || settings.smtputf8 && !validUtf8(command) || screen.forbidden(command))) {
            Postscreen.LOG.info("NON-SMTP COMMAND from {} after {}: {} {}", state.who, savedWhere, printable(command),
                    Postscreen.escape(args.getBytes(StandardCharsets.ISO_8859_1)));
            if (failDeep(ScreenState.NSMTP, "521 5.7.0 Error: I can break rules, too. Goodbye.", "550 5.5.1 Protocol error", now)) {
                return false;
            }
        }
        if (!verb.equals("BDAT") && deepTest(ScreenState.PIPEL) && pos < len) {
            byte[] pending = java.util.Arrays.copyOfRange(buf, pos, Math.min(len, pos + 100));
            Postscreen.LOG.info("COMMAND PIPELINING from {} after {}: {}", state.who, printable(command), Postscreen.escape(pending));
            if (failDeep(ScreenState.PIPEL, "521 5.5.1 Protocol error", "550 5.5.1 Protocol error", now)) return false;
        }
        if (verb.equals("RCPT")) {
            // the deep tests pass when the client gets this far without breaking a rule
            for (int i = ScreenState.PIPEL; i < ScreenState.COUNT; i++) {
                if (state.todo[i] && !state.pass[i] && !state.fail[i]) {
                    state.pass[i] = true;
                    state.expire[i] = now + settings.ttl[i].toSeconds();
                }
            }
        }
        if (++commands > settings.commandCountLimit && !verb.equals("QUIT")) {
            Postscreen.LOG.info("COMMAND COUNT LIMIT from {} after {}", state.who, savedWhere);
            drop(generic421());
            return false;
        }
        if (!ENABLED.contains(verb)) {
            send("502 5.5.2 Error: command not recognized");
            return true;
        }
        if (screen.tlsRequired() && !tlsActive && !PRE_TLS.contains(verb)) {
            send("530 5.7.0 Must issue a STARTTLS command first");
            return true;
        }
        return execute(verb, args);
    }

    private boolean execute(String verb, String args) throws IOException {
        String first = firstToken(args);
        switch (verb) {
            case "HELO", "EHLO" -> {
                if (first == null) {
                    send("501 Syntax: " + verb + " hostname");
                    return true;
                }
                helo = first;
                sender = null;
                if (verb.equals("HELO")) {
                    send("250 " + settings.hostname);
                } else {
                    proto = "ESMTP";
                    send(ehloReply());
                }
            }
            case "STARTTLS" -> {
                return startTls(first);
            }
            case "MAIL" -> {
                int colon = args.indexOf(':');
                if (settings.heloRequired && helo == null) send("503 5.5.1 Error: send HELO/EHLO first");
                else if (sender != null) send("503 5.5.1 Error: nested MAIL command");
                else if (colon < 0) send("501 5.5.4 Syntax: MAIL FROM:<address>");
                else {
                    sender = address(args.substring(colon + 1));
                    send("250 2.1.0 Ok");
                }
            }
            case "RCPT" -> {
                int colon = args.indexOf(':');
                if (sender == null) send("503 5.5.1 Error: need MAIL command");
                else if (colon < 0) send("501 5.5.4 Syntax: RCPT TO:<address>");
                else {
                    String reply = settings.softBounce ? soften(state.rcptReply) : state.rcptReply;
                    Postscreen.LOG.info("NOQUEUE: reject: RCPT from {}: {}; from=<{}>, to=<{}>, proto={}, helo=<{}>", state.who, reply,
                            sender, address(args.substring(colon + 1)), proto, helo == null ? "" : helo);
                    send(reply);
                }
            }
            case "DATA" -> {
                // a legitimate client never sends DATA here: every recipient was refused and
                // PIPELINING was not announced, so postscreen hangs up (postscreen_smtpd.c)
                Postscreen.LOG.info("DATA without valid RCPT from {}", state.who);
                drop(first != null ? "501 5.5.4 Syntax: DATA"
                        : sender == null ? "503 5.5.1 Error: need RCPT command" : "554 5.5.1 Error: no valid recipients");
                return false;
            }
            case "BDAT" -> {
                Postscreen.LOG.info("BDAT without valid RCPT from {}", state.who);
                drop(settings.discardEhloKeywords.contains("CHUNKING") ? "502 5.5.1 Error: command not implemented"
                        : first == null ? "501 5.5.4 Syntax: BDAT count [LAST]"
                        : sender == null ? "554 5.5.1 Error: need MAIL command" : "554 5.5.1 Error: no valid recipients");
                return false;
            }
            case "RSET" -> {
                sender = null;
                send("250 2.0.0 Ok");
            }
            case "NOOP" -> send("250 2.0.0 Ok");
            case "VRFY" -> send(first == null ? "501 5.5.4 Syntax: VRFY address"
                    : settings.disableVrfy ? "502 5.5.1 VRFY command is disabled" : state.rcptReply);
            case "ETRN" -> send(settings.heloRequired && helo == null ? "503 5.5.1 Error: send HELO/EHLO first"
                    : first == null ? "500 Syntax: ETRN domain" : "458 Unable to queue messages");
            case "QUIT" -> {
                drop("221 2.0.0 Bye");
                return false;
            }
            default -> send("502 5.5.2 Error: command not recognized");
        }
        return true;
    }

    /**
     * STARTTLS, as postscreen's tlsproxy offers it when the service has TLS: the deep tests
     * continue inside TLS, so a client that will not send mail in the clear can still pass.
     * Plaintext sent after the command is discarded (RFC 3207 section 5, CVE-2011-0411).
     */
    private boolean startTls(String first) throws IOException {
        if (first != null) {
            send("501 5.5.4 Syntax: STARTTLS");
            return true;
        }
        if (tlsActive) {
            send("554 5.5.1 Error: TLS already active");
            return true;
        }
        if (!screen.tlsOffered()) {
            send("502 5.5.1 Error: command not implemented");
            return true;
        }
        pos = len;
        send("220 2.0.0 Ready to start TLS");
        javax.net.ssl.SSLSocket ssl = screen.tls.wrap(state.socket);
        ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, screen.tls.handshakeTimeout.toMillis()));
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            Postscreen.LOG.info("SSL_accept error from {}: {}", state.who, e.getClass().getSimpleName());
            screen.hangup(state);
            return false;
        }
        in = ssl.getInputStream();
        out = ssl.getOutputStream();
        socket = ssl;
        state.socket = ssl;
        tlsActive = true;
        helo = null;
        sender = null;
        Postscreen.LOG.info("Anonymous TLS connection established from {}: {}", state.who,
                org.secumail.tls.ServerTls.describe(ssl.getSession()));
        return true;
    }

    /** The test runs in this session: to do, not yet failed or skipped. */
    private boolean deepTest(int test) {
        return state.todo[test] && !state.skip[test];
    }

    /** Applies a deep test's action; true when the session is over (drop). */
    private boolean failDeep(int test, String dropReply, String enforceReply, long now) throws IOException {
        state.failed(test);
        switch (settings.action[test]) {
            case "drop" -> {
                drop(dropReply);
                return true;
            }
            case "enforce" -> {
                state.rcptReply = enforceReply;
                state.noforward = true;
            }
            default -> state.forgiven(test, settings, now);
        }
        return false;
    }

    private void drop(String reply) throws IOException {
        state.noforward = true;
        state.finalReply = reply;
        screen.conclude(state);
    }

    private String generic421() {
        return "421 " + settings.hostname + " Service unavailable - try again later";
    }

    private String ehloReply() {
        StringBuilder sb = new StringBuilder("250-").append(settings.hostname);
        java.util.List<String> words = new java.util.ArrayList<>();
        words.add(settings.messageSizeLimit > 0 ? "SIZE " + settings.messageSizeLimit : "SIZE");
        if (!settings.disableVrfy) words.add("VRFY");
        words.add("ETRN");
        if (screen.tlsOffered() && !tlsActive) words.add("STARTTLS");
        words.add("ENHANCEDSTATUSCODES");
        words.add("8BITMIME");
        words.add("DSN");
        if (settings.smtputf8) words.add("SMTPUTF8");
        words.add("CHUNKING");
        for (String w : words) {
            if (settings.discardEhloKeywords.contains(w.split(" ")[0])) continue;
            sb.append("\r\n250-").append(w);
        }
        int last = sb.lastIndexOf("250-");
        sb.setCharAt(last + 3, ' ');
        return sb.toString();
    }

    private void send(String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next octet, from what was already read or the socket, within the command deadline. */
    private int next() throws IOException {
        if (pos < len) return buf[pos++] & 0xff;
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) throw new SocketTimeoutException();
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return -1;
        pos = 0;
        len = n;
        return buf[pos++] & 0xff;
    }

    /** The address of MAIL FROM/RCPT TO, unquoted, route part dropped (psc_extract_addr). */
    static String address(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') i++;
        char stop = ' ';
        if (i < s.length() && s.charAt(i) == '<') {
            i++;
            stop = '>';
        }
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!quoted && c == stop) break;
            if (c == '"') {
                quoted = !quoted;
            } else {
                if (c == '\\') {
                    if (++i >= s.length()) break;
                    c = s.charAt(i);
                }
                sb.append(c);
            }
        }
        String a = sb.toString();
        int colon = a.indexOf(':');
        return a.startsWith("@") && colon > 0 ? a.substring(colon + 1) : a;
    }

    private static String firstToken(String args) {
        String t = args.strip();
        if (t.isEmpty()) return null;
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }

    private static boolean validUtf8(String latin1) {
        byte[] b = latin1.getBytes(StandardCharsets.ISO_8859_1);
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            sb.append(c < 32 || c > 126 ? '?' : c);
        }
        return sb.toString();
    }

    private static byte[] latin1(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String soften(String reply) {
        char[] c = reply.toCharArray();
        if (c.length > 0 && c[0] == '5') c[0] = '4';
        if (c.length > 4 && c[4] == '5') c[4] = '4';
        return new String(c);
    }
}
