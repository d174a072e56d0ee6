// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TranscriptRunnerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private FakeSmtpServer server;

    @BeforeEach
    void start() throws IOException { server = new FakeSmtpServer(); }

    @AfterEach
    void stop() throws IOException { server.close(); }

    private TranscriptResult run(String text, Mode mode, Duration timeout) {
        return TranscriptRunner.run(TranscriptParser.parse("t.txt", text), "127.0.0.1", server.port(), mode, timeout);
    }

    @Test
    void passingConversationIsRecorded() {
        TranscriptResult r = run("""
                # greeting, EHLO, pipelined NOOPs, QUIT
                S: 220 fake.example ESMTP
                C: EHLO me
                S-: 250-PIPELINING
                S+: 250-8BITMIME
                C: NOOP
                C: NOOP
                S: 250 2.0.0 Ok
                S: 250 2.0.0 Ok
                C: QUIT
                S: 221 2.0.0 Bye
                S: <closed>
                """, Mode.STRICT, TIMEOUT);
        assertThat(r.serverLines()).containsExactly("220 fake.example ESMTP", "250-fake.example", "250-PIPELINING",
                "250 8BITMIME", "250 2.0.0 Ok", "250 2.0.0 Ok", "221 2.0.0 Bye", "<closed>");
        assertThat(r.conversation()).contains("C: EHLO me", "C: QUIT");
        assertThat(server.received).containsExactly("EHLO me", "NOOP", "NOOP", "QUIT");
    }

    @Test
    void mismatchShowsFileLinePatternReplyAndConversation() {
        String transcript = """
                # unknown command gets 500 (wrong on purpose)
                S: 220 *
                C: FOO
                S: 500 5.5.2 Error: command unrecognized
                """;
        assertThatThrownBy(() -> run(transcript, Mode.STRICT, TIMEOUT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("t.txt:4: the reply's last line does not match")
                .hasMessageContaining("expected:   500 5.5.2 Error: command unrecognized   [compared: whole line]")
                .hasMessageContaining("actual reply:\n    502 5.5.2 Error: command not recognized")
                .hasMessageContaining("    S: 220 fake.example ESMTP\n    C: FOO\n    S: 502 5.5.2 Error: command not recognized");
    }

    @Test
    void codesModeIgnoresWordingButNotCodes() {
        run("# wording differs\nS: 220 other wording\nC: FOO\nS: 502 5.5.2 Whatever\n", Mode.CODES, TIMEOUT);
        assertThatThrownBy(() -> run("# enhanced differs\nS: 220 *\nC: FOO\nS: 502 5.5.1 Whatever\n", Mode.CODES, TIMEOUT))
                .hasMessageContaining("t.txt:4:")
                .hasMessageContaining("[compared: reply code 502, enhanced status 5.5.1]");
    }

    @Test
    void anyLineExpectationIgnoresTheSeparator() {
        // 8BITMIME is the final "250 " line, PIPELINING a "250-" line: both found either way.
        run("# keywords\nS: 220 *\nC: EHLO me\nS-: 250-8BITMIME\n", Mode.STRICT, TIMEOUT);
        run("# keywords\nS: 220 *\nC: EHLO me\nS-: 250 PIPELINING\n", Mode.STRICT, TIMEOUT);
        assertThatThrownBy(() -> run("# keywords\nS: 220 *\nC: EHLO me\nS-: 250-PIPELINING\nS+: 250 DSN\n", Mode.STRICT, TIMEOUT))
                .hasMessageContaining("t.txt:5: no line of the same reply matches")
                .hasMessageContaining("actual reply:\n    250-fake.example\n    250-PIPELINING\n    250 8BITMIME\n");
        assertThatThrownBy(() -> run("# keywords\nS: 220 *\nC: EHLO me\nS-: 250-CHUNKING\n", Mode.STRICT, TIMEOUT))
                .hasMessageContaining("t.txt:4: no line of the reply matches")
                .hasMessageContaining("actual reply:\n    250-fake.example\n    250-PIPELINING\n    250 8BITMIME\n");
    }

    @Test
    void silenceIsATimeoutBoundedByTheReadTimeout() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> run("# silence\nS: 220 *\nC: SILENT\nS: 250 *\n", Mode.STRICT, Duration.ofMillis(300)))
                .hasMessageContaining("t.txt:4: no complete reply: no complete reply within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void closeIsDetectedAndAnUnexpectedCloseReported() {
        run("# close\nS: 220 *\nC: CLOSE\nS: <closed>\n", Mode.STRICT, TIMEOUT);
        assertThatThrownBy(() -> run("# close\nS: 220 *\nC: CLOSE\nS: 250 *\n", Mode.STRICT, TIMEOUT))
                .hasMessageContaining("t.txt:4: no complete reply: connection closed by the server");
        assertThatThrownBy(() -> run("# still open\nS: 220 *\nC: SILENT\nS: <closed>\n", Mode.STRICT, Duration.ofMillis(300)))
                .hasMessageContaining("t.txt:4: expected the server to close the connection; connection still open after 300 ms");
        assertThatThrownBy(() -> run("# reply, no close\nS: 220 *\nC: NOOP\nS: <closed>\n", Mode.STRICT, TIMEOUT))
                .hasMessageContaining("it sent a reply instead")
                .hasMessageContaining("actual reply:\n    250 2.0.0 Ok");
    }

    @Test
    void rawBytesAndBareLfRepliesAndWaits() {
        TranscriptResult r = run("""
                # raw
                S: 220 *
                R: NO\\x4fP\\r\\nBADLINES\\r\\n
                W: 50
                S: 250 2.0.0 Ok
                S: 250 lf-only
                """, Mode.STRICT, TIMEOUT);
        assertThat(server.received).containsExactly("NOOP", "BADLINES");
        assertThat(r.conversation()).contains("R: NO\\x4fP\\r\\nBADLINES\\r\\n", "W: 50");
    }

    @Test
    void refusedConnectionIsReported() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        Transcript t = TranscriptParser.parse("t.txt", "# nobody home\nS: 220 *\n");
        assertThatThrownBy(() -> TranscriptRunner.run(t, "127.0.0.1", closedPort, Mode.STRICT, TIMEOUT))
                .hasMessageContaining("t.txt:2: cannot connect to 127.0.0.1:" + closedPort);
    }
}
