// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.MainConfig;

/** Debian's spamc (SpamAssassin's own client) against SpamdServer; and what a hostile client gets. */
class SpamdInteropTest {
    @TempDir
    Path dir;

    private SpamdServer server;
    private SpamFilter filter;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/spam/test-rules.cf"), dir.resolve("rules/50_test.cf"));
        MainConfig cfg = MainConfig.fromText(String.join("\n",
                "data_directory = " + dir.resolve("data"),
                "secumail_spam_filter = yes",
                "secumail_spam_rules_directories = " + dir.resolve("rules"),
                "secumail_spam_site_rules_directory =", ""), "main.cf", dir);
        filter = SpamFilter.fromConfig(cfg);
        server = new SpamdServer(filter, 1 << 20, 5_000);
        port = server.listen("127.0.0.1", 0).getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (filter != null) filter.close();
    }

    private static final String SPAM = "From: a@example.org\nTo: b@example.net\nSubject: special offer\nMessage-ID: <s1@x>\n\nBuy cheap pills at http://shady.example.biz/\n";
    private static final String HAM = "From: a@example.org\nTo: b@example.net\nSubject: lunch\nMessage-ID: <h1@x>\n\nNoon?\n";

    private record Run(int rc, String out) { }

    private Run spamc(String input, String... args) throws Exception {
        Path spamc = Path.of("/usr/bin/spamc");
        if (!Files.isExecutable(spamc)) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank()) throw new AssertionError("spamc is missing under CI (scripts/install-test-deps.sh installs it)");
            Assumptions.abort("spamc is not installed");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(spamc.toString(), "-d", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream o = p.getOutputStream()) {
            o.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void spamcCheckSymbolsReportProcess() throws Exception {
        assertThat(spamc(SPAM, "-c")).isEqualTo(new Run(1, "11.5/5.0\n"));
        assertThat(spamc(HAM, "-c")).isEqualTo(new Run(0, "0.0/5.0\n"));
        // a message piped from an mbox file keeps its "From " line: skipped, as spamd does
        assertThat(spamc("From a@example.org Mon Jan  1 00:00:00 2024\n" + SPAM, "-c")).isEqualTo(new Run(1, "11.5/5.0\n"));
        assertThat(spamc(SPAM, "-y").out()).isEqualTo("SELLS_PILLS,SHADY_LINK,SUBJ_OFFER");
        assertThat(spamc(SPAM, "-R").out()).contains("Content analysis details:   (11.5 points, 5.0 required)")
                .contains("  6.0 SELLS_PILLS            Sells pills").contains("      [http://shady.example.biz/]");
        Run processed = spamc(SPAM);
        assertThat(processed.rc()).isZero();
        assertThat(processed.out()).startsWith("X-Spam-Flag: YES\r\nX-Spam-Score: 11.5\r\n").contains("From: a@example.org")
                .endsWith("Buy cheap pills at http://shady.example.biz/\n");
        assertThat(spamc(HAM, "-K").out()).startsWith("SPAMD/1.5 0");
    }

    @Test
    void spamcTellLearnsAndForgets() throws Exception {
        assertThat(spamc(SPAM, "-L", "spam").out()).contains("Message successfully un/learned");
        assertThat(spamc(SPAM, "-L", "spam").out()).contains("Message was already un/learned");
        assertThat(filter.bayes().store().totals().spam()).isEqualTo(1);
        assertThat(spamc(SPAM, "-L", "forget").out()).contains("Message successfully un/learned");
        assertThat(filter.bayes().store().totals().spam()).isZero();
    }

    private String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void hostileClientsGetErrorCodes() throws Exception {
        assertThat(raw("GET / HTTP/1.0\r\n\r\n")).startsWith("SPAMD/1.0 76 EX_PROTOCOL bad header line");
        assertThat(raw("FROB SPAMC/1.5\r\nContent-length: 2\r\n\r\nxx")).startsWith("SPAMD/1.0 76 EX_PROTOCOL unknown method FROB");
        assertThat(raw("CHECK SPAMC/1.5\r\nContent-length: 99999999\r\n\r\nxx")).startsWith("SPAMD/1.0 65 EX_DATAERR");
        assertThat(raw("CHECK SPAMC/1.5\r\nContent-length: 50\r\n\r\nshort")).startsWith("SPAMD/1.0 65 EX_DATAERR");
        assertThat(raw("CHECK SPAMC/1.5\r\n" + "X-Long: " + "a".repeat(20_000) + "\r\n\r\n")).isEmpty();
        assertThat(raw("TELL SPAMC/1.5\r\nContent-length: 5\r\nSet: local\r\nMessage-class: eggs\r\n\r\nhello")).startsWith("SPAMD/1.0 64 EX_USAGE");
        // still serving
        assertThat(raw("CHECK SPAMC/1.5\r\nContent-length: " + HAM.length() + "\r\n\r\n" + HAM)).isEqualTo("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.0 / 5.0\r\n\r\n");
    }
}
