// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.Server;
import org.secumail.config.MainConfig;
import org.secumail.config.MasterConfig;
import org.secumail.transcript.PostfixInstance;

/**
 * The same postscreen configuration in a real Postfix 3.7 (Debian) and in SecuMail, the same
 * pre-greeting bot against both: the same replies, line by line, with the banner text left out
 * (each names its own software). Skipped when a private Postfix cannot run here, failed under CI=true.
 */
class PostscreenPostfixTest {
    @TempDir
    static Path root;

    private static PostfixInstance postfix;
    private static Server secumail;
    private static int postfixScreen;
    private static int postfixDeep;

    /** A second postscreen service with the deep protocol tests on, the same -o lines in both. */
    private static final String DEEP_OPTIONS = " -o postscreen_greet_action=ignore -o postscreen_pipelining_enable=yes"
            + " -o postscreen_non_smtp_command_enable=yes -o postscreen_bare_newline_enable=yes"
            + " -o postscreen_bare_newline_action=enforce -o postscreen_cache_map=btree:$data_directory/postscreen_cache_deep";

    private static final String MAIN = String.join("\n", "compatibility_level = 3.6", "myhostname = mx.example.test",
            "mydestination = example.test", "mynetworks = 127.0.0.9/32", "postscreen_greet_wait = 1s",
            "postscreen_greet_action = enforce", "postscreen_access_list = permit_mynetworks", "smtpd_peername_lookup = no",
            "alias_maps =", "");

    @BeforeAll
    static void start() throws Exception {
        String why = PostfixInstance.unavailableReason(PostfixInstance.defaultScript());
        if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError("CI=true: " + why);
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            postfixScreen = s.getLocalPort();
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            postfixDeep = s.getLocalPort();
        }
        postfix = PostfixInstance.start(PostfixInstance.defaultScript(), MAIN + "\nalias_database =\n",
                "127.0.0.1:" + postfixScreen + " inet n - n - 1 postscreen\n"
                        + "127.0.0.1:" + postfixDeep + " inet n - n - 1 postscreen" + DEEP_OPTIONS + "\n"
                        + "smtpd pass - - n - - smtpd\n"
                        + "dnsblog unix - - n - 0 dnsblog\n"
                        + "tlsproxy unix - - n - 0 tlsproxy\n");
        Path d = root.resolve("secumail");
        secumail = Server.start(MainConfig.fromText(MAIN + String.join("\n", "queue_directory = " + d.resolve("queue"),
                "data_directory = " + d.resolve("data"), "local_recipient_maps = inline:{ user1=ok }", ""), "main.cf", d),
                MasterConfig.parse("127.0.0.1:0 inet n - n - 1 postscreen\n127.0.0.1:0 inet n - n - 1 postscreen" + DEEP_OPTIONS
                        + "\nsmtpd pass - - n - - smtpd\n", "master.cf", 100));
    }

    @AfterAll
    static void stop() {
        if (secumail != null) secumail.close();
        if (postfix != null) postfix.close();
    }

    /** The bot's conversation; each reply line with any text after the code's banner cut off. */
    private static List<String> bot(int port, String source) throws Exception {
        List<String> got = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out.write("HELO bot.example\r\n".getBytes(StandardCharsets.US_ASCII));   // before the banner
            out.flush();
            String l;
            l = in.readLine();
            got.add(l.substring(0, 4));                  // "220-": the banner text differs
            got.add(in.readLine());                      // HELO's reply: no "220 " for a pregreeting client
            for (String c : List.of("MAIL FROM:<bot@spam.example>", "RCPT TO:<user1@example.test>", "DATA")) {
                out.write((c + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                got.add(in.readLine());
            }
            // postscreen hangs up after DATA (no QUIT: writing to the closed socket would reset it)
            String after;
            try {
                after = in.readLine();
            } catch (java.net.SocketException e) {
                after = null;
            }
            got.add(after == null ? "(closed)" : after);
        }
        return got;
    }

    @Test
    void aPregreetingBotGetsTheSameRepliesFromBoth() throws Exception {
        long mark = postfix.maillogSize();
        List<String> fromPostfix;
        try {
            fromPostfix = bot(postfixScreen, "127.0.0.5");
        } catch (java.io.IOException e) {
            throw new AssertionError("Postfix: " + e + "\n" + postfix.maillogSince(mark), e);
        }
        List<String> fromSecuMail = bot(secumail.listeners().get(0).port(), "127.0.0.5");
        assertThat(fromPostfix.get(3)).isEqualTo("550 5.5.1 Protocol error");
        assertThat(fromSecuMail).isEqualTo(fromPostfix);
    }

    /**
     * One conversation: the greeting, then each chunk written at once (a chunk with several
     * commands is a pipelining client) and one reply per command read; 220 lines are cut to
     * their code (the banner text names the software), and the end is "(closed)" if the server
     * hung up.
     */
    private static List<String> converse(int port, String source, String... chunks) throws Exception {
        List<String> got = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String l;
            do {
                l = in.readLine();
                if (l == null) return got;
                got.add(l.substring(0, 4));
            } while (!l.startsWith("220 "));
            for (String chunk : chunks) {
                out.write(chunk.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int commands = chunk.split("\n", -1).length - 1;
                for (int c = 0; c < commands; c++) {
                    do {
                        try {
                            l = in.readLine();
                        } catch (java.net.SocketException e) {
                            l = null;
                        }
                        if (l == null) {
                            got.add("(closed)");
                            return got;
                        }
                        got.add(l.startsWith("220") ? l.substring(0, 4) : l);
                    } while (l.length() > 3 && l.charAt(3) == '-');
                }
            }
            try {
                got.add(in.readLine() == null ? "(closed)" : "(open)");
            } catch (java.net.SocketException e) {
                got.add("(closed)");
            }
        }
        return got;
    }

    private static List<String> sameFromBoth(String source, String... chunks) throws Exception {
        long mark = postfix.maillogSize();
        List<String> fromPostfix;
        try {
            fromPostfix = converse(postfixDeep, source, chunks);
        } catch (java.io.IOException e) {
            throw new AssertionError("Postfix: " + e + "\n" + postfix.maillogSince(mark), e);
        }
        List<String> fromSecuMail = converse(secumail.listeners().get(1).port(), source, chunks);
        assertThat(fromSecuMail).as("Postfix's log:\n" + postfix.maillogSince(mark)).isEqualTo(fromPostfix);
        return fromSecuMail;
    }

    @Test
    void aGoodClientPassesTheDeepTestsOnceThenGoesToSmtpd() throws Exception {
        String[] first = {"EHLO good.example\r\n", "MAIL FROM:<a@good.example>\r\n", "RCPT TO:<user1@example.test>\r\n", "QUIT\r\n"};
        sameFromBoth("127.0.0.21", first);
        assertThat(converse(secumail.listeners().get(1).port(), "127.0.0.25", first))
                .contains("450 4.3.2 Service currently unavailable", "221 2.0.0 Bye");
        // PASS OLD: no "220-" teaser, smtpd's own greeting and QUIT
        assertThat(sameFromBoth("127.0.0.21", "QUIT\r\n")).containsExactly("220 ", "221 2.0.0 Bye", "(closed)");
    }

    @Test
    void aPipeliningBotANonSmtpClientAndBareNewlinesAreCaught() throws Exception {
        assertThat(sameFromBoth("127.0.0.22", "EHLO bot.example\r\nMAIL FROM:<a@bot.example>\r\nRCPT TO:<user1@example.test>\r\n",
                "QUIT\r\n")).contains("550 5.5.1 Protocol error", "221 2.0.0 Bye").doesNotContain("250-PIPELINING");
        assertThat(sameFromBoth("127.0.0.23", "GET / HTTP/1.0\r\n"))
                .containsExactly("220-", "220 ", "521 5.7.0 Error: I can break rules, too. Goodbye.", "(closed)");
        assertThat(sameFromBoth("127.0.0.24", "EHLO bare.example\n", "MAIL FROM:<a@bare.example>\n", "RCPT TO:<user1@example.test>\n",
                "QUIT\n")).contains("550 5.5.1 Protocol error", "221 2.0.0 Bye");
        assertThat(sameFromBoth("127.0.0.26", "HELO x.example\r\n", "DATA\r\n"))
                .containsExactly("220-", "220 ", "250 mx.example.test", "503 5.5.1 Error: need RCPT command", "(closed)");
    }
}
