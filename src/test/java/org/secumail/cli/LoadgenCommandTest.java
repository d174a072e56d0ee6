// SPDX-License-Identifier: Apache-2.0
package org.secumail.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(30)
class LoadgenCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new LoadgenCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void refusesANonLoopbackHostWithExitStatus2() {
        assertThat(run("--host", "10.1.2.3", "-m", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("loadgen: refusing to connect to \"10.1.2.3\"")
                .contains("loopback addresses (127.0.0.0/8 or ::1)");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void rejectsOutOfRangeOptions() {
        assertThat(run("-c", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("concurrency must be between 1 and");
    }

    @Test
    void anUnreadableMessageFileIsBadUsage() {
        assertThat(run("--message", "/nonexistent/secumail-loadgen.eml", "-m", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("loadgen: cannot read --message file:").contains("/nonexistent/secumail-loadgen.eml");
    }

    @Test
    void printsJsonAndExitsZeroWhenEverythingWasAccepted() throws Exception {
        // A one-connection SMTP responder, enough for one message.
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Thread t = Thread.ofVirtual().start(() -> answerOneSession(server));
            int rc = run("--port", Integer.toString(server.getLocalPort()), "-m", "1", "-c", "1", "-s", "400", "--json");
            t.join(5000);
            assertThat(rc).isEqualTo(0);
            assertThat(out.toString()).startsWith("{\"mode\":\"send\",\"host\":\"127.0.0.1\",")
                    .contains("\"accepted\":1,\"rejected\":0,\"errors\":0,")
                    .contains("\"latency_ms\":{\"p50\":").endsWith("\"success\":true}" + System.lineSeparator());
        }
    }

    /** --starttls --auth --sessions-only against SecuMail with TLS and a test AUTH backend. */
    @Test
    void startTlsAndAuthSessions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (var fx = new org.secumail.smtpd.TlsAuthFixture(dir, org.secumail.smtpd.TlsAuthFixture.mainCf(dir),
                "127.0.0.1:0 inet n - n - - smtpd\n")) {
            String port = Integer.toString(fx.port(0));
            assertThat(run("--port", port, "-m", "5", "-c", "2", "--starttls", "--auth", "alice@example.test:secret",
                    "--sessions-only", "--json")).isEqualTo(0);
            assertThat(out.toString()).startsWith("{\"mode\":\"sessions\"").contains("\"accepted\":5,\"rejected\":0,\"errors\":0,");
            out.getBuffer().setLength(0);
            // a wrong password is a negative reply to AUTH, counted, and the run fails
            assertThat(run("--port", port, "-m", "2", "-c", "1", "--starttls", "--auth", "alice@example.test:wrong",
                    "--sessions-only", "--json")).isEqualTo(1);
            assertThat(out.toString()).contains("\"accepted\":0,").contains("\"AUTH 535\":2");
            out.getBuffer().setLength(0);
            // without STARTTLS the server does not offer AUTH (smtpd_tls_auth_only = yes)
            assertThat(run("--port", port, "-m", "1", "-c", "1", "--auth", "alice@example.test:secret", "--sessions-only", "--json"))
                    .isEqualTo(1);
            assertThat(out.toString()).contains("\"AUTH 5");
        }
    }

    private static void answerOneSession(ServerSocket server) {
        try (Socket s = server.accept()) {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            var o = s.getOutputStream();
            o.write("220 t ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean data = false;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String reply = null;
                if (data) {
                    if (line.equals(".")) {
                        data = false;
                        reply = "250 queued";
                    }
                } else if (line.startsWith("DATA")) {
                    data = true;
                    reply = "354 go";
                } else if (line.startsWith("QUIT")) {
                    o.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                } else {
                    reply = "250 ok";
                }
                if (reply != null) o.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
