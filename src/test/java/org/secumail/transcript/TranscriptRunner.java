// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays a {@link Transcript} against an SMTP server over one plain TCP connection.
 * Consecutive "C:"/"R:" lines are written together in one write before the next
 * "S:", "W:" or the end, as a pipelining client (RFC 2920) sends a command group.
 * Every "S:" waits at most readTimeout for a complete reply, "S: &lt;closed&gt;" at
 * most readTimeout for EOF or a reset, "W:" its own time: a run is bounded by the sum.
 * A mismatch throws an {@link AssertionError} naming the file, the step's line, the
 * expected pattern, the actual reply and the conversation so far.
 */
public final class TranscriptRunner {
    /** Conversation lines kept for messages; older ones are summarized. */
    private static final int MAX_SHOWN = 200;

    private TranscriptRunner() {}

    public static TranscriptResult run(Transcript t, String host, int port, Mode mode, Duration readTimeout) {
        return new Session(t, host, port, mode, readTimeout).run();
    }

    private static final class Session {
        private final Transcript t;
        private final String host;
        private final int port;
        private final Mode mode;
        private final long timeoutMillis;
        private final List<String> conversation = new ArrayList<>();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private OutputStream out;
        private ReplyReader reader;
        private List<String> lastReply = List.of();
        private String writeFailure;
        private int writeFailureLine;

        Session(Transcript t, String host, int port, Mode mode, Duration readTimeout) {
            this.t = t;
            this.host = host;
            this.port = port;
            this.mode = mode;
            this.timeoutMillis = Math.max(1, readTimeout.toMillis());
        }

        TranscriptResult run() {
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                try {
                    s.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
                    s.setTcpNoDelay(true);
                    out = s.getOutputStream();
                    reader = new ReplyReader(s);
                } catch (IOException e) {
                    throw fail(t.steps().get(0).line(), "cannot connect to " + host + ":" + port + ": " + e, null, List.of());
                }
                for (Step step : t.steps()) execute(step);
                flush(lastLine());
                if (writeFailure != null) {
                    throw fail(writeFailureLine, "sending failed: " + writeFailure, null, List.of());
                }
            } catch (IOException e) {
                // Only close() throws here; the conversation itself has passed.
                conversation.add("(close: " + e + ")");
            }
            return new TranscriptResult(t, conversation, Duration.ofNanos(System.nanoTime() - start));
        }

        private int lastLine() { return t.steps().get(t.steps().size() - 1).line(); }

        private void execute(Step step) {
            switch (step) {
                case Step.Send send -> {
                    conversation.add("C: " + send.text());
                    pending.writeBytes((send.text() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                case Step.SendRaw raw -> {
                    conversation.add("R: " + raw.source());
                    pending.writeBytes(raw.bytes());
                }
                case Step.Wait w -> {
                    flush(w.line());
                    conversation.add("W: " + w.millis());
                    sleep(w.millis());
                }
                case Step.ExpectClosed c -> {
                    flush(c.line());
                    ReplyReader.Read r = reader.awaitClose(timeoutMillis);
                    if (r.outcome() == ReplyReader.Outcome.CLOSED) {
                        conversation.add("S: <closed>");
                        return;
                    }
                    r.lines().forEach(l -> conversation.add("S: " + l));
                    throw fail(c.line(), "expected the server to close the connection; " + describe(r), "<closed>", r.lines());
                }
                case Step.Expect e -> {
                    flush(e.line());
                    ReplyReader.Read r = reader.readReply(timeoutMillis);
                    r.lines().forEach(l -> conversation.add("S: " + l));
                    if (!r.complete()) {
                        throw fail(e.line(), "no complete reply: " + r.detail(), e.pattern(), r.lines());
                    }
                    lastReply = r.lines();
                    if (!matches(e, r.lines())) {
                        String what = e.anyLine() ? "no line of the reply matches" : "the reply's last line does not match";
                        throw fail(e.line(), what, e.pattern(), r.lines());
                    }
                }
                case Step.ExpectAlso a -> {
                    String p = anySeparator(a.pattern());
                    if (lastReply.stream().noneMatch(l -> Glob.matches(p, l))) {
                        throw fail(a.line(), "no line of the same reply matches", a.pattern(), lastReply);
                    }
                }
            }
        }

        private boolean matches(Step.Expect e, List<String> lines) {
            if (!e.anyLine()) return mode.matches(e.pattern(), lines.get(lines.size() - 1));
            // "S-:" (and "S+:") check a line's content (an EHLO keyword) in both modes; whether
            // it is a "250-" or the final "250 " line depends on what else is advertised.
            String p = anySeparator(e.pattern());
            return lines.stream().anyMatch(l -> Glob.matches(p, l));
        }

        private static String anySeparator(String pattern) {
            if (pattern.length() >= 4 && pattern.substring(0, 3).matches("[0-9?]{3}")
                    && (pattern.charAt(3) == '-' || pattern.charAt(3) == ' ')) {
                return pattern.substring(0, 3) + "?" + pattern.substring(4);
            }
            return pattern;
        }

        private void flush(int line) {
            if (pending.size() == 0) return;
            byte[] bytes = pending.toByteArray();
            pending.reset();
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException ex) {
                // The server may legitimately have gone (a following "S: <closed>" says so);
                // remember it and let the next step or the end decide.
                conversation.add("(write failed: " + ex + ")");
                if (writeFailure == null) {
                    writeFailure = ex.toString();
                    writeFailureLine = line;
                }
            }
        }

        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError(t.source() + ": interrupted while waiting", ex);
            }
        }

        private static String describe(ReplyReader.Read r) {
            return switch (r.outcome()) {
                case REPLY -> "it sent a reply instead";
                case TIMEOUT, ERROR, CLOSED -> r.detail();
            };
        }

        private AssertionError fail(int line, String what, String pattern, List<String> actual) {
            StringBuilder m = new StringBuilder();
            m.append(t.source()).append(':').append(line).append(": ").append(what).append('\n');
            m.append("  transcript: ").append(t.description()).append('\n');
            if (pattern != null) {
                m.append("  expected:   ").append(pattern);
                if (!pattern.equals("<closed>")) m.append("   [compared: ").append(mode.describe(pattern)).append(']');
                m.append('\n');
            }
            m.append("  actual reply:").append(actual.isEmpty() ? " (none)" : "").append('\n');
            for (String l : actual) m.append("    ").append(l).append('\n');
            m.append("  conversation so far (").append(host).append(':').append(port).append(", mode ").append(mode).append("):\n");
            int from = Math.max(0, conversation.size() - MAX_SHOWN);
            if (from > 0) m.append("    ... ").append(from).append(" earlier lines\n");
            for (String l : conversation.subList(from, conversation.size())) m.append("    ").append(l).append('\n');
            return new AssertionError(m.toString());
        }
    }
}
