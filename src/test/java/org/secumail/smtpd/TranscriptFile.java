// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plain-text SMTP transcript (format in src/test/resources/transcripts/README.md) and a
 * runner that plays it against host:port over a real socket. STRICT mode matches whole reply
 * lines against the glob patterns; CODES mode only the reply code and enhanced status code.
 */
final class TranscriptFile {
    enum Mode { STRICT, CODES }

    record Step(int line, String kind, String text) { }

    final Path file;
    final String description;
    final List<String> mainCf = new ArrayList<>();
    final List<String> tags = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();

    TranscriptFile(Path file) throws IOException {
        this.file = file;
        String desc = null;
        int n = 0;
        for (String l : Files.readAllLines(file)) {
            n++;
            if (l.startsWith("#")) { if (desc == null) desc = l.substring(1).strip(); continue; }
            if (l.isBlank()) continue;
            if (l.startsWith("@main.cf ")) mainCf.add(l.substring(9));
            else if (l.startsWith("@tags ")) tags.addAll(List.of(l.substring(6).strip().split("\\s+")));
            else if (l.startsWith("S... ")) steps.add(new Step(n, "S:", l.substring(5)));
            else if (l.startsWith("C:")) steps.add(new Step(n, "C:", l.length() > 3 ? l.substring(3) : ""));
            else if (l.startsWith("S: ") || l.startsWith("S-: ") || l.startsWith("R: ") || l.startsWith("W: ")) {
                int c = l.indexOf(": ");
                steps.add(new Step(n, l.substring(0, c + 1), l.substring(c + 2)));
            } else throw new IllegalArgumentException(file + ":" + n + ": cannot parse \"" + l + "\"");
        }
        this.description = desc == null ? file.getFileName().toString() : desc;
    }

    void run(String host, int port, Mode mode, int readTimeoutMillis) throws IOException, InterruptedException {
        StringBuilder log = new StringBuilder();
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(readTimeoutMillis);
            InputStream in = s.getInputStream();
            OutputStream sock = s.getOutputStream();
            // Consecutive C:/R: lines go out in one write, so a pipelined group reaches the
            // server together, as a pipelining client sends it (RFC 2920).
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Step st : steps) {
                if (!st.kind().equals("C:") && !st.kind().equals("R:") && out.size() > 0) {
                    sock.write(out.toByteArray());
                    sock.flush();
                    out.reset();
                }
                switch (st.kind()) {
                    case "C:" -> { out.writeBytes((st.text() + "\r\n").getBytes(StandardCharsets.UTF_8)); log.append("C: ").append(st.text()).append('\n'); }
                    case "R:" -> { out.writeBytes(unescape(st.text())); log.append("R: ").append(st.text()).append('\n'); }
                    case "W:" -> Thread.sleep(Long.parseLong(st.text().strip()));
                    default -> {
                        if (st.text().equals("<closed>")) {
                            String extra = readLineOrClosed(in);
                            if (extra != null) fail(st, "the connection to be closed", extra, log);
                            continue;
                        }
                        List<String> reply = readReply(in, st, log);
                        for (String r : reply) log.append("S: ").append(r).append('\n');
                        boolean ok = st.kind().equals("S-:")
                                ? reply.stream().anyMatch(r -> matches(st.text(), r, mode))
                                : matches(st.text(), reply.get(reply.size() - 1), mode);
                        if (!ok) fail(st, st.text(), String.join(" | ", reply), log);
                    }
                }
            }
        }
    }

    private List<String> readReply(InputStream in, Step st, StringBuilder log) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l;
            try {
                l = readLineOrClosed(in);
            } catch (SocketTimeoutException e) {
                fail(st, st.text(), "(no reply in time)", log);
                return lines;
            }
            if (l == null) fail(st, st.text(), "(connection closed)", log);
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') return lines;
        }
    }

    private static String readLineOrClosed(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        try {
            while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        } catch (java.net.SocketException e) {
            return null;   // reset by the peer counts as closed
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private void fail(Step st, String expected, String actual, StringBuilder log) {
        throw new AssertionError(file.getFileName() + ":" + st.line() + ": expected " + expected + "\n  got " + actual
                + "\n--- conversation ---\n" + log);
    }

    static boolean matches(String pattern, String line, Mode mode) {
        if (mode == Mode.CODES) {
            String[] p = pattern.split(" ", 3);
            String[] l = line.split(" ", 3);
            if (!l[0].startsWith(p[0].substring(0, 3))) return false;
            if (p.length > 1 && p[1].matches("\\d\\.\\d+\\.\\d+")) return l.length > 1 && l[1].equals(p[1]);
            return true;
        }
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(line).matches();
    }

    static byte[] unescape(String t) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\\' && i + 1 < t.length()) {
                char n = t.charAt(++i);
                switch (n) {
                    case 'r' -> b.write('\r');
                    case 'n' -> b.write('\n');
                    case 't' -> b.write('\t');
                    case '0' -> b.write(0);
                    case 'x' -> { b.write(Integer.parseInt(t.substring(i + 1, i + 3), 16)); i += 2; }
                    default -> b.write(n);
                }
            } else {
                b.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return b.toByteArray();
    }
}
